"""Reading a report from files: the layout `import_report --dir` and the sample seeds use.

A folder holds report.vi.html (required), report.en.html, report.css, report.vi.js and
report.en.js. Reading only: storing is services.report_create.

Whatever is read here gets published, and the folder may have been prepared by someone else on
the host: only regular files are read, never through a symbolic link (a `report.css` linking to
/etc/shadow would publish it), never a device or FIFO (reading one may block or have effects),
never a file with other hard links, and never more than REPORT_FILE_MAX_BYTES. The checks are
made on the open file descriptor, so swapping a file between check and read does not help.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

REPORT_FILES = {
    "html_content": "report.vi.html",
    "html_content_en": "report.en.html",
    "css_content": "report.css",
    "js_content": "report.vi.js",
    "js_content_en": "report.en.js",
}
SEED_DIR = Path(__file__).resolve().parent / "seed"

# O_NOFOLLOW: the last path component must not be a symlink (ELOOP); O_NONBLOCK: a FIFO put in
# place after the lstat() cannot hang the open (the fstat() then refuses it).
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _check(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{path}: {_kind(info.st_mode)}; only regular files are imported (copy the file in)")
    if info.st_nlink > 1:
        raise ValidationError(
            f"{path}: has {info.st_nlink} hard links; only files with one link are imported (copy the file in)"
        )
    if info.st_size > settings.REPORT_FILE_MAX_BYTES:
        raise ValidationError(
            f"{path}: {info.st_size} bytes, more than REPORT_FILE_MAX_BYTES ({settings.REPORT_FILE_MAX_BYTES})"
        )


def _read_bytes(path: Path, *, dir_fd: int | None) -> bytes | None:
    """The file's bytes after the checks above; None when it does not exist."""
    name = path.name if dir_fd is not None else path
    try:
        before = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read it ({exc.strerror})") from None
    # Refused before opening: opening a device can have effects of its own.
    _check(path, before)
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise ValidationError(f"{path}: replaced while being imported; try again")
        _check(path, opened)
        limit = settings.REPORT_FILE_MAX_BYTES
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"{path}: grew past REPORT_FILE_MAX_BYTES ({limit}) while being read")
    return data


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def report_file_read(path: Path) -> str:
    """The text of one report file given by the operator (a regular file, not a link to one)."""
    data = _read_bytes(path, dir_fd=None)
    if data is None:
        raise ValidationError(f"{path}: no such file")
    return _decode(path, data)


def report_folder_read(*, directory: Path) -> dict[str, str | None]:
    """The model fields found in directory; report.vi.html must exist."""
    try:
        # The folder is opened once and its files are looked up relative to it, so it cannot be
        # swapped for another one half-way through.
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        raise ValidationError(f"{directory}: not a directory") from None
    fields: dict[str, str | None] = {}
    try:
        for field, name in REPORT_FILES.items():
            path = directory / name
            data = _read_bytes(path, dir_fd=dir_fd)
            if data is not None:
                fields[field] = _decode(path, data)
            elif field == "html_content":
                raise ValidationError(f"{path}: no such file")
    finally:
        os.close(dir_fd)
    return fields


def seed_folders() -> list[Path]:
    return sorted(path for path in SEED_DIR.iterdir() if path.is_dir())
