"""manage.py import_report and seed_reports."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from islands.crypto_reports.models import Report

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_reports_loads_the_samples_once(client):
    first = _run("seed_reports")
    count = Report.objects.count()
    second = _run("seed_reports")

    assert count >= 3
    assert "seeded report" in first
    assert "nothing seeded" in second
    assert Report.objects.count() == count
    latest = Report.objects.first()
    assert latest.js_content and "initializeAllVisuals_report" in latest.js_content
    # Sample figures are presented as illustrative, in both languages.
    for report in Report.objects.all():
        assert "Báo cáo mẫu" in report.html_content
        if report.html_content_en:
            assert "Sample report" in report.html_content_en
    assert client.get("/crypto_report").status_code == 200


def test_seed_reports_leaves_a_table_with_real_reports_alone(make_report):
    make_report("Báo cáo thật")

    assert "nothing seeded" in _run("seed_reports")
    assert Report.objects.count() == 1


def test_import_report_reads_a_folder(tmp_path: Path):
    (tmp_path / "report.vi.html").write_text("<h1>Nhập từ tệp</h1>", encoding="utf-8")
    (tmp_path / "report.en.html").write_text("<h1>Imported</h1>", encoding="utf-8")
    (tmp_path / "report.css").write_text("h1{color:#333}", encoding="utf-8")

    new_id = int(_run("import_report", "--dir", str(tmp_path), "--created-at", "2026-11-01T08:00:00Z"))

    report = Report.objects.get(id=new_id)
    assert report.html_content_en == "<h1>Imported</h1>"
    assert report.css_content == "h1{color:#333}"
    assert report.js_content is None
    assert report.created_at.isoformat() == "2026-11-01T08:00:00+00:00"


def test_import_report_reads_single_files(tmp_path: Path):
    html = tmp_path / "a.html"
    js = tmp_path / "a.js"
    html.write_text("<h1>Một tệp</h1>", encoding="utf-8")
    js.write_text("function initializeAllVisuals_report() {}", encoding="utf-8")

    new_id = int(_run("import_report", "--html", str(html), "--js", str(js)))

    assert Report.objects.get(id=new_id).js_content.startswith("function")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --dir FOLDER or --html FILE"),
        (("--html", "/nonexistent/x.html"), "no such file"),
        (("--dir", "/nonexistent"), "not a directory"),
        (("--html", "{empty}"), "Vietnamese HTML"),
        (("--html", "{latin1}"), "not UTF-8"),
        (("--html", "{ok}", "--created-at", "yesterday"), "ISO 8601"),
    ],
)
def test_import_report_explains_bad_input(tmp_path: Path, args, message):
    (tmp_path / "empty.html").write_text("  ", encoding="utf-8")
    (tmp_path / "latin1.html").write_bytes("<h1>Báo</h1>".encode("latin-1", errors="replace") + b"\xe1\xff")
    (tmp_path / "ok.html").write_text("<h1>ok</h1>", encoding="utf-8")
    paths = {k: str(tmp_path / f"{k}.html") for k in ("empty", "latin1", "ok")}

    with pytest.raises(CommandError, match=message):
        _run("import_report", *(a.format(**paths) for a in args))
    assert not Report.objects.exists()
