"""The six feeds of the summary and how each is fetched: primary upstream, fallback, fields.

| feed       | every  | upstream (fallback)          | summary fields                         |
|------------|--------|------------------------------|----------------------------------------|
| prices     | 10 s   | binance (coingecko)          | <coin>_price_usd, <coin>_change_24h    |
| global     | 60 s   | coingecko (coinmarketcap)    | market cap, volume, 24 h change, dominance |
| fear_greed | 5 min  | alternative_me               | fng_value                              |
| rsi        | 1 h    | taapi                        | btc_rsi_14                             |
| us_indices | 60 s   | finnhub                      | us_stock_indices.{DIA,SPY,QQQM}        |
| fx         | 10 min | coingecko                    | fx.{vnd,eur} (DISPLAY_CURRENCIES)      |

A fetch returns what it got (`FeedResult`) and the outcome of every upstream it tried; it stores
nothing. Fallbacks apply only when the primary fails as a whole: a coin missing from an otherwise
good Binance batch stays missing (null), it is not filled from another source.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from islands.cache_system.market_schema import GLOBAL_FIELDS, INDEX_SYMBOLS, coin_fields, fx_currencies
from islands.external_apis.clients.alternative_me import AlternativeMeClient
from islands.external_apis.clients.base import Deadline, UpstreamClient
from islands.external_apis.clients.binance import BinanceClient
from islands.external_apis.clients.coingecko import CoinGeckoClient
from islands.external_apis.clients.coinmarketcap import CoinMarketCapClient
from islands.external_apis.clients.finnhub import FinnhubClient
from islands.external_apis.clients.taapi import TaapiClient
from islands.external_apis.clients.types import GlobalMetrics, Prices
from islands.external_apis.errors import AuthError, Disabled, RateLimited, UpstreamError
from islands.external_apis.resilience import source_guard

# source -> (client class, base-URL setting, key setting or None)
UPSTREAMS: dict[str, tuple[type[UpstreamClient], str, str | None]] = {
    "binance": (BinanceClient, "BINANCE_BASE_URL", None),
    "coingecko": (CoinGeckoClient, "COINGECKO_BASE_URL", None),
    "coinmarketcap": (CoinMarketCapClient, "CMC_BASE_URL", "CMC_API_KEY"),
    "alternative_me": (AlternativeMeClient, "FNG_BASE_URL", None),
    "taapi": (TaapiClient, "TAAPI_BASE_URL", "TAAPI_SECRET"),
    "finnhub": (FinnhubClient, "FINNHUB_BASE_URL", "FINNHUB_API_KEY"),
}
INDEX_FIELD = "us_index:{symbol}"
FX_FIELD = "fx:{currency}"

_clients: dict[tuple[str, str, str], UpstreamClient] = {}
_clients_lock = threading.Lock()


def source_key_setting(source: str) -> str | None:
    return UPSTREAMS[source][2]


def source_enabled(source: str) -> bool:
    key_setting = source_key_setting(source)
    return key_setting is None or bool(getattr(settings, key_setting, ""))


def upstream_client(source: str) -> UpstreamClient:
    """The process's client (one Session) for the configured base URL and key of `source`."""
    cls, url_setting, key_setting = UPSTREAMS[source]
    key = getattr(settings, key_setting, "") if key_setting else ""
    if key_setting and not key:
        raise Disabled(source, f"no API key configured ({key_setting})")
    base_url = getattr(settings, url_setting)
    cache_key = (source, base_url, key)
    client = _clients.get(cache_key)
    if client is None:
        with _clients_lock:
            client = _clients.get(cache_key)
            if client is None:
                client = _clients[cache_key] = cls(base_url=base_url, key=key)
    return client


