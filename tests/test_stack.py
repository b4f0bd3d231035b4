"""The launcher behind `make run` / `make test`: clear errors for unreachable services, no secrets shown."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from cryptodash.env import env_bool, env_float, env_int, env_list
from cryptodash.stack import BASE_DIR, mask_url


def run_stack(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "cryptodash.stack", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_names_an_unreachable_database_without_its_password():
    result = run_stack("test", "--co", DATABASE_URL="postgres://cryptodash:s3cret@127.0.0.1:1/nothing")
    assert result.returncode == 2
    assert "DATABASE_URL=postgres://cryptodash:***@127.0.0.1:1/nothing is not reachable" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_it_refuses_a_configured_but_unreachable_redis():
    result = run_stack("test", "--co", REDIS_URL="redis://:pw@127.0.0.1:1/0")
    assert result.returncode == 2
    assert "REDIS_URL=redis://:***@127.0.0.1:1/15 is not reachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_rejects_unknown_arguments_for_run():
    result = run_stack("run", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_mask_url_hides_only_the_password():
    assert mask_url("redis://user:pw@host:1/0") == "redis://user:***@host:1/0"
    assert mask_url("redis://host:1/0") == "redis://host:1/0"


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda: env_int("X_TEST", 1), "abc", "X_TEST must be an integer, got 'abc'"),
        (lambda: env_int("X_TEST", 1, minimum=5), "3", "X_TEST must be >= 5, got 3"),
        (lambda: env_bool("X_TEST", False), "maybe", "X_TEST must be a boolean"),
        (lambda: env_float("X_TEST", 1.0, minimum=0), "nan", "X_TEST must be a number >= 0"),
    ],
)
def test_bad_environment_values_fail_loudly(monkeypatch, reader, raw, message):
    monkeypatch.setenv("X_TEST", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def test_good_environment_values_are_parsed(monkeypatch):
    monkeypatch.setenv("X_TEST", " a, b ,,c ")
    assert env_list("X_TEST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_TEST", "Yes")
    assert env_bool("X_TEST", False) is True
    monkeypatch.delenv("X_TEST")
    assert env_int("X_TEST", 7) == 7
