"""Binance's combined-stream WebSocket: the URL for the tracked coins' mini tickers, and their frames.

Pure functions, no I/O: the connection is ticks.py's. A combined-stream frame is
`{"stream": "btcusdt@miniTicker", "data": {"e": "24hrMiniTicker", "E": <ms>, "s": "BTCUSDT",
"c": close, "o": open, "h", "l", "v", "q"}}` with prices as decimal strings
(https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

MAX_PRICE = 1e9


class BadFrame(ValueError):
    """A frame that is not a usable mini ticker of a tracked symbol; the message says why."""


@dataclass(frozen=True, slots=True)
class MiniTick:
    coin: str
    price_usd: float
    change_24h: float | None  # percent since the price 24 h ago; None when the open is unusable
    exchange_ms: int  # the event time Binance stamped ("E")


def stream_url(base: str, symbols: Iterable[str]) -> str:
    """`<base>/stream?streams=btcusdt@miniTicker/ethusdt@miniTicker/...`"""
    return f"{base.rstrip('/')}/stream?streams=" + "/".join(f"{symbol.lower()}@miniTicker" for symbol in symbols)


def _price(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadFrame(f"{name} is not a number: {value!r:.40}") from None
    if not math.isfinite(number) or not 0 < number < MAX_PRICE:
        raise BadFrame(f"{name} out of range: {value!r:.40}")
    return number


def mini_tick_parse(raw: str | bytes, coin_of: Mapping[str, str]) -> MiniTick:
    """The tick in one frame; BadFrame for anything else (`coin_of`: Binance symbol -> coin)."""
    if isinstance(raw, bytes):
        raise BadFrame("binary frame")
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadFrame(f"not JSON: {raw!r:.60}") from None
    data = frame.get("data") if isinstance(frame, dict) else None
    if not isinstance(data, dict) or data.get("e") != "24hrMiniTicker":
        raise BadFrame(f"not a combined-stream mini ticker: {raw!r:.60}")
    coin = coin_of.get(str(data.get("s")))
    if coin is None:
        raise BadFrame(f"untracked symbol {data.get('s')!r:.20}")
    event_ms = data.get("E")
    if isinstance(event_ms, bool) or not isinstance(event_ms, int) or event_ms <= 0:
        raise BadFrame(f"event time is not a positive integer: {event_ms!r:.30}")
    price = _price(data.get("c"), "close")
    try:
        opened = _price(data.get("o"), "open")
    except BadFrame:
        change = None
    else:
        change = (price / opened - 1.0) * 100.0
    return MiniTick(coin=coin, price_usd=price, change_24h=change, exchange_ms=event_ms)
