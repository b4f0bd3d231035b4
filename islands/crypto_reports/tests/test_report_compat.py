"""What the old site's report pages had: the disclaimer, Open Graph / Twitter cards, JSON-LD
Article, breadcrumbs, /crypto_report?id=N, a sitemap with / and /crypto_report, /rss, and the
market panel with the 24 h volume and the RSI gauge."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import summary_at

pytestmark = pytest.mark.django_db


def _json_ld(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/ld\+json" id="report-json-ld">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


def test_every_report_page_and_print_view_carries_the_disclaimer_in_its_language(client, make_report):
    report = make_report("Báo cáo", english="Report")
    vi = client.get(f"/crypto_report/{report.id}?lang=vi").content.decode()
    en = client.get(f"/crypto_report/{report.id}?lang=en").content.decode()
    assert 'id="report-disclaimer"' in vi and "Không phải lời khuyên đầu tư." in vi
    assert 'id="report-disclaimer"' in en and "Not investment advice." in en
    for lang, words in (("vi", "Không phải lời khuyên đầu tư."), ("en", "Not investment advice.")):
        printed = client.get(f"/crypto_report/{report.id}/pdf?report_lang={lang}").content.decode()
        assert 'id="report-disclaimer"' in printed and words in printed


def test_a_report_has_cards_and_an_article_for_search_engines(client, make_report):
    report = make_report("Bitcoin &lt;tuần&gt; này", english="Bitcoin this week")
    html = client.get(f"/crypto_report/{report.id}?lang=en").content.decode()
    url = f"http://testserver/crypto_report/{report.id}"
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Bitcoin this week">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta property="og:description" content="English body.">' in html
    article = _json_ld(html)
    assert article["@type"] == "Article" and article["headline"] == "Bitcoin this week"
    assert article["url"] == url and article["inLanguage"] == "en"
    assert article["datePublished"] == report.created_at.isoformat()
    # Title text that looks like markup cannot end the data block.
    vi = client.get(f"/crypto_report/{report.id}?lang=vi").content.decode()
    assert _json_ld(vi)["headline"] == "Bitcoin <tuần> này"
    assert "<tuần>" not in vi.split('id="report-json-ld">', 1)[1].split("</script>", 1)[0]


def test_a_report_page_has_breadcrumbs(client, make_report):
    report = make_report("Phân tích")
    html = client.get(f"/crypto_report/{report.id}?lang=en").content.decode()
    crumbs = html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/"' in crumbs and 'href="/crypto_reports_list"' in crumbs
    assert 'aria-current="page"' in crumbs


def test_old_links_with_an_id_open_that_report_or_a_404(client, make_report):
    wanted = make_report("Cũ")
    make_report("Mới nhất")
    response = client.get(f"/crypto_report?id={wanted.id}")
    assert response.status_code == 301 and response["Location"] == f"/crypto_report/{wanted.id}"
    assert client.get(f"/crypto_report?id={wanted.id + 100}").status_code == 404
    assert client.get("/crypto_report?id=abc").status_code == 404
    assert client.get("/crypto_report?id=").status_code == 404


def test_the_sitemap_lists_the_home_page_and_the_latest_report(client, make_report):
    make_report("Một")
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/</loc>" in xml
    assert "<loc>http://testserver/crypto_report</loc>" in xml
    assert "<loc>http://testserver/crypto_reports_list</loc>" in xml


def test_rss_is_an_alias_of_the_feed(client, make_report):
    make_report("Một")
    response = client.get("/rss")
    assert response.status_code == 301 and response["Location"] == "/rss.xml"
    assert client.get(response["Location"]).status_code == 200
    assert client.post("/rss").status_code == 405


def test_the_market_panel_has_the_volume_and_the_rsi_gauge(client, make_report):
    summary_store(summary={**summary_at(i=1), "volume_24h_usd": 1.234e11, "btc_rsi_14": 71.5})
    report = make_report("Một")
    html = client.get(f"/crypto_report/{report.id}?lang=en").content.decode()
    assert "24 h volume" in html and 'data-field="volume_24h_usd"' in html and "$123.40B" in html
    assert 'data-report-gauge="btc_rsi_14"' in html and 'data-gauge-value="71.5"' in html
    assert "crypto_reports/report_market" in html and "js/charts" in html
