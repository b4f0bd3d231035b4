"""ASGI entry point: Django for HTTP, Channels for WebSockets (origin-checked, no sessions), and
the lifespan protocol answered (there is nothing to start or stop per process)."""

import os
from collections.abc import Awaitable, Callable
from typing import Any

from cryptodash.django_http import threaded_asgi_application
from cryptodash.run_setup import setup_once

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
# Django must be set up before anything imports models (consumers do), hence this order. Django's
# stock ASGI handler crosses threads a dozen times per request; this one once (django_http.py).
# Under `make run` the first worker also runs the run's set-up, once Django is set up and before
# WhiteNoise indexes the static files (run_setup.py).
django_asgi_app = threaded_asgi_application(before_middleware=setup_once)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from cryptodash.routing import websocket_urlpatterns  # noqa: E402
from islands.cache_system.checks import redis_credentials_check  # noqa: E402
from islands.health_system.metrics import cache_counters_publish, request_observer_batched  # noqa: E402
from islands.shared_components.page_cache import PageCache  # noqa: E402
from islands.websocket_service.hub import gc_freeze_once  # noqa: E402
from islands.websocket_service.origins import StrictOriginValidator  # noqa: E402

# A REDIS_URL without the password must stop the process, not turn every cache read into a miss.
redis_credentials_check()


async def lifespan(scope: dict[str, Any], receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
    """Acknowledge the server's startup and shutdown events.

    At startup the process's long-lived objects are frozen out of the garbage collector's reach
    (hub.gc_freeze_once). Nothing is started here: the fan-out hub starts with the first socket of its event loop (a
    process without sockets must not be a group member the relay writes to) and Django opens its
    connections per request. Answering the protocol is what keeps a server (granian, uvicorn)
    from logging that lifespan "errored" or is "unsupported" on every start.
    """
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            gc_freeze_once()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        # Every cacheable page is rendered by Django once per content version and variant, then
        # replayed from stored bytes without crossing Django's stack.
        "http": PageCache(
            django_asgi_app,
            observer=request_observer_batched,
            publish=lambda counters: cache_counters_publish(extra=counters, every=0.0),
        ),
        # Scheme, host and port against WS_ALLOWED_ORIGINS (not ALLOWED_HOSTS, which ignores the
        # port: any other local site, e.g. http://localhost:3000, could open sockets); else 403.
        # No AuthMiddlewareStack: /ws serves the same public data to everyone and reads neither
        # scope["user"] nor the session, while the stack kept a cookie parse, a lazy session and
        # user and copies of the scope alive per socket (~3 KB each) and wrapped every send.
        "websocket": StrictOriginValidator(URLRouter(websocket_urlpatterns), settings.WS_ALLOWED_ORIGINS),
        "lifespan": lifespan,
    }
)
