"""`ticketflower tenant create|list|delete` against the test database."""

import os
import subprocess
import sys

import pytest

from tests.helpers import database_url


@pytest.fixture
def cli_env(db):
    # The command runs in its own process and commits; this test cleans up after itself.
    return dict(os.environ, DATABASE_URL=database_url(), TICKETFLOWER_DEV="1")


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "ticketflower.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_tenant_create_list_and_delete_from_the_command_line(cli_env):
    created = run(
        cli_env,
        "tenant",
        "create",
        "kappa",
        "--domain",
        "kappa.example.test",
        "--admin",
        "kim",
        "--password",
        "pw-123456",
    )
    assert created.returncode == 0, created.stderr
    assert "kappa.example.test" in created.stdout
    assert "kappa" in run(cli_env, "tenant", "list").stdout
    refused = run(cli_env, "tenant", "delete", "kappa")
    assert refused.returncode == 1
    assert "confirm" in refused.stderr
    deleted = run(cli_env, "tenant", "delete", "kappa", "--confirm", "kappa")
    assert deleted.returncode == 0, deleted.stderr
    assert "kappa" not in run(cli_env, "tenant", "list").stdout


def test_tenant_create_refuses_a_bad_slug(cli_env):
    result = run(cli_env, "tenant", "create", "Bad!", "--password", "pw-123456")
    assert result.returncode == 1
    assert "slug" in result.stderr
