"""Who a socket belongs to, from the session cookie, only when there is one.

/ws runs without Channels' AuthMiddlewareStack (cryptodash/asgi.py): it would keep a cookie
parse, a lazy session and user and scope copies alive for every socket. Alerts need the user of a
signed-in socket, once, at connect: the id is read here from the session store (a thread, the
database) and kept as one int. A socket without the cookie costs one header scan.
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.db import connections

log = logging.getLogger(__name__)


def session_key_from_scope(scope: dict[str, Any]) -> str | None:
    name = settings.SESSION_COOKIE_NAME.encode("latin-1")
    for header, value in scope.get("headers", ()):
        if header == b"cookie" and name in value:
            try:
                cookie = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = cookie.get(settings.SESSION_COOKIE_NAME)
            return morsel.value if morsel is not None and morsel.value else None
    return None


def _user_id_of_session(session_key: str) -> int | None:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        # Django's own check: the session's user exists, its backend is configured and the
        # password hash it was issued under still matches (a changed password logs it out).
        user = get_user(SimpleNamespace(session=store))
        return user.pk if user.is_authenticated else None
    finally:
        # A pool thread, not a request's: nothing else would close what this read opened.
        connections.close_all()


async def user_id_from_scope(scope: dict[str, Any]) -> int | None:
    """The id of the signed-in user the socket's session belongs to, else None."""
    session_key = session_key_from_scope(scope)
    if session_key is None:
        return None
    try:
        # Not on the thread Django's sync code shares (thread_sensitive): a connection left there
        # is what Channels' disconnect checks, and a connect must not queue behind other sync work.
        return await sync_to_async(_user_id_of_session, thread_sensitive=False)(session_key)
    except Exception as exc:  # the database is away: the socket still serves the public data
        log.warning("websocket session not read (%s): served as anonymous", exc)
        return None
