"""RSS 2.0, sitemap and robots.txt parse and list the reports."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_rss_is_valid_rss_2_with_the_latest_20_reports(client, many_reports, make_report):
    many_reports(24)
    newest = make_report("Bản tin mới nhất", created_at=timezone.now() + timedelta(minutes=1))

    response = client.get("/rss.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required)
    items = channel.findall("item")
    assert len(items) == 20
    assert items[0].findtext("title") == "Bản tin mới nhất"
    assert items[0].findtext("link") == f"http://testserver/crypto_report/{newest.id}"
    assert items[0].findtext("pubDate")
    # Feed readers get a plain-text summary, never the report's HTML.
    assert "<" not in items[0].findtext("description")


def test_sitemap_lists_every_report_and_the_list_page(client, many_reports):
    reports = many_reports(3)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = {url.findtext("sm:loc", namespaces=SITEMAP_NS) for url in root.findall("sm:url", SITEMAP_NS)}
    assert {f"http://testserver/crypto_report/{r.id}" for r in reports} <= locations
    assert "http://testserver/crypto_reports_list" in locations
    # Every page built from the reports says when it last changed; the live dashboard does not.
    dated = [
        url
        for url in root.findall("sm:url", SITEMAP_NS)
        if url.findtext("sm:loc", namespaces=SITEMAP_NS) != "http://testserver/"
    ]
    assert all(url.findtext("sm:lastmod", namespaces=SITEMAP_NS) for url in dated)


def test_robots_points_at_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
