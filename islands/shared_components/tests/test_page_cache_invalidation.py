"""The page cache renders a page again when its content changes, and only then.

A new stream entry renews the pages that show the summary; a report save or delete renews the
pages built from the reports. The first request after a change gets the new page (one render),
the ones after it the stored bytes (no render).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
from channels.testing import HttpCommunicator

from cryptodash.asgi import application
from islands.cache_system.services import summary_store
from islands.crypto_reports.models import Report
from islands.crypto_reports.services import report_create, report_save
from islands.shared_components.page_cache import page_cache_stats

# The ASGI app reads the database from its own thread: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

EN = [(b"accept-language", b"en")]


def test_a_new_stream_entry_renews_the_home_page_and_the_summary_api(asgi, renders):
    first = summary_store(summary={"btc_price_usd": 97123.45})
    before = asgi("/", headers=EN)
    again = asgi("/", headers=EN)
    assert renders.count("dashboard/home.html") == 1  # the repeat came from the store
    assert again["body"] == before["body"] and f'data-stream-id="{first}"' in before["body"].decode()

    newer = summary_store(summary={"btc_price_usd": 12345.67})
    after = asgi("/", headers=EN)
    api = orjson.loads(asgi("/api/crypto/dashboard-summary")["body"])

    assert f'data-stream-id="{newer}"' in after["body"].decode() and "$12,345.67" in after["body"].decode()
    assert renders.count("dashboard/home.html") == 2  # one render for the new entry
    assert api["stream_id"] == newer and api["btc_price_usd"] == 12345.67


def test_a_report_save_renews_its_page_the_list_and_the_feed(asgi, renders):
    summary_store(summary={"btc_price_usd": 1.0})
    report = report_create(html_content="<h1>Bản đầu</h1>")
    page = f"/crypto_report/{report.id}"
    assert "Bản đầu" in asgi(page)["body"].decode()
    assert "Bản đầu" in asgi("/crypto_reports_list")["body"].decode()
    assert "Bản đầu" in asgi("/rss.xml")["body"].decode()
    asgi(page)
    assert renders.count("crypto_reports/report.html") == 1

    report.html_content = "<h1>Đã sửa</h1>"
    report_save(report=report)

    assert "Đã sửa" in asgi(page)["body"].decode()
    assert "Đã sửa" in asgi("/crypto_reports_list")["body"].decode()
    assert "Đã sửa" in asgi("/rss.xml")["body"].decode()
    assert renders.count("crypto_reports/report.html") == 2


def test_a_report_delete_renews_the_pages_built_from_the_reports(asgi):
    kept = report_create(html_content="<h1>Còn lại</h1>")
    gone = report_create(html_content="<h1>Sẽ xoá</h1>")
    assert asgi(f"/crypto_report/{gone.id}")["status"] == 200
    assert "Sẽ xoá" in asgi("/crypto_reports_list")["body"].decode()

    Report.objects.filter(id=gone.id).delete()

    assert asgi(f"/crypto_report/{gone.id}")["status"] == 404
    listing = asgi("/crypto_reports_list")["body"].decode()
    assert "Sẽ xoá" not in listing and "Còn lại" in listing
    assert f"/crypto_report/{kept.id}" in asgi("/sitemap.xml")["body"].decode()


def test_the_home_page_is_rendered_again_after_its_max_age_for_the_ages_it_shows(fresh_page_cache, renders, settings):
    summary_store(summary={"btc_price_usd": 1.0})
    settings.PAGE_RENDER_MAX_AGE = 0.0

    async def visits() -> list[int]:
        # One event loop, as in a server: the re-render runs beside the requests.
        statuses = []
        for _ in range(2):
            communicator = HttpCommunicator(application, "GET", "/", headers=[(b"host", b"127.0.0.1")])
            statuses.append((await communicator.get_response(timeout=10))["status"])
        for _ in range(100):
            if renders.count("dashboard/home.html") >= 2:
                break
            await asyncio.sleep(0.05)
        return statuses

    with ThreadPoolExecutor(max_workers=1) as pool:
        statuses = pool.submit(asyncio.run, visits()).result()

    assert statuses == [200, 200]
    assert page_cache_stats()["hits"] == 1  # the second visit was served the stored page...
    assert renders.count("dashboard/home.html") == 2  # ...which was then rendered again beside it
