"""Writes of the websocket_service island: broadcasting a stream entry to every web process.

The relay is the only caller. One message per entry goes to the WS_GROUP layer group, whose
members are the web processes' hubs (hub.py); the frame is serialised here, once. A market-data
message also names the entry's predecessor in the stream, so a hub can tell an in-order arrival
from one that overtook another relay's without reading Redis.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from islands.cache_system.streams import StreamEntry
from islands.websocket_service import frames

LIVE_MESSAGE_TYPE = "live.frame"


def entry_message(
    *, stream: str, entry: StreamEntry, prev_id: str | None = None, previous: StreamEntry | None = None
) -> dict[str, Any]:
    """The channel-layer message for one entry: the finished frame plus what the hub orders by.

    prev_id is the id of the entry just before this one in the stream, None when not known. A
    markets entry's frame carries only what changed since `previous` (that entry itself). An
    exchange-tick entry carries its ticks instead of a frame: each process merges them into its
    own per-coin state and sends that (websocket_service/ticks.py).
    """
    if stream == settings.STREAM_TICKS:
        return {
            "type": LIVE_MESSAGE_TYPE,
            "stream": stream,
            "stream_id": entry.id,
            "ticks": entry.data.get("ticks"),
            "source": entry.data.get("source"),
        }
    if stream == settings.STREAM_MARKETS:
        frame = frames.frame_markets_update(entry=entry, previous=previous)
    else:
        frame = frames.frame_entry(stream=stream, entry=entry)
    return {"type": LIVE_MESSAGE_TYPE, "stream": stream, "stream_id": entry.id, "prev_id": prev_id, "frame": frame}


async def entry_broadcast(
    *, layer: Any, stream: str, entry: StreamEntry, prev_id: str | None = None, previous: StreamEntry | None = None
) -> None:
    """Send one entry to every web process. Raises what the layer raises (Redis down)."""
    message = entry_message(stream=stream, entry=entry, prev_id=prev_id, previous=previous)
    await layer.group_send(settings.WS_GROUP, message)


# --- Frames for one user's sockets (alerts) -----------------------------------------------------
# A signed-in user's sockets are reached through a layer group of their own, joined by the hub of
# each web process that holds one of them (hub.py); anonymous sockets are in none.
USER_MESSAGE_TYPE = "user.frame"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


async def user_frame_send(*, layer: Any, user_id: int, frame: str) -> None:
    """Send a finished frame to every open socket of one user. Raises what the layer raises."""
    await layer.group_send(user_group(user_id), {"type": USER_MESSAGE_TYPE, "user_id": user_id, "frame": frame})


# A session that logged out: each hub drops that session's sockets from the user's set, so an alert
# fired after log-out never reaches a page that was signed in (the sockets stay, as anonymous ones).
USER_LOGOUT_TYPE = "user.logout"


async def user_logout_send(*, layer: Any, user_id: int, session_key: str | None) -> None:
    """Tell every web process that `session_key` of `user_id` logged out (None: every session)."""
    await layer.group_send(
        user_group(user_id), {"type": USER_LOGOUT_TYPE, "user_id": user_id, "session_key": session_key}
    )
