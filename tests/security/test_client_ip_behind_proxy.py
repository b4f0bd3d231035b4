"""Behind a reverse proxy every client used to share one refresh bucket (the proxy's address).

X-Forwarded-For now names the client, but only when the TCP peer is in TRUSTED_PROXIES, and then
the right-most untrusted address wins: a client cannot pick its bucket by writing the header itself.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from islands.external_apis.tasks import refresh_all
from islands.shared_components.client_ip import client_ip_from_request, client_ip_from_scope

REFRESH = "/api/crypto/dashboard-summary/refresh"
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _queued(monkeypatch):
    """Nothing reaches the broker: the bucket is what is under test (the limiter is the real one, in Redis)."""

    class Result:
        id = "task-1"

    monkeypatch.setattr(refresh_all, "apply_async", lambda **_options: Result())


def _statuses(client, forwarded_for: list[str], *, peer: str) -> list[int]:
    return [client.post(REFRESH, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=value).status_code for value in forwarded_for]


@override_settings(REFRESH_RATE_LIMIT=3, TRUSTED_PROXIES=[])
def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(client):
    # A client rotating the header to get a fresh bucket each time still has one bucket: its own.
    spoofed = [f"203.0.113.{n}" for n in range(4)]
    assert _statuses(client, spoofed, peer="198.51.100.7") == [202, 202, 202, 429]


@override_settings(REFRESH_RATE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.0/24"])
def test_x_forwarded_for_from_a_trusted_proxy_gives_each_client_its_own_bucket(client):
    assert _statuses(client, ["203.0.113.1"] * 4, peer=PROXY) == [202, 202, 202, 429]
    # Another client behind the same proxy is not limited by the first one's use.
    assert _statuses(client, ["203.0.113.2"], peer=PROXY) == [202]


@override_settings(REFRESH_RATE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.0/24"])
def test_a_client_spoofing_the_header_through_a_trusted_proxy_gets_its_real_address(client):
    # The client writes an address of its choice; the proxy appends the one it saw (nginx
    # $proxy_add_x_forwarded_for), possibly after a second trusted proxy. Right-most untrusted wins.
    chains = [f"192.0.2.{n}, 203.0.113.9, 10.0.0.3" for n in range(4)]
    assert _statuses(client, chains, peer=PROXY) == [202, 202, 202, 429]


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "expected"),
    [
        ("198.51.100.7", [b"6.6.6.6"], [], "198.51.100.7"),
        ("198.51.100.7", [b"6.6.6.6"], ["10.0.0.0/8"], "198.51.100.7"),
        ("10.1.2.3", [b"6.6.6.6, 203.0.113.5"], ["10.0.0.0/8"], "203.0.113.5"),
        # Two header lines are one list, in order.
        ("10.1.2.3", [b"6.6.6.6", b"203.0.113.5, 10.9.9.9"], ["10.0.0.0/8"], "203.0.113.5"),
        ("10.1.2.3", [b"[2001:db8::1]:4711"], ["10.0.0.0/8"], "2001:db8::1"),
        ("::ffff:10.1.2.3", [b"203.0.113.5:80"], ["10.0.0.0/8"], "203.0.113.5"),
        # Garbage left of the trusted hops is unverifiable: the last trusted hop is the client.
        ("10.1.2.3", [b"not-an-ip, 10.0.0.9"], ["10.0.0.0/8"], "10.0.0.9"),
        ("10.1.2.3", [], ["10.0.0.0/8"], "10.1.2.3"),
    ],
)
def test_client_ip_from_scope(peer, headers, trusted, expected):
    scope = {"type": "websocket", "client": (peer, 5000), "headers": [(b"x-forwarded-for", h) for h in headers]}
    with override_settings(TRUSTED_PROXIES=trusted):
        assert client_ip_from_scope(scope) == expected


def test_client_ip_from_scope_without_a_peer_is_unknown():
    assert client_ip_from_scope({"type": "websocket", "headers": [(b"x-forwarded-for", b"1.2.3.4")]}) is None


@override_settings(TRUSTED_PROXIES=["10.0.0.2"])
def test_client_ip_from_request(rf):
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.4")
    assert client_ip_from_request(request) == "203.0.113.4"
