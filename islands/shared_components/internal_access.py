"""Who may read the site's internals: a caller from INTERNAL_ALLOW_IPS or one bearing INTERNAL_TOKEN.

/metrics, the detailed /health, /api/cache/stats and /api/crypto/rate-limit-status name workers,
consumer groups, breakers and quotas. `internal_access()` decides; `internal_only` refuses the
rest with a 403 JSON message; /health shows outsiders its overall status alone. This module
reads the request only: it never looks up anything, and it never trusts a forwarded header itself
(the client address comes from islands/shared_components/client_ip.py: TRUSTED_PROXIES).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from islands.shared_components.client_ip import client_ip_from_request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED_MESSAGE = (
    "internal endpoint: answered only to the addresses in INTERNAL_ALLOW_IPS "
    "or to a request with 'Authorization: Bearer <INTERNAL_TOKEN>'"
)


@functools.lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


def _address_allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket is 127.0.0.1
    return any(ip in network for network in _networks(tuple(settings.INTERNAL_ALLOW_IPS)))


def _token_presented(request: HttpRequest) -> bool:
    token = settings.INTERNAL_TOKEN
    if not token:
        return False
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # compare_digest: the time taken must not tell how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode("utf-8", "replace"), token.encode("utf-8")
    )


def internal_access(request: HttpRequest) -> bool:
    """True for a caller allowed to see the internals (allowlisted address or the bearer token)."""
    return _token_presented(request) or _address_allowed(client_ip_from_request(request))


def internal_refused() -> JsonResponse:
    return JsonResponse({"error": "forbidden", "reason": REFUSED_MESSAGE}, status=403)


def internal_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view` to internal callers only; anyone else gets a 403 with a JSON message.

    Never cached: who gets which answer depends on the caller, not on the URL.
    """

    @never_cache
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not internal_access(request):
            return internal_refused()
        return view(request, *args, **kwargs)

    return wrapper
