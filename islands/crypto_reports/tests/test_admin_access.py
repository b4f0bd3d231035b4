"""Report admin: staff create, edit and preview; logged-in non-staff and anonymous are refused."""

from datetime import UTC, datetime

import pytest

from islands.crypto_reports.models import Report

pytestmark = pytest.mark.django_db

ADD = "/admin/crypto_reports/report/add/"


def _form(**overrides):
    data = {
        "html_content": "<h1>Nhận định tuần</h1><h2>Tóm tắt</h2>",
        "html_content_en": "<h1>Weekly view</h1>",
        "css_content": "h1{color:#123}",
        "js_content": "function initializeAllVisuals_report(){}",
        "js_content_en": "",
    }
    data.update(overrides)
    return data


def test_staff_creates_a_report_in_admin(client, staff_user):
    client.force_login(staff_user)

    response = client.post(ADD, _form())

    assert response.status_code == 302, response.content[:500]
    report = Report.objects.get()
    assert report.html_content.startswith("<h1>Nhận định tuần")
    assert report.js_content_en is None  # blank optional parts are stored as NULL, like the generator does
    assert report.created_at is not None


def test_staff_edits_a_report_in_admin(client, staff_user, make_report):
    report = make_report()
    client.force_login(staff_user)

    response = client.post(f"/admin/crypto_reports/report/{report.id}/change/", _form(html_content="<h1>Sửa</h1>"))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.html_content == "<h1>Sửa</h1>"


def test_admin_refuses_a_report_without_vietnamese_html(client, staff_user):
    client.force_login(staff_user)

    response = client.post(ADD, _form(html_content="   "))

    assert response.status_code == 200
    assert "html_content" in response.context_data["adminform"].form.errors
    assert not Report.objects.exists()


def test_staff_list_shows_id_title_and_languages_and_searches(client, staff_user, make_report):
    make_report("Bitcoin halving", english=None)
    make_report("Ethereum staking", english="Ethereum staking")
    client.force_login(staff_user)

    listing = client.get("/admin/crypto_reports/report/")
    found = client.get("/admin/crypto_reports/report/", {"q": "halving"})

    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Ethereum staking" in text and "VI EN" in text and "Preview" in text
    assert "Bitcoin halving" in found.content.decode()
    assert "Ethereum staking" not in found.content.decode()


def test_staff_preview_frames_the_sandboxed_document(client, staff_user, make_report):
    report = make_report()
    client.force_login(staff_user)

    change = client.get(f"/admin/crypto_reports/report/{report.id}/change/")
    preview = client.get(f"/admin/crypto_reports/report/{report.id}/preview/")

    assert f"/admin/crypto_reports/report/{report.id}/preview/" in change.content.decode()
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'sandbox="allow-scripts"' in html
    assert "allow-same-origin" not in html
    assert f"/crypto_report/{report.id}/document?" in html
    # The report's own markup is not in the admin page itself, only in the framed document.
    assert "<h2>Tóm tắt</h2>" not in html


def test_preview_of_a_missing_report_is_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/crypto_reports/report/999/preview/").status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "reader"])
def test_non_staff_cannot_create_edit_or_preview(client, reader_user, make_report, persona):
    report = make_report()
    if persona == "reader":
        client.force_login(reader_user)
    urls = [
        ("get", ADD),
        ("post", ADD),
        ("get", f"/admin/crypto_reports/report/{report.id}/change/"),
        ("post", f"/admin/crypto_reports/report/{report.id}/change/"),
        ("get", f"/admin/crypto_reports/report/{report.id}/preview/"),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, _form(html_content="<h1>Bị chặn</h1>") if method == "post" else None)
        assert response.status_code == 302, (persona, url)
        assert response["Location"].startswith("/admin/login/"), (persona, url)

    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert "Bị chặn" not in report.html_content


def test_the_admin_list_shows_times_in_the_display_zone(client, staff_user, make_report, settings):
    settings.DISPLAY_TIME_ZONE = "Asia/Ho_Chi_Minh"
    make_report(created_at=datetime(2026, 3, 1, 20, 30, tzinfo=UTC))
    client.force_login(staff_user)

    html = client.get("/admin/crypto_reports/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "March 2, 2026, 3:30 a.m." in html or "Mar. 2, 2026, 3:30 a.m." in html