@dataclass
class FeedResult:
    """Values a fetch obtained (field -> (value, upstream)), why others are missing, and the outcome
    (None = success) of each upstream it called."""

    values: dict[str, tuple[Any, str]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, UpstreamError | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Feed:
    name: str
    # How long a last good value may still be shown, marked stale, before it becomes null.
    ttl: float
    # A function, not a tuple: the coin fields follow settings.COINS when it changes (tests).
    field_names: Callable[[], tuple[str, ...]]
    fetch: Callable[[Deadline], FeedResult]

    @property
    def fields(self) -> tuple[str, ...]:
        return self.field_names()

    @property
    def interval(self) -> float:
        """Seconds between scheduled fetches (settings.INGEST_INTERVALS, also the beat schedule)."""
        return float(settings.INGEST_INTERVALS[self.name])

    @property
    def stale_after(self) -> float:
        """A value older than this was missed by at least one refresh: it is shown as stale."""
        return 2 * self.interval + settings.UPSTREAM_FETCH_BUDGET


def _call(result: FeedResult, source: str, request: Callable[[Any, Deadline], Any], deadline: Deadline) -> Any:
    """One guarded call; its outcome is noted in `result`. Returns None on failure."""
    try:
        client = upstream_client(source)
        value = source_guard(source).call(lambda d: request(client, d), deadline=deadline)
    except UpstreamError as exc:
        result.outcomes[source] = exc
        return None
    result.outcomes[source] = None
    return value


def _price_fields(prices: Prices, source: str, result: FeedResult) -> None:
    for coin, quote in prices.quotes.items():
        result.values[f"{coin}_price_usd"] = (quote.price_usd, source)
        result.values[f"{coin}_change_24h"] = (quote.change_24h, source)
    for coin, reason in prices.missing.items():
        result.missing[f"{coin}_price_usd"] = f"{source}: {reason}"


def fetch_prices(deadline: Deadline) -> FeedResult:
    result = FeedResult()
    prices = _call(result, "binance", lambda c, d: c.ticker_24h(deadline=d), deadline)
    source = "binance"
    if prices is None:
        prices = _call(result, "coingecko", lambda c, d: c.simple_price(deadline=d), deadline)
        source = "coingecko"
    if prices is not None:
        _price_fields(prices, source, result)
    return result


def _global_fields(metrics: GlobalMetrics, source: str, result: FeedResult) -> None:
    for name in GLOBAL_FIELDS:
        value = getattr(metrics, name)
        if value is None:
            result.missing[name] = f"{source}: not in the answer"
        else:
            result.values[name] = (value, source)


def fetch_global(deadline: Deadline) -> FeedResult:
    result = FeedResult()
    metrics = _call(result, "coingecko", lambda c, d: c.global_metrics(deadline=d), deadline)
    source = "coingecko"
    if metrics is None and source_enabled("coinmarketcap"):
        metrics = _call(result, "coinmarketcap", lambda c, d: c.global_metrics(deadline=d), deadline)
        source = "coinmarketcap"
    if metrics is not None:
        _global_fields(metrics, source, result)
    return result


def fetch_fear_greed(deadline: Deadline) -> FeedResult:
    result = FeedResult()
    index = _call(result, "alternative_me", lambda c, d: c.fear_greed(deadline=d), deadline)
    if index is not None:
        result.values["fng_value"] = (index.value, "alternative_me")
    return result


def fetch_rsi(deadline: Deadline) -> FeedResult:
    result = FeedResult()
    rsi = _call(result, "taapi", lambda c, d: c.rsi(deadline=d), deadline)
    if rsi is not None:
        result.values["btc_rsi_14"] = (rsi.value, "taapi")
    return result


def fetch_us_indices(deadline: Deadline) -> FeedResult:
    """One guarded call per symbol; a failing symbol leaves the others, a quota or key error stops."""
    result = FeedResult()
    successes = 0
    last_error: UpstreamError | None = None
    for symbol in INDEX_SYMBOLS:
        name = INDEX_FIELD.format(symbol=symbol)
        outcome = FeedResult()
        quote = _call(outcome, "finnhub", lambda c, d, s=symbol: c.quote(symbol=s, deadline=d), deadline)
        error = outcome.outcomes["finnhub"]
        if error is not None:
            last_error = error
            result.missing[name] = error.reason
            if isinstance(error, RateLimited | AuthError | Disabled):
                break
            continue
        successes += 1
        if quote is None:
            result.missing[name] = "unknown symbol (Finnhub answered zeros)"
        else:
            value = {"price": quote.price, "change": quote.change, "change_percent": quote.change_percent}
            result.values[name] = (value, "finnhub")
    result.outcomes["finnhub"] = None if successes else last_error
    return result


def fetch_fx(deadline: Deadline) -> FeedResult:
    """USD -> each display currency from CoinGecko's BTC-based rates: rates[x] / rates["usd"]."""
    result = FeedResult()
    if not fx_currencies():
        return result  # DISPLAY_CURRENCIES is usd alone: no rate to fetch
    rates = _call(result, "coingecko", lambda c, d: c.exchange_rates(deadline=d), deadline)
    if rates is None:
        return result
    for currency in fx_currencies():
        name = FX_FIELD.format(currency=currency)
        if currency in rates:
            result.values[name] = (rates[currency] / rates["usd"], "coingecko")
        else:
            result.missing[name] = f"coingecko: no {currency} rate in the answer"
    return result


def fx_fields() -> tuple[str, ...]:
    return tuple(FX_FIELD.format(currency=c) for c in fx_currencies())


INDEX_FIELDS = tuple(INDEX_FIELD.format(symbol=s) for s in INDEX_SYMBOLS)
FEEDS: dict[str, Feed] = {
    feed.name: feed
    for feed in (
        Feed("prices", 300.0, coin_fields, fetch_prices),
        Feed("global", 900.0, lambda: GLOBAL_FIELDS, fetch_global),
        Feed("fear_greed", 7200.0, lambda: ("fng_value",), fetch_fear_greed),
        Feed("rsi", 3 * 3600.0, lambda: ("btc_rsi_14",), fetch_rsi),
        Feed("us_indices", 900.0, lambda: INDEX_FIELDS, fetch_us_indices),
        # A rate is shown for a day at most: older, it is unknown (prices stay in USD).
        Feed("fx", 24 * 3600.0, fx_fields, fetch_fx),
    )
}
