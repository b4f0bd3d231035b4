"""The client address of a Django request, for decisions keyed on who is calling (internal
endpoints, admin login throttling). Reads the request only; never trusts a forwarded header."""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the server saw it (the peer of the TCP connection).

    Behind a reverse proxy that is the proxy. The TRUSTED_PROXIES helper
    (islands/shared_components/client_ip.py) resolves the real client from X-Forwarded-For when the
    peer is a trusted proxy: this is the one function to point at it.
    """
    return request.META.get("REMOTE_ADDR") or None
