"""Number, percent, age and time display in both languages; unknown values are an em dash."""

import math
from datetime import UTC, datetime

import pytest

from islands.shared_components.formatting import UNKNOWN, age_format, format_value, time_format

# (value, kind, vi, en): also the table the browser test runs through static/js/format.js.
CASES = [
    (97123.456, "price", "$97.123,46", "$97,123.46"),
    (0.45678, "price", "$0,4568", "$0.4568"),
    (0, "price", "$0,00", "$0.00"),
    (3.41e12, "usd_compact", "$3,41 nghìn tỷ", "$3.41T"),
    (1.234e11, "usd_compact", "$123,40 tỷ", "$123.40B"),
    (45.6e6, "usd_compact", "$45,60 triệu", "$45.60M"),
    (950000, "usd_compact", "$950.000", "$950,000"),
    (-2.5e9, "compact", "-2,50 tỷ", "-2.50B"),
    (2.31, "change", "+2,31%", "+2.31%"),
    (-1.256, "change", "-1,26%", "-1.26%"),
    (-0.001, "change", "0,00%", "0.00%"),
    (56.3, "percent", "56,30%", "56.30%"),
    (72, "int", "72", "72"),
    (12345, "int", "12.345", "12,345"),
    (61.537, "number", "61,54", "61.54"),
    (598.1, "usd", "$598,10", "$598.10"),
    ("97123.5", "price", "$97.123,50", "$97,123.50"),
    (None, "price", UNKNOWN, UNKNOWN),
    (math.nan, "change", UNKNOWN, UNKNOWN),
    (math.inf, "usd_compact", UNKNOWN, UNKNOWN),
    ("n/a", "number", UNKNOWN, UNKNOWN),
    (True, "int", UNKNOWN, UNKNOWN),
]


@pytest.mark.parametrize(("value", "kind", "vi", "en"), CASES)
def test_it_formats_per_language(value, kind, vi, en):
    assert format_value(value, kind, "vi") == vi
    assert format_value(value, kind, "en") == en


def test_it_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown format kind 'bogus'"):
        format_value(1, "bogus", "en")


@pytest.mark.parametrize(
    ("seconds", "vi", "en"),
    [
        (0.4, "vừa xong", "just now"),
        (12, "12 giây trước", "12 s ago"),
        (125, "2 phút trước", "2 min ago"),
        (7300, "2 giờ trước", "2 h ago"),
        (200000, "2 ngày trước", "2 d ago"),
        (None, UNKNOWN, UNKNOWN),
    ],
)
def test_it_says_how_old_data_is(seconds, vi, en):
    assert age_format(seconds, "vi") == vi
    assert age_format(seconds, "en") == en


def test_it_shows_times_in_the_display_zone(settings):
    settings.DISPLAY_TIME_ZONE = "Asia/Ho_Chi_Minh"
    moment = datetime(2026, 11, 26, 13, 0, 5, tzinfo=UTC)
    assert time_format(moment, "vi") == "20:00:05 26/11/2026 (UTC+07)"
    assert time_format("2026-11-26T13:00:05Z", "en") == "2026-11-26 20:00:05 UTC+07"
    assert time_format(moment.timestamp(), "en") == "2026-11-26 20:00:05 UTC+07"
    assert time_format("not a time", "en") == UNKNOWN
    assert time_format(None, "vi") == UNKNOWN
