"""The client's IP address of an HTTP request or a WebSocket scope, proxy-aware (TRUSTED_PROXIES).

Behind a reverse proxy every connection comes from the proxy, so per-client limits (the refresh
bucket, the per-address WebSocket cap) would all share one key. The proxy names the client in
X-Forwarded-For, but any client can send that header too: it is believed only when the TCP peer
is one of TRUSTED_PROXIES, and then the client is the right-most address in it that is not a
trusted proxy (each proxy appends the address it saw; what a client wrote itself sits to the left
and is never reached while an untrusted address stands to its right).

Pure functions over the request's META or the scope: no I/O, no settings written, nothing cached
but the parsed TRUSTED_PROXIES.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    # Keyed by the setting's value, so a changed setting (tests) is parsed again.
    return tuple(ipaddress.ip_network(item, strict=False) for item in proxies)


def _address(value: str) -> Address | None:
    """An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]` or `[::1]:5678`."""
    value = value.strip()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:1.2.3.4) is that IPv4 client.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(peer: str | None, forwarded_for: Iterable[str]) -> str | None:
    """The client's address given the TCP peer and the X-Forwarded-For header values, in order.

    None when the peer is unknown (a unix socket, a test harness without a client).
    """
    peer_address = _address(peer) if peer else None
    if peer_address is None:
        return peer or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(peer_address, networks):
        return str(peer_address)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    nearest = peer_address
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A trusted proxy would not write garbage: whatever is left of it is unverifiable, so
            # the last address a trusted hop vouched for is the client.
            return str(nearest)
        if not _trusted(address, networks):
            return str(address)
        nearest = address
    return str(nearest)


def client_ip_from_request(request: HttpRequest) -> str | None:
    """The client's address of a Django request (REMOTE_ADDR, X-Forwarded-For from a trusted peer)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return client_ip(request.META.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def client_ip_from_scope(scope: Mapping[str, Any]) -> str | None:
    """The client's address of an ASGI scope (its `client`, X-Forwarded-For from a trusted peer)."""
    client = scope.get("client")
    peer = client[0] if client else None
    forwarded = [
        value.decode("latin-1") for name, value in scope.get("headers") or () if name.lower() == b"x-forwarded-for"
    ]
    return client_ip(peer, forwarded)
