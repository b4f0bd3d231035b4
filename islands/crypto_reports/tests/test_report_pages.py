"""Report pages: the latest, one by id, and real 404 pages for anything else."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from islands.crypto_reports.selectors import report_neighbours

pytestmark = pytest.mark.django_db


def test_latest_shows_the_newest_report(client, make_report):
    make_report("Cũ hơn")
    newest = make_report("Mới nhất")

    response = client.get("/crypto_report", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mới nhất" in html and "Cũ hơn" not in html
    assert f"/crypto_report/{newest.id}/document?" in html
    assert f'<link rel="canonical" href="http://testserver/crypto_report/{newest.id}">' in html


def test_a_report_by_id_has_its_table_of_contents(client, make_report):
    report = make_report("Phân tích", sections=("Bối cảnh", "Kết luận"))
    make_report("Khác")

    response = client.get(f"/crypto_report/{report.id}", HTTP_ACCEPT_LANGUAGE="vi")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-section-index="0">Bối cảnh<' in html
    assert 'data-section-index="1">Kết luận<' in html
    assert "Khác" not in html


def test_the_frame_is_sandboxed_without_same_origin(client, make_report):
    report = make_report()

    html = client.get(f"/crypto_report/{report.id}").content.decode()

    assert '<iframe id="report-frame"' in html
    assert 'sandbox="allow-scripts"' in html
    assert "allow-same-origin" not in html


def test_text_taken_from_a_report_is_escaped_on_the_site_page(client, make_report):
    # Entities in the report's headings decode to markup-looking text, which must stay text.
    report = make_report(
        "&lt;img src=x onerror=alert(1)&gt; tiêu đề", sections=("&lt;script&gt;alert(2)&lt;/script&gt;",)
    )

    html = client.get(f"/crypto_report/{report.id}").content.decode()

    assert "<img src=x" not in html
    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_english_readers_get_the_english_version_or_a_notice(client, make_report):
    both = make_report("Bản Việt", english="English edition")
    only_vi = make_report("Chỉ tiếng Việt", english=None)

    english = client.get(f"/crypto_report/{both.id}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    fallback = client.get(f"/crypto_report/{only_vi.id}", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-report-lang="en"' in english and "report_lang=en" in english
    assert 'id="language-notice"' not in english
    assert 'data-report-lang="vi"' in fallback and 'id="language-notice"' in fallback


@pytest.mark.parametrize(
    "path",
    [
        "/crypto_report/999999",
        "/crypto_report/0",
        "/crypto_report/abc",
        "/crypto_report/-1",
        "/crypto_report/1.5",
        "/crypto_report/99999999999999999999999",
        "/crypto_report/999999/pdf",
        "/crypto_report/999999/document",
    ],
)
def test_unknown_or_malformed_ids_get_the_404_page(client, make_report, path):
    make_report()

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert 'id="not-found"' in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_the_404_page_speaks_vietnamese_by_default(client):
    response = client.get("/crypto_report/12345")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_latest_without_any_report_is_a_404_that_says_so(client):
    response = client.get("/crypto_report", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert 'id="no-reports"' in response.content.decode()


def test_the_print_view_frames_the_report_sandboxed_without_modals(client, frame_client, make_report):
    report = make_report("In ấn")

    response = client.get(f"/crypto_report/{report.id}/pdf")

    assert response.status_code == 200
    html = response.content.decode()
    # The site's own page: the report is not in it, only in its sandboxed frame.
    assert "<h1>In ấn</h1>" not in html and "<title>In ấn · cryptodash</title>" in html
    src = re.search(r'data-src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert src.startswith(f"/crypto_report/{report.id}/document?") and "report_mode=print" in src
    assert 'sandbox="allow-scripts"' in html and "allow-modals" not in html
    assert 'id="print-button"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"

    document = frame_client.get(src)
    assert 'class="mode-print"' in document.content.decode() and "<h1>In ấn</h1>" in document.content.decode()
    assert document["Content-Security-Policy"].endswith("; sandbox allow-scripts")


def test_pages_refuse_unsafe_methods(client, make_report):
    report = make_report()
    assert client.post(f"/crypto_report/{report.id}").status_code == 405
    # A real client is subject to CSRF checks: it must still get the 405, not CSRF's 403.
    strict = Client(enforce_csrf_checks=True)
    for path in (f"/crypto_report/{report.id}", "/crypto_reports_list", f"/crypto_report/{report.id}/document"):
        assert strict.put(path).status_code == 405


def test_a_report_links_to_its_newer_and_older_neighbours(client, make_report):
    now = timezone.now()
    oldest = make_report("A", created_at=now - timedelta(days=2))
    middle = make_report("B", created_at=now - timedelta(days=1))
    newest = make_report("C", created_at=now)

    html = client.get(f"/crypto_report/{middle.id}").content.decode()
    first = client.get(f"/crypto_report/{newest.id}").content.decode()

    assert f'href="/crypto_report/{newest.id}" rel="prev"' in html
    assert f'href="/crypto_report/{oldest.id}" rel="next"' in html
    assert 'id="newer-report"' not in first and f'href="/crypto_report/{middle.id}" rel="next"' in first


def test_reports_with_the_same_time_are_ordered_by_id(make_report):
    moment = timezone.now()
    first, second, third = (make_report(str(i), created_at=moment) for i in range(3))

    assert report_neighbours(report=second) == (third.id, first.id)
    assert report_neighbours(report=third) == (None, second.id)
    assert report_neighbours(report=first) == (second.id, None)
