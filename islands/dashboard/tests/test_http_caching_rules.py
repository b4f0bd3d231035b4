"""Which encoding a client gets, and when its copy counts as current (RFC 9110 rules)."""

import time
from email.utils import formatdate

import pytest

from islands.dashboard.rendered import encoding_choose, not_modified, rendered_build

BOTH = {"br": b"", "gzip": b""}


@pytest.mark.parametrize(
    ("header", "available", "expected"),
    [
        (None, BOTH, None),
        ("", BOTH, None),
        ("gzip", BOTH, "gzip"),
        ("gzip, deflate, br", BOTH, "br"),
        ("br;q=0, gzip", BOTH, "gzip"),
        ("br;q=0, gzip;q=0", BOTH, None),
        ("*", BOTH, "br"),
        ("*;q=0, gzip", BOTH, "gzip"),
        ("br", {}, None),  # a body too small to compress
        ("identity", BOTH, None),
        ("br;q=nonsense, gzip", BOTH, "gzip"),
    ],
)
def test_it_picks_an_encoding_the_client_accepts(header, available, expected):
    assert encoding_choose(header, available) == expected


def test_it_matches_etags_of_any_encoding_and_weak_forms():
    rendered = rendered_build(status=200, content_type="text/plain", body=b"x" * 600, last_modified=time.time())
    assert not_modified(rendered, if_none_match=rendered.etag_for(None), if_modified_since=None)
    assert not_modified(rendered, if_none_match=f'"other", W/{rendered.etag_for("br")}', if_modified_since=None)
    assert not_modified(rendered, if_none_match="*", if_modified_since=None)
    assert not not_modified(rendered, if_none_match='"other"', if_modified_since=None)


def test_if_modified_since_counts_only_without_if_none_match():
    stored = time.time() - 100
    rendered = rendered_build(status=200, content_type="text/plain", body=b"x", last_modified=stored)
    later = formatdate(stored + 10, usegmt=True)
    earlier = formatdate(stored - 10, usegmt=True)
    assert not_modified(rendered, if_none_match=None, if_modified_since=later)
    assert not not_modified(rendered, if_none_match=None, if_modified_since=earlier)
    assert not not_modified(rendered, if_none_match='"other"', if_modified_since=later)
    assert not not_modified(rendered, if_none_match=None, if_modified_since="yesterday")
