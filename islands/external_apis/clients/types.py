"""Typed results of the upstream clients: plain frozen dataclasses, None where a value is unknown."""

from __future__ import annotations

from dataclasses import dataclass, field

# The tracked coins and each upstream's name for them: cache_system.market_schema (settings.COINS).


@dataclass(frozen=True, slots=True)
class CoinQuote:
    price_usd: float
    change_24h: float | None


@dataclass(frozen=True, slots=True)
class Prices:
    """Quotes of the coins the upstream answered for; `missing` says why each other one is absent."""

    quotes: dict[str, CoinQuote]
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GlobalMetrics:
    market_cap_usd: float | None
    volume_24h_usd: float | None
    market_cap_change_percentage_24h_usd: float | None
    btc_market_cap_percentage: float | None
    eth_market_cap_percentage: float | None


@dataclass(frozen=True, slots=True)
class FearGreed:
    value: int
    classification: str | None


@dataclass(frozen=True, slots=True)
class Rsi:
    value: float


@dataclass(frozen=True, slots=True)
class StockQuote:
    price: float
    change: float | None
    change_percent: float | None


@dataclass(frozen=True, slots=True)
class MarketTable:
    """CoinGecko's top-N rows (market_schema.MARKET_COIN_FIELDS each, None where not given) and
    each coin's 7-day sparkline (coingecko id -> prices, oldest first)."""

    coins: list[dict]
    sparklines: dict[str, list[float]]
    skipped: int = 0  # rows without a usable id or price, left out


@dataclass(frozen=True, slots=True)
class Candle:
    open_time_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
