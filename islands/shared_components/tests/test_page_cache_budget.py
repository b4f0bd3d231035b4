"""The page cache holds at most PAGE_CACHE_MAX_BYTES per process; the least recently used go first."""

from __future__ import annotations

import pytest

from islands.crypto_reports.services import report_create
from islands.shared_components.page_cache import PageStore, page_cache_reset, page_cache_stats, stored_build

# The ASGI app reads the database from its own thread: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def _stored(size: int):
    return stored_build(version=(), status=200, headers=[(b"content-type", b"text/plain")], body=b"x" * size)


def test_the_store_evicts_the_least_recently_used_beyond_its_budget():
    store = PageStore(budget=10_000)
    for key in range(5):
        assert store.put((key,), _stored(300))  # below the compression threshold: identity only
    store.get((0,))  # used again: the oldest unused is now 1

    for key in range(5, 40):
        store.put((key,), _stored(300))

    assert store.bytes <= store.budget
    assert store.get((0,)) is None or store.get((1,)) is None
    assert store.get((39,)) is not None and store.evictions > 0
    assert not store.put(("huge",), _stored(5_000))  # more than a quarter of the budget: not kept


def test_serving_many_pages_stays_within_the_budget(asgi, settings):
    # A report page is ~17 KB stored (identity, br and gzip): the budget holds about seven of twelve,
    # and a quarter of it still admits one page.
    budget = 128 * 1024
    settings.PAGE_CACHE_MAX_BYTES = budget
    page_cache_reset()  # the store takes the budget from the settings
    reports = [report_create(html_content=f"<h1>Báo cáo {n}</h1>") for n in range(12)]

    for report in reports:
        assert asgi(f"/crypto_report/{report.id}")["status"] == 200

    stats = page_cache_stats()
    assert 0 < stats["bytes"] <= budget
    assert stats["evictions"] > 0 and stats["entries"] < len(reports)
    newest = asgi(f"/crypto_report/{reports[-1].id}")
    assert newest["status"] == 200 and page_cache_stats()["hits"] == stats["hits"] + 1
