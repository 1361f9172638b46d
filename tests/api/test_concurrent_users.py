"""Creating one username twice at the same moment: one 201, the other a 400, never a 500."""

import threading

from django.db import connection


def test_simultaneous_creations_of_one_username(committed_tenant):
    for round_ in range(5):
        barrier = threading.Barrier(2)
        answers = []

        def create(name=f"twin{round_}", barrier=barrier, answers=answers):
            client = committed_tenant.client("root", "tenant_admin")
            barrier.wait()
            answer = client.post(
                "/api/v1/users/", {"username": name, "password": "a-long-password"},
                format="json",
            )  # fmt: skip
            answers.append(answer.status_code)
            connection.close()

        threads = [threading.Thread(target=create) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [201, 400], answers
