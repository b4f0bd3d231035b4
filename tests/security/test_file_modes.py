"""What the stack writes under .run/ is readable by its own user only; the secret key is made once.

Before, `.run/` was 0755 and `db.sqlite3` 0644: another local user read `django_session` and used a
stolen session key to open /admin/. The secret key was written 0644 and chmod'ed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptodash.secretfile import secret_file
from cryptodash.stack.base import BASE_DIR

# Collected by the pytest the launcher starts: it records the umask that process inherited.
UMASK_PROBE = """
import os
mask = os.umask(0)
os.umask(mask)
with open(os.environ["UMASK_OUT"], "w") as out:
    out.write(oct(mask))
"""


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SECRET_KEY")}
    return {**env, **extra}


def test_the_launcher_and_everything_it_starts_keep_their_files_private(tmp_path):
    run_dir = tmp_path / "run"
    probe = tmp_path / "probe_umask.py"
    probe.write_text(UMASK_PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "cryptodash.stack", "test", "-p", "no:cacheprovider", "--co", "-q", str(probe)],
        cwd=BASE_DIR,
        env=clean_env(CRYPTODASH_RUN_DIR=str(run_dir), UMASK_OUT=str(tmp_path / "umask")),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=0o022,  # the usual default: the launcher must not depend on the caller's
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: the probe holds no tests
    assert (tmp_path / "umask").read_text() == "0o77"  # the test process inherited the launcher's umask
    assert mode(run_dir) == "0o700"
    (redis_dir,) = run_dir.glob("redis-test-*")
    assert mode(redis_dir) == "0o700"
    for name in ("password", "redis.log"):
        assert mode(redis_dir / name) == "0o600", name
    for name in ("secret_key", "db.sqlite3"):
        assert mode(run_dir / name) == "0o600", name


def test_settings_keep_the_run_dir_database_and_key_private_without_the_launcher(tmp_path):
    """`manage.py` or granian started by hand, with a permissive umask and an old, open .run/."""
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o755)
    run_dir.chmod(0o755)
    (run_dir / "secret_key").write_text("an-old-key")
    (run_dir / "secret_key").chmod(0o644)
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=clean_env(CRYPTODASH_RUN_DIR=str(run_dir), DJANGO_SETTINGS_MODULE="cryptodash.settings"),
        check=True,
        timeout=60,
        umask=0o022,
    )
    assert mode(run_dir) == "0o700"
    assert mode(run_dir / "db.sqlite3") == "0o600"
    assert mode(run_dir / "secret_key") == "0o600"
    assert (run_dir / "secret_key").read_text() == "an-old-key"  # kept, only its mode narrowed


def test_a_new_secret_key_is_never_readable_by_others_and_racing_processes_get_one_key(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = clean_env(CRYPTODASH_RUN_DIR=str(run_dir), DJANGO_SETTINGS_MODULE="cryptodash.settings")
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True, umask=0o000
        )
        for _ in range(6)
    ]
    keys = {starter.communicate(timeout=60)[0].strip() for starter in starters}
    assert keys == {(run_dir / "secret_key").read_text()}
    assert mode(run_dir / "secret_key") == "0o600"  # even under umask 000
    assert [p.name for p in run_dir.iterdir() if p.name.startswith(".secret_key")] == []  # no leftovers


def test_threads_racing_on_a_fresh_secret_file_all_get_the_winner(tmp_path):
    path = tmp_path / "secret"
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: secret_file(path), range(32)))
    assert values == {path.read_text()}
    assert mode(path) == "0o600"
