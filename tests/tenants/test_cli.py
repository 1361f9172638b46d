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


def test_run_puts_callback_urls_on_the_port_it_serves():
    from ticketflower.cli.service import apply_run_defaults

    environ: dict[str, str] = {}
    apply_run_defaults(8123, environ)
    template = environ["TICKETFLOWER_CALLBACK_URL_TEMPLATE"]
    assert template.format(domain="demo.localhost", token="t") == (
        "http://demo.localhost:8123/api/v1/callbacks/t/"
    )
    # The settings read it (a worker started by `run` signs callback URLs with it).
    code = "from django.conf import settings; print(settings.ACTION_CALLBACK_URL_TEMPLATE)"
    env = dict(os.environ, **environ, DJANGO_SETTINGS_MODULE="ticketflower.settings")
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == template
    # One set explicitly wins.
    explicit = {"TICKETFLOWER_CALLBACK_URL_TEMPLATE": "https://hooks.example.com/{token}"}
    apply_run_defaults(8123, explicit)
    assert explicit["TICKETFLOWER_CALLBACK_URL_TEMPLATE"] == "https://hooks.example.com/{token}"
