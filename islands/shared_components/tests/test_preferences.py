"""Language and theme detection: ?lang, then the cookie, then Accept-Language, then vi."""

import pytest

from islands.shared_components.preferences import language_detect, theme_detect


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("en", "vi", "vi", "en"),
        (None, "en", "vi", "en"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "fr, de;q=0.8, vi-VN;q=0.5", "vi"),
        (None, None, "fr, de", "vi"),
        (None, None, None, "vi"),
        ("xx", "zz", "en", "en"),
        (None, None, "en;q=garbage,,;;", "vi"),
        (None, None, "x" * 10_000, "vi"),
    ],
)
def test_it_picks_the_language_in_order(query, cookie, accept, expected):
    assert language_detect(query=query, cookie=cookie, accept_language=accept) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "expected"),
    [("dark", "light", "dark"), (None, "dark", "dark"), ("purple", None, "light"), (None, None, "light")],
)
def test_it_picks_the_theme(query, cookie, expected):
    assert theme_detect(query=query, cookie=cookie) == expected
