"""The JSON frames of the /ws protocol (SPEC §7), serialised once with orjson.

Pure functions: no I/O, no Redis. A frame carries a full, idempotent snapshot and its stream id,
so a dropped or repeated frame is harmless and a client can always tell old from new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.conf import settings

from islands.cache_system.streams import StreamEntry, parse_id


def timestamp_of(stream_id: str) -> str:
    """RFC 3339 UTC time at which the entry entered the stream (from its id)."""
    ms = parse_id(stream_id)[0]
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(frame: dict[str, Any]) -> str:
    return orjson.dumps(frame).decode()


def frame_connected() -> str:
    return _dumps({"type": "connected"})


def frame_pong() -> str:
    return _dumps({"type": "pong"})


def frame_error(*, code: str, message: str) -> str:
    return _dumps({"type": "error", "code": code, "message": message})


def frame_no_data() -> str:
    return frame_error(code="no_data", message="No market data has been fetched yet.")


def frame_dashboard_data(*, data: dict[str, Any], stream_id: str, resync: bool = False) -> str:
    frame: dict[str, Any] = {
        "type": "dashboard_data",
        "data": data,
        "stream_id": stream_id,
        "timestamp": timestamp_of(stream_id),
    }
    if resync:
        frame["resync"] = True
    return _dumps(frame)


def frame_type_for(stream: str) -> str:
    """The frame type of an entry of `stream` (the old JS clients switch on it)."""
    if stream == settings.STREAM_MARKETS:
        return "markets_update"
    return "btc_price_update" if stream == settings.STREAM_BTC_PRICE else "dashboard_update"


def frame_entry(*, stream: str, entry: StreamEntry) -> str:
    return _dumps(
        {
            "type": frame_type_for(stream),
            "data": entry.data,
            "stream_id": entry.id,
            "timestamp": timestamp_of(entry.id),
        }
    )
