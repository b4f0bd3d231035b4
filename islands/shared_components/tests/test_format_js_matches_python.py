"""static/js/format.js formats exactly like formatting.py, so live updates read like the server's page."""

import math
from pathlib import Path

import pytest
from django.conf import settings

from islands.shared_components.formatting import age_format, format_value, money_format

from .test_currency_and_time_zone import MONEY
from .test_formatting import CASES

FORMAT_JS = Path(settings.BASE_DIR) / "static" / "js" / "format.js"


@pytest.mark.browser
def test_it_matches_the_python_rules_in_a_browser(page):
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=FORMAT_JS.read_text())
    finite = [(v, k) for v, k, _vi, _en in CASES if not (isinstance(v, float) and not math.isfinite(v))]
    for lang in ("vi", "en"):
        js = page.evaluate(
            "([cases, lang]) => cases.map(([v, k]) => window.CryptodashFormat.format(v, k, lang))", [finite, lang]
        )
        assert js == [format_value(v, k, lang) for v, k in finite]
        special = page.evaluate(
            "(lang) => [NaN, Infinity, undefined, null].map((v) => window.CryptodashFormat.format(v, 'price', lang))",
            lang,
        )
        assert special == ["\u2014"] * 4
        ages = [0.4, 12, 125, 7300, 200000]
        assert page.evaluate(
            "([ages, lang]) => ages.map((a) => window.CryptodashFormat.age(a, lang))", [ages, lang]
        ) == [age_format(a, lang) for a in ages]


@pytest.mark.browser
def test_money_matches_the_python_rules_in_a_browser(page):
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=FORMAT_JS.read_text())
    cases = [(value, currency) for value, currency, *_texts in MONEY]
    for lang in ("vi", "en"):
        for compact in (False, True):
            js = page.evaluate(
                "([cases, lang, compact]) => cases.map(([v, c]) => window.CryptodashFormat.money(v, c, lang, compact))",
                [cases, lang, compact],
            )
            assert js == [money_format(v, c, lang, compact=compact) for v, c in cases]
