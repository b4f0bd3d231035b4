"""`import_report` publishes only regular files the operator meant: no symlinks, devices, oversize.

The attack: someone else on the host prepares a report folder whose report.vi.html links to the
site's secret key and whose report.css links to /etc/shadow, and asks an operator to import it.
Each variant must be refused with an error naming the file, and nothing stored.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from islands.crypto_reports.models import Report

pytestmark = pytest.mark.django_db

SECRET = "s3cret-key-never-published"


def _import(*args: str) -> str:
    out = StringIO()
    call_command("import_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret_key"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    return secret


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "report.vi.html").write_text("<h1>Báo cáo</h1>", encoding="utf-8")
    return folder


def _refused(args: tuple[str, ...], named: Path, why: str) -> None:
    with pytest.raises(CommandError) as caught:
        _import(*args)
    message = str(caught.value)
    assert str(named) in message and why in message, message
    assert SECRET not in message
    assert not Report.objects.exists()


def test_a_symlinked_html_body_is_refused(folder: Path, secret_file: Path):
    (folder / "report.vi.html").unlink()
    (folder / "report.vi.html").symlink_to(secret_file)

    _refused(("--dir", str(folder)), folder / "report.vi.html", "symbolic link")


@pytest.mark.skipif(not Path("/etc/shadow").exists(), reason="needs a host with /etc/shadow")
def test_a_stylesheet_linking_to_etc_shadow_is_refused(folder: Path):
    (folder / "report.css").symlink_to("/etc/shadow")

    _refused(("--dir", str(folder)), folder / "report.css", "symbolic link")


def test_a_dangling_symlink_is_refused_not_skipped(folder: Path, tmp_path: Path):
    (folder / "report.en.js").symlink_to(tmp_path / "appears-later.js")

    _refused(("--dir", str(folder)), folder / "report.en.js", "symbolic link")


def test_single_file_options_refuse_symlinks_too(folder: Path, secret_file: Path, tmp_path: Path):
    link = tmp_path / "style.css"
    link.symlink_to(secret_file)

    _refused(("--html", str(folder / "report.vi.html"), "--css", str(link)), link, "symbolic link")
    _refused(("--dir", str(folder), "--js", str(link)), link, "symbolic link")


def test_a_hard_link_is_refused(folder: Path, secret_file: Path):
    os.link(secret_file, folder / "report.vi.js")

    _refused(("--dir", str(folder)), folder / "report.vi.js", "hard links")


def test_a_fifo_is_refused_without_blocking(folder: Path):
    # Opening a FIFO for reading blocks until a writer appears: the check must come first.
    os.mkfifo(folder / "report.css")

    _refused(("--dir", str(folder)), folder / "report.css", "FIFO")


def test_a_device_is_refused(folder: Path):
    # /dev/zero would be read forever; /dev/null exists on every POSIX host.
    device = Path("/dev/zero") if Path("/dev/zero").exists() else Path("/dev/null")

    _refused(("--html", str(folder / "report.vi.html"), "--js", str(device)), device, "character device")


def test_an_oversized_file_is_refused(folder: Path, settings):
    settings.REPORT_FILE_MAX_BYTES = 4_096
    (folder / "report.en.html").write_text("<p>" + "x" * 5_000 + "</p>", encoding="utf-8")

    _refused(("--dir", str(folder)), folder / "report.en.html", "REPORT_FILE_MAX_BYTES (4096)")


def test_regular_files_still_import(folder: Path):
    (folder / "report.css").write_text("h1{color:#123}", encoding="utf-8")

    report = Report.objects.get(id=int(_import("--dir", str(folder))))

    assert report.css_content == "h1{color:#123}"
