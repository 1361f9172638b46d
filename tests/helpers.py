"""Test helpers: acting as users of a test company through its host name."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.models import Group, User
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery"


class TenantHelper:
    """One test company: its host, and users with roles and tokens in its schema."""

    def __init__(self, slug: str):
        self.slug = slug
        self.host = f"{slug}.localhost"

    def user(self, username: str, *roles: str) -> User:
        with schema_context(self.slug):
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(PASSWORD)
            user.save()
            for name in roles:
                group, _ = Group.objects.get_or_create(name=name)
                user.groups.add(group)
            return user

    def token(self, username: str, *roles: str) -> str:
        user = self.user(username, *roles)
        with schema_context(self.slug):
            from ticketflower.accounts.tokens import issue_token

            return issue_token(user, "test")[1]

    def client(self, username: str | None = None, *roles: str) -> APIClient:
        """An API client on this company's host, authenticated by token when a user is named."""
        client = APIClient(HTTP_HOST=self.host)
        if username:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.token(username, *roles)}")
        return client

    def anonymous(self) -> APIClient:
        return APIClient(HTTP_HOST=self.host)


def database_url() -> str:
    """DATABASE_URL of the test database, for processes the tests start."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    # A socket directory as host is percent-encoded (the embedded server's case).
    return f"postgres://{auth}@{quote(s['HOST'] or '', safe='')}{port}/{s['NAME']}"
