"""Settings come from the environment with safe production defaults."""

import os
import subprocess
import sys

CODE = "import ticketflower.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.SECRET_KEY[:3])"


def load(**env):
    base = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "TICKETFLOWER_DEV", "SECRET_KEY")
    }
    base.setdefault("DATABASE_URL", "postgres://u@127.0.0.1:1/x")
    return subprocess.run(
        [sys.executable, "-c", CODE],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start():
    result = load()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_set_and_hosts_follow_the_base_domain():
    result = load(SECRET_KEY="s3cr3t", TICKETFLOWER_BASE_DOMAIN="tickets.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['tickets.example.com', '.tickets.example.com'] s3c"


def test_missing_database_url_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env={**env, "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
