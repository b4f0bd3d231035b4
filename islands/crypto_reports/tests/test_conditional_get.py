"""Report pages carry Cache-Control and an ETag; a matching If-None-Match gets 304."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/crypto_report",
        "/crypto_report/{id}",
        "/crypto_reports_list",
        "/crypto_report/{id}/pdf",
        "/crypto_report/{id}/document",
    ],
)
def test_a_repeated_request_with_the_etag_gets_304(frame_client, make_report, path):
    report = make_report()
    url = path.format(id=report.id)

    first = frame_client.get(url)
    again = frame_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"]
    assert "max-age=" in first["Cache-Control"]
    assert again.status_code == 304
    assert again.content == b""


def test_an_edit_changes_the_etag(client, make_report):
    report = make_report()
    before = client.get(f"/crypto_report/{report.id}")["ETag"]

    report.html_content = "<h1>Đã sửa</h1>"
    report.save()
    after = client.get(f"/crypto_report/{report.id}", HTTP_IF_NONE_MATCH=before)

    assert after.status_code == 200
    assert after["ETag"] != before


def test_each_language_has_its_own_etag_and_varies(client, make_report):
    report = make_report()

    vi = client.get(f"/crypto_report/{report.id}", HTTP_ACCEPT_LANGUAGE="vi")
    en = client.get(f"/crypto_report/{report.id}", HTTP_ACCEPT_LANGUAGE="en")

    assert vi["ETag"] != en["ETag"]
    assert "Accept-Language" in vi["Vary"] and "Cookie" in vi["Vary"]


def test_pages_are_private_to_the_browser_and_the_document_is_public(client, frame_client, make_report):
    report = make_report()

    page = client.get(f"/crypto_report/{report.id}?lang=en")
    document = frame_client.get(f"/crypto_report/{report.id}/document")

    # The page varies by (and here sets) the preference cookies: no shared cache may keep it.
    assert "private" in page["Cache-Control"] and "cryptodash_lang" in page.cookies
    assert "public" in document["Cache-Control"] and not document.cookies
