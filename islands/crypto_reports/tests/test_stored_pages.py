"""Report pages are rendered once per set of inputs: 304s and repeats skip the template engine."""

import pytest
from django.test.signals import template_rendered

from islands.cache_system.services import summary_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders():
    seen: list[str] = []

    def record(sender, template=None, **kwargs):
        seen.append(template.name)

    template_rendered.connect(record)
    yield seen
    template_rendered.disconnect(record)


def test_a_conditional_get_and_a_repeat_do_not_render_again(client, make_report, renders):
    report = make_report()
    url = f"/crypto_report/{report.id}"

    first = client.get(url)
    rendered_once = renders.count("crypto_reports/report.html")
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    repeat = client.get(url)

    assert rendered_once == 1
    assert not_modified.status_code == 304 and not_modified["ETag"] == first["ETag"]
    assert repeat.content == first.content
    assert renders.count("crypto_reports/report.html") == 1


def test_new_market_data_or_an_edit_makes_a_new_page(client, make_report, renders):
    report = make_report()
    url = f"/crypto_report/{report.id}"
    before = client.get(url)

    summary_store(summary={"btc_price_usd": 50000.0})
    with_data = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    report.html_content = "<h1>Đã sửa</h1>"
    report.save()
    edited = client.get(url, HTTP_IF_NONE_MATCH=with_data["ETag"])

    assert with_data.status_code == 200 and "$50.000,00" in with_data.content.decode()
    assert edited.status_code == 200 and "Đã sửa" in edited.content.decode()
    assert len({before["ETag"], with_data["ETag"], edited["ETag"]}) == 3
    assert renders.count("crypto_reports/report.html") == 3


def test_language_and_theme_have_their_own_pages(client, make_report):
    report = make_report()
    url = f"/crypto_report/{report.id}"

    etags = {
        client.get(url, HTTP_ACCEPT_LANGUAGE="vi")["ETag"],
        client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"],
        client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE="cryptodash_theme=dark")["ETag"],
    }

    assert len(etags) == 3
