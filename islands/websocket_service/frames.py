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


# A markets_update frame's columns: the numbers of a row that move between two tables. Names,
# symbols and sparklines do not (a page reads them with the whole table).
MARKETS_FRAME_FIELDS = ("id", "rank", "price_usd", "change_1h", "change_24h", "change_7d", "market_cap", "volume_24h")


def _market_rows(entry: StreamEntry | None) -> dict[str, list[Any]]:
    coins = (entry.data.get("coins") if entry is not None and isinstance(entry.data, dict) else None) or []
    return {
        coin["id"]: [coin.get(name) for name in MARKETS_FRAME_FIELDS]
        for coin in coins
        if isinstance(coin, dict) and isinstance(coin.get("id"), str)
    }


def frame_markets_update(*, entry: StreamEntry, previous: StreamEntry | None) -> str:
    """The rows of the market table that changed since `previous` (the entry before it), in USD.

    {"type": "markets_update", "stream_id", "timestamp", "prev_id", "fields", "rows": [[id, ...]],
    "ids"?}. A client holding prev_id applies the rows; one that does not (it missed a frame, or
    previous is None: every row is sent and prev_id is null) reads the whole table over HTTP.
    `ids` (every coin in rank order) comes when the set of coins changed. 100 coins whose numbers
    all moved make about 8 KB; a minute in which nothing moved, a few dozen bytes.
    """
    rows = _market_rows(entry)
    before = _market_rows(previous)
    changed = [row for coin_id, row in rows.items() if before.get(coin_id) != row]
    frame: dict[str, Any] = {
        "type": "markets_update",
        "stream_id": entry.id,
        "timestamp": timestamp_of(entry.id),
        "prev_id": previous.id if previous is not None else None,
        "fields": list(MARKETS_FRAME_FIELDS),
        "rows": changed,
    }
    if previous is None or rows.keys() != before.keys():
        frame["ids"] = list(rows)
    return _dumps(frame)


def frame_entry(*, stream: str, entry: StreamEntry) -> str:
    return _dumps(
        {
            "type": frame_type_for(stream),
            "data": entry.data,
            "stream_id": entry.id,
            "timestamp": timestamp_of(entry.id),
        }
    )
