"""ASGI entry point: Django for HTTP, Channels for WebSockets (origin-checked, with sessions/auth)."""

import os

from cryptodash.django_http import threaded_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")
# Django must be set up before anything imports models (consumers do), hence this order. Django's
# stock ASGI handler crosses threads a dozen times per request; this one once (django_http.py).
django_asgi_app = threaded_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from cryptodash.routing import websocket_urlpatterns  # noqa: E402
from islands.cache_system.checks import redis_credentials_check  # noqa: E402
from islands.dashboard.fastpath import DashboardFastPath  # noqa: E402
from islands.websocket_service.origins import StrictOriginValidator  # noqa: E402

# A REDIS_URL without the password must stop the process, not turn every cache read into a miss.
redis_credentials_check()

application = ProtocolTypeRouter(
    {
        # `/` and the summary API are served from stored bytes without crossing Django's stack.
        "http": DashboardFastPath(django_asgi_app),
        # Scheme, host and port against WS_ALLOWED_ORIGINS (not ALLOWED_HOSTS, which ignores the
        # port: any other local site, e.g. http://localhost:3000, could open sockets); else 403.
        "websocket": StrictOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), settings.WS_ALLOWED_ORIGINS
        ),
    }
)
