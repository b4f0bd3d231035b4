"""End to end in Chromium: a visitor stars a coin on the home page (kept in the browser, the coin
comes first), signs up, and the star is on the account; the home page then reads it from there."""

from __future__ import annotations

import copy

import pytest

from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.websocket_service.tests.processes import web_process

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery 42"
FIRST_STAR = "() => document.querySelector('.tile .star') && document.querySelector('.tile .star').dataset.coin"


def test_a_visitors_star_comes_first_and_follows_them_into_their_account(page, tmp_path, wait_js):
    summary_store(summary=copy.deepcopy(SUMMARY))
    with web_process(tmp_path) as (url, _web):
        page.goto(f"{url}/?lang=en")
        wait_js(page, FIRST_STAR)
        assert page.evaluate(FIRST_STAR) != "eth"
        page.click('.star[data-coin="eth"]')
        assert page.evaluate(FIRST_STAR) == "eth"
        assert page.get_attribute('.star[data-coin="eth"]', "aria-pressed") == "true"
        page.reload()
        wait_js(page, f"() => ({FIRST_STAR})() === 'eth'")

        page.goto(f"{url}/accounts/signup/")
        page.fill("input[name=email]", "ann@example.org")
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/alerts")
        # The first page after signing in hands the browser's stars to the account.
        wait_js(page, "() => window.localStorage.getItem('cryptodash:watchlist') === null")
        coins = page.evaluate("() => fetch('/api/watchlist').then((r) => r.json()).then((b) => b.coins)")
        assert coins == ["eth"]

        page.goto(f"{url}/")
        wait_js(page, f"() => ({FIRST_STAR})() === 'eth'")
        page.click("button.watchlist-only")
        wait_js(
            page,
            "() => [...document.querySelectorAll('.tile .star')].filter((s) => s.closest('.tile').checkVisibility())"
            ".length === 1",
        )
