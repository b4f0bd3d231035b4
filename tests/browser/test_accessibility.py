"""axe-core (tests/vendor/axe-core, MPL-2.0, test-only: never collected into STATIC_ROOT) on every
page in both themes: no serious or critical WCAG 2 A/AA violation.

Pages: home, the reports list, a report, its print view, a 404, the admin login, /markets and
/coin/bitcoin, the account pages (log-in, sign-up, password reset), and for a signed-in visitor
their alerts page and the home page with its account links. axe is injected with the page's CSP bypassed (the site's
policy allows no inline script, which is how Playwright injects it).
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import demo_history_write, summary_at
from islands.crypto_reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(sync_orm_beside_playwright, fresh_page_cache):
    demo_history_write(hours=2, every_s=60)
    summary_store(summary={**summary_at(i=5), "mode": "simulated"})
    call_command("seed_reports", verbosity=0)
    report = Report.objects.order_by("-id").first()
    paths = [
        "/",
        "/crypto_reports_list",
        f"/crypto_report/{report.id}",
        f"/crypto_report/{report.id}/pdf",
        "/no-such-page",
        "/admin/login/",
    ]
    paths += ["/markets", "/coin/bitcoin", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    return paths


@pytest.fixture
def axe_page(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_violations_on_any_page(live_server, axe_page, site, theme, axe_violations):
    found = {}
    for path in site:
        sep = "&" if "?" in path else "?"
        axe_page.goto(f"{live_server.url}{path}{sep}theme={theme}", wait_until="networkidle")
        violations = axe_violations(axe_page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_or_critical_violations_for_a_signed_in_visitor(live_server, axe_page, site, theme, axe_violations):
    user = get_user_model().objects.create_user("axe@example.com", email="axe@example.com", password="x" * 16)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    axe_page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    found = {}
    for path in ("/alerts", "/", "/markets"):
        axe_page.goto(f"{live_server.url}{path}?theme={theme}", wait_until="networkidle")
        assert axe_page.locator(".account-nav form").count() == 1, f"{path}: not shown as signed in"
        violations = axe_violations(axe_page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
