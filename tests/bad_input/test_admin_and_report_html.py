"""Hostile report content from the admin: stored as data, escaped everywhere the site shows it,
and run only inside the sandboxed report document under its CSP. Garbled admin queries are
refused like any bad lookup (a redirect with ?e=1 or a 404), never a 500."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from islands.crypto_reports.models import Report
from islands.crypto_reports.services import report_create

pytestmark = pytest.mark.django_db

ADD = "/admin/crypto_reports/report/add/"
LIST = "/admin/crypto_reports/report/"
XSS_TITLE = "&lt;script&gt;alert('title')&lt;/script&gt; &lt;img src=x onerror=alert('img')&gt;"
HOSTILE_BODY = (
    f"<h1>{XSS_TITLE}</h1>"
    "<script>alert('body')</script>"
    '<iframe src="javascript:alert(1)"></iframe>'
    '<meta http-equiv="refresh" content="0;url=https://evil.example">'
    "<h2>&lt;/iframe&gt;&lt;script&gt;alert('toc')&lt;/script&gt;</h2>"
)
MARKERS = ("<script>alert(", "<img src=x", 'http-equiv="refresh"', "javascript:alert")


@pytest.fixture
def staff() -> Client:
    user = get_user_model().objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="crypto_reports"))
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides) -> dict[str, str]:
    data = {"html_content": "<h1>Báo cáo</h1>", "html_content_en": "", "css_content": "", "js_content": ""}
    data["js_content_en"] = ""
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_report_without_html_content_is_refused_with_a_form_error(staff):
    response = staff.post(ADD, _form(html_content=None))
    assert response.status_code == 200
    assert "html_content" in response.context_data["adminform"].form.errors
    assert not Report.objects.exists()


def test_a_report_of_only_nul_bytes_is_refused_with_a_form_error(staff):
    response = staff.post(ADD, _form(html_content="\x00\x00"))
    assert response.status_code in (200, 400)
    assert not Report.objects.exists()


def test_script_tags_are_stored_as_data_and_escaped_in_the_admin_list(staff):
    response = staff.post(ADD, _form(html_content=HOSTILE_BODY, css_content="</style><script>alert('css')</script>"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.html_content == HOSTILE_BODY  # stored exactly as given: it is data

    listing = staff.get(LIST).content.decode()
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in listing
    for marker in MARKERS:
        assert marker not in listing


def test_hostile_html_reaches_the_browser_only_in_the_sandboxed_document(client):
    report = report_create(html_content=HOSTILE_BODY, js_content="alert('js')", created_at=None)

    page = client.get(f"/crypto_report/{report.id}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'sandbox="allow-scripts"' in html
    for marker in MARKERS:
        assert marker not in html  # the site page shows only escaped text taken from the report

    document = client.get(f"/crypto_report/{report.id}/document", HTTP_SEC_FETCH_DEST="iframe")
    policy = document["Content-Security-Policy"]
    assert document.status_code == 200
    assert "sandbox allow-scripts" in policy and "allow-same-origin" not in policy
    assert "<script>alert('body')</script>" in document.content.decode()  # the report itself, isolated

    printed = client.get(f"/crypto_report/{report.id}/pdf").content.decode()
    assert 'sandbox="allow-scripts"' in printed and "allow-modals" not in printed
    for marker in MARKERS:
        assert marker not in printed


def test_the_feed_and_the_list_stay_well_formed_with_a_hostile_title(client):
    report_create(html_content=HOSTILE_BODY, created_at=None)

    feed = client.get("/rss.xml")
    titles = [item.findtext("title") for item in ET.fromstring(feed.content).iter("item")]
    assert titles and "<script>" in titles[0]  # text inside well-formed XML, not markup

    listing = client.get("/crypto_reports_list").content.decode()
    for marker in MARKERS:
        assert marker not in listing


HUGE = "9" * 30


@pytest.mark.parametrize(
    "query",
    [
        "created_at__gte=99999-99-99",
        "created_at__year=abc",
        "created_at__year=99999",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999",
        "created_at__year=0",
        "created_at__month=13&created_at__year=2026",
        "o=999",
        "p=" + HUGE,
        "q=" + "x" * 10_000,
        "q=%00",
        "html_content__regex=(a%2B)%2B",
    ],
    ids=lambda q: q[:32],
)
def test_a_garbled_admin_list_query_is_refused_or_ignored(staff, query):
    response = staff.get(f"{LIST}?{query}")
    assert response.status_code in (200, 302, 400, 404)
    if response.status_code == 302:
        assert "e=1" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        f"{LIST}abc/change/",
        f"{LIST}{HUGE}/change/",
        f"{LIST}-1/change/",
        f"{LIST}{HUGE}/preview/",
        f"{LIST}1%00/change/",
    ],
    ids=lambda p: p[len(LIST) :][:20],
)
def test_a_malformed_admin_object_id_is_a_redirect_or_404(staff, path):
    response = staff.get(path)
    assert response.status_code in (302, 404)
