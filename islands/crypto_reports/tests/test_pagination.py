"""The report list: 10 a page, newest first, gapped page numbers, bad pages clamp (never a 500)."""

import re

import pytest

from islands.crypto_reports.selectors import report_page

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'href="/crypto_report/(\d+)"', response.content.decode())]


def test_a_page_lists_ten_reports_newest_first_with_total_and_newest_date(client, many_reports):
    reports = many_reports(25)

    response = client.get("/crypto_reports_list", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert _ids(response) == [r.id for r in reversed(reports)][:10]
    assert "25 reports" in html
    assert f'<time datetime="{reports[-1].created_at.isoformat()}' in html.replace("+00:00", "+00:00")
    assert "Page 1 of 3" in html


@pytest.mark.parametrize(("raw", "expected"), [("0", 1), ("-5", 1), ("zzz", 1), ("", 1), ("2", 2), ("99", 3)])
def test_bad_pages_clamp_to_the_first_or_last(client, many_reports, raw, expected):
    reports = many_reports(25)
    newest_first = [r.id for r in reversed(reports)]

    response = client.get("/crypto_reports_list", {"page": raw}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert _ids(response) == newest_first[(expected - 1) * 10 : expected * 10]
    assert f'<span aria-current="page">{expected}</span>' in response.content.decode()
    clamped = raw not in ("", "2")
    assert ('id="page-clamped"' in response.content.decode()) is clamped


def test_page_numbers_have_gaps_on_a_long_list(many_reports):
    many_reports(415)

    page = report_page(page="8")

    assert page.num_pages == 42
    assert page.page_range == (1, 2, "…", 7, 8, 9, "…", 41, 42)
    assert page.total == 415


def test_the_gapped_numbers_are_links_in_the_page(client, many_reports):
    many_reports(415)

    html = client.get("/crypto_reports_list?page=8").content.decode()

    assert '<a href="?page=7">7</a>' in html and '<a href="?page=41">41</a>' in html
    assert '<span class="gap">…</span>' in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_an_empty_list_says_so(client):
    response = client.get("/crypto_reports_list?page=3", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "No reports yet" in response.content.decode()
    assert "0 reports" in response.content.decode()
