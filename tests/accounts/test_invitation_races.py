"""One invitation used twice at the same moment makes one user: the other use is told
the invitation was already used, never a 500 or a second account."""

from __future__ import annotations

import threading

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tests.accounts.support import path_of

PASSWORD = "lilac-ferry-orbit-42"


def _invitation_path(helper, email: str) -> str:
    from ticketflower.accounts import invitations
    from ticketflower.notifications.models import Delivery

    with schema_context(helper.slug):
        invitations.do_invite(email=email, roles=["ticket_admin"])
        return path_of("https://x" + Delivery.objects.get(address=email).link)


def test_two_simultaneous_acceptances_make_one_user(committed_tenant):
    for round_ in range(3):
        path = _invitation_path(committed_tenant, f"twin{round_}@example.com")
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def accept(name: str, barrier=barrier, answers=answers, path=path) -> None:
            browser = Client(HTTP_HOST=committed_tenant.host)
            barrier.wait()
            body = {"username": name, "password1": PASSWORD, "password2": PASSWORD}
            answers.append(browser.post(path, body).status_code)
            connection.close()

        names = [f"left{round_}", f"right{round_}"]
        threads = [threading.Thread(target=accept, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [302, 410], answers
        with schema_context(committed_tenant.slug):
            assert User.objects.filter(username__in=names).count() == 1
