"""parse_id accepts exactly the ids Redis accepts, so a client's id never reaches Redis as an error."""

import pytest

from islands.cache_system.streams import parse_id


@pytest.mark.parametrize(
    ("entry_id", "key"),
    [("1700000000000-3", (1700000000000, 3)), ("42", (42, 0)), ("18446744073709551615-0", (2**64 - 1, 0))],
)
def test_it_reads_valid_ids(entry_id, key):
    assert parse_id(entry_id) == key


@pytest.mark.parametrize(
    "entry_id",
    [
        "99999999999999999999-0",
        "1-18446744073709551616",
        "\u0661\u0667\u0660\u0660-0",
        "1-\u00b2",
        "",
        "-1",
        "1-",
        "1 -0",
        "+1-0",
    ],
)
def test_it_refuses_what_redis_would_refuse(entry_id):
    with pytest.raises(ValueError):
        parse_id(entry_id)
