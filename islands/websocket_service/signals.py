"""Log-out ends a session's alerts on its open sockets, in every web process.

A socket learns its user once, at connect (sessions.py); without this, a page left open after
log-out would keep receiving that user's alert frames until it closed. The log-out is sent to the
user's layer group, which only the hubs holding a socket of that user have joined.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from islands.websocket_service.services import user_logout_send

log = logging.getLogger(__name__)


@receiver(user_logged_out, dispatch_uid="websocket_service.sockets_logged_out")
def sockets_logged_out(sender: type, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or user.pk is None:
        return
    # Sent before the session is flushed: the key still names the session that ends.
    session = getattr(request, "session", None)
    session_key = session.session_key if session is not None else None
    try:
        async_to_sync(user_logout_send)(layer=get_channel_layer(), user_id=user.pk, session_key=session_key)
    except Exception as exc:  # Redis down: the log-out itself must still succeed
        log.warning("log-out of user %s not sent to its sockets: %r", user.pk, exc)
