"""Secrets kept in files of their own: created once, atomically, readable by their owner only.

Used by the settings (the generated Django secret key) and the launcher (the embedded Redis's
password). It must not import Django: the launcher runs before Django is configured.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner may enter (0700), also when it existed with a wider mode."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def secret_file(path: Path, *, nbytes: int = 32) -> str:
    """The secret stored at `path`, generated on first use.

    The value is written to a temporary file opened O_CREAT|O_EXCL with mode 0600 (never readable
    by anyone else, not even for a moment) and then hard-linked into place: link() fails when the
    name exists, so of two processes racing on a fresh directory both end with the one secret that
    won, and a reader never sees a half-written file.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
            handle.flush()
            os.fsync(handle.fileno())
        # FileExistsError: another process won the race, and its secret is the one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # written by an older version, which left it readable by others
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"{path} is empty: delete it to have a new secret generated")
    return value
