"""A browser that reports a zone by its old name (Chromium: Asia/Saigon) is remembered, rendered and
named by the canonical one, and static/js/preferences.js knows the same aliases as preferences.py."""

from __future__ import annotations

import pytest

from islands.cache_system.services import summary_store
from islands.shared_components.preferences import TIME_ZONE_ALIASES, TIME_ZONE_COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _sync_orm(sync_orm_beside_playwright, fresh_page_cache):
    """Playwright's loop runs in this thread; the ORM calls here are plain synchronous code."""


def test_an_aliased_browser_zone_is_stored_and_shown_by_its_canonical_name(live_server, browser, wait_js):
    summary_store(summary={"btc_price_usd": 1.0})
    context = browser.new_context(timezone_id="Asia/Saigon")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/?lang=en", wait_until="networkidle")
        reported = page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone")
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        assert cookies[TIME_ZONE_COOKIE] == "Asia/Ho_Chi_Minh", reported
        page.reload(wait_until="networkidle")
        sentence = page.locator("[data-zone-sentence]")
        assert sentence.get_attribute("data-zone") == "Asia/Ho_Chi_Minh"
        assert "Asia/Saigon" not in page.content()

        # The script's map is the server's: every alias leads to the same canonical name.
        js = page.evaluate(
            "(names) => names.map((n) => window.CryptodashPrefs.zoneCanonical(n))", list(TIME_ZONE_ALIASES)
        )
        assert js == list(TIME_ZONE_ALIASES.values())
        assert page.evaluate("() => window.CryptodashPrefs.zoneCanonical('Europe/Paris')") == "Europe/Paris"
    finally:
        context.close()
