"""The market schema: which coins are tracked, which fields the summary carries, and the state
(ok / stale / unknown) of each shown field. Every other module derives from this one.

Adding a coin is one entry in the `COINS` setting (`key:BINANCE_SYMBOL:coingecko-id:Display name`,
or just the key of a default coin): the ingest asks both upstreams for it, the summary, the
stream, the history allow-list, the tiles and the live frames follow. Tile states are decided
here once, when the summary is built (`field_states`), and carried in the summary JSON under
`field_states`; pages and the browser only paint them.

Plain Python over `django.conf.settings`: no Redis, no models, no upstream; safe to import from
settings and from every island.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True, slots=True)
class Coin:
    """One tracked coin: `key` is the summary's field prefix (`btc` → `btc_price_usd`)."""

    key: str
    binance_symbol: str
    coingecko_id: str
    name: str

    @property
    def price_field(self) -> str:
        return f"{self.key}_price_usd"

    @property
    def change_field(self) -> str:
        return f"{self.key}_change_24h"

    @property
    def symbol(self) -> str:
        """The ticker as people write it (BTC)."""
        return self.key.upper()


DEFAULT_COINS: tuple[Coin, ...] = (
    Coin("btc", "BTCUSDT", "bitcoin", "Bitcoin"),
    Coin("eth", "ETHUSDT", "ethereum", "Ethereum"),
    Coin("sol", "SOLUSDT", "solana", "Solana"),
    Coin("xrp", "XRPUSDT", "ripple", "XRP"),
    Coin("ada", "ADAUSDT", "cardano", "Cardano"),
    Coin("link", "LINKUSDT", "chainlink", "Chainlink"),
    Coin("bnb", "BNBUSDT", "binancecoin", "BNB"),
)
COIN_SUFFIXES: tuple[str, ...] = ("price_usd", "change_24h")


def coins_parse(text: str | None) -> tuple[Coin, ...]:
    """The `COINS` setting from its environment form; DEFAULT_COINS when empty.

    Comma-separated items, each `key:BINANCE_SYMBOL:coingecko-id:Display name` or the bare key of
    a default coin. Raises ValueError naming the bad item (settings fail loudly at start-up).
    """
    if not text or not text.strip():
        return DEFAULT_COINS
    defaults = {coin.key: coin for coin in DEFAULT_COINS}
    coins: list[Coin] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parts = [p.strip() for p in item.split(":")]
        if len(parts) == 1 and parts[0].lower() in defaults:
            coins.append(defaults[parts[0].lower()])
        elif len(parts) == 4 and all(parts) and parts[0].isalnum():
            coins.append(Coin(parts[0].lower(), parts[1].upper(), parts[2].lower(), parts[3]))
        else:
            raise ValueError(
                f"COINS item {item!r}: expected key:BINANCE_SYMBOL:coingecko-id:Name or one of {', '.join(defaults)}"
            )
    keys = [coin.key for coin in coins]
    if len(set(keys)) != len(keys):
        raise ValueError(f"COINS lists a key twice: {keys}")
    return tuple(coins)


def tracked_coins() -> tuple[Coin, ...]:
    """The coins of the summary, in display order (settings.COINS)."""
    return tuple(getattr(settings, "COINS", DEFAULT_COINS))


def coin_by_key(key: str) -> Coin | None:
    return next((coin for coin in tracked_coins() if coin.key == key), None)


def coin_by_coingecko_id(coingecko_id: str) -> Coin | None:
    return next((coin for coin in tracked_coins() if coin.coingecko_id == coingecko_id), None)


# --- the summary's fields (SPEC §4, schema 1) --------------------------------------------------
GLOBAL_FIELDS: tuple[str, ...] = (
    "market_cap_usd",
    "volume_24h_usd",
    "market_cap_change_percentage_24h_usd",
    "btc_market_cap_percentage",
    "eth_market_cap_percentage",
)
INDEX_SYMBOLS: tuple[str, ...] = ("DIA", "SPY", "QQQM")
# Fields that are not values: statuses, times, the summary's own bookkeeping.
META_FIELDS: tuple[str, ...] = (
    "us_stock_indices",
    "fx",
    "field_states",
    "data_sources",
    "partial_failure",
    "fetch_duration_ms",
    "last_updated",
    "timestamp",
    "mode",
)


def coin_fields() -> tuple[str, ...]:
    """`<coin>_price_usd`, `<coin>_change_24h` for each tracked coin, in display order."""
    return tuple(f"{coin.key}_{suffix}" for coin in tracked_coins() for suffix in COIN_SUFFIXES)


def number_fields() -> tuple[str, ...]:
    """The summary's top-level numbers: what history can chart and the backup keeps."""
    return (*coin_fields(), *GLOBAL_FIELDS, "fng_value", "btc_rsi_14")


def summary_keys() -> tuple[str, ...]:
    """The summary's top-level fields, in the order the summary is written."""
    return (*number_fields(), "rsi_14", *META_FIELDS)


# --- tile states: decided once, when the summary is built --------------------------------------
STATE_OK, STATE_STALE, STATE_UNKNOWN = "ok", "stale", "unknown"
# Which `data_sources` entries feed which group of fields: the first is the primary, the rest
# fallbacks (SPEC §3). A group is fresh when any of its sources answered in the last run.
SOURCE_GROUPS: dict[str, tuple[str, ...]] = {
    "prices": ("binance", "coingecko"),
    "global": ("coingecko", "coinmarketcap"),
    "fng": ("alternative_me",),
    "rsi": ("taapi",),
    "indices": ("finnhub",),
}


def index_field(symbol: str) -> str:
    return f"us_stock_indices.{symbol}.price"


def state_fields() -> dict[str, str]:
    """Each field that has a state (a tile's value) → its group of sources."""
    fields = {coin.price_field: "prices" for coin in tracked_coins()}
    for field in ("market_cap_usd", "volume_24h_usd", "btc_market_cap_percentage", "eth_market_cap_percentage"):
        fields[field] = "global"
    fields["fng_value"] = "fng"
    fields["btc_rsi_14"] = "rsi"
    fields.update({index_field(symbol): "indices" for symbol in INDEX_SYMBOLS})
    return fields


def field_value(data: dict[str, Any], field: str) -> Any:
    """A dotted summary field ("us_stock_indices.SPY.price"); None when any step is missing or
    the value is not a number or string."""
    node: Any = data
    for part in field.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    if isinstance(node, bool) or not isinstance(node, int | float | str):
        return None
    return node


def _sources_of(data: dict[str, Any], group: str) -> list[tuple[str, dict[str, Any]]]:
    sources = data.get("data_sources")
    if not isinstance(sources, dict):
        return []
    found = []
    for name in SOURCE_GROUPS[group]:
        for key, state in sources.items():
            if (key == name or key.startswith(name + "_")) and isinstance(state, dict):
                found.append((key, state))
    return found


def _source_reason(name: str, state: dict[str, Any]) -> str:
    status = str(state.get("status") or "unknown")
    error = state.get("error")
    return f"{name}: {status}" + (f" — {error}" if error else "")


def group_state(*, data: dict[str, Any], group: str, value_known: bool) -> tuple[str, str | None]:
    """(state, reason) for fields of `group`, from the summary's data_sources. An unknown value
    without a source to blame has reason None: the page says "no value" in its own language."""
    sources = _sources_of(data, group)
    not_ok = [(name, state) for name, state in sources if state.get("status") != STATE_OK]
    reason = "; ".join(_source_reason(name, state) for name, state in not_ok) or None
    if not value_known:
        return STATE_UNKNOWN, reason
    if sources and len(not_ok) == len(sources):
        return STATE_STALE, reason
    return STATE_OK, None


def group_updated_at(*, data: dict[str, Any], group: str) -> str | None:
    """When the fields of `group` were last fetched: the newest `updated_at` among its sources."""
    times = [state.get("updated_at") for _name, state in _sources_of(data, group)]
    # RFC 3339 UTC strings of one writer sort like the moments they name.
    return max((t for t in times if isinstance(t, str) and t), default=None)


def group_source(*, data: dict[str, Any], group: str) -> str | None:
    """The source the fields of `group` came from: the first answering one, primary first."""
    return next((name for name, state in _sources_of(data, group) if state.get("status") == STATE_OK), None)


def _index_state(data: dict[str, Any], symbol: str, value_known: bool) -> tuple[str, str | None]:
    """A US index carries its own status and error (one failing symbol never hides the others)."""
    state, reason = group_state(data=data, group="indices", value_known=value_known)
    entry = (data.get("us_stock_indices") or {}).get(symbol)
    if not isinstance(entry, dict):
        return state, reason
    status, error = entry.get("status"), entry.get("error")
    if value_known and status == STATE_STALE:
        return STATE_STALE, error or reason
    if not value_known:
        detail = f"{symbol}: {status}" + (f" — {error}" if error else "") if status else None
        return STATE_UNKNOWN, detail or reason
    return state, reason


def field_state(data: dict[str, Any], field: str) -> dict[str, Any]:
    """{"state", "reason", "updated_at"} of one field of `state_fields()` in summary `data`."""
    group = state_fields().get(field, "prices")
    known = field_value(data, field) is not None
    if group == "indices":
        state, reason = _index_state(data, field.split(".")[1], known)
    else:
        state, reason = group_state(data=data, group=group, value_known=known)
    return {
        "state": state,
        "reason": reason,
        "updated_at": group_updated_at(data=data, group=group) if known else None,
        "source": group_source(data=data, group=group) if known else None,
    }


def field_states(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The state of every field with one: what the summary carries as `field_states`."""
    return {field: field_state(data, field) for field in state_fields()}


def field_state_of(data: dict[str, Any], field: str) -> dict[str, Any]:
    """The state a summary carries for `field`; computed by the same rules for a summary stored
    before it carried one (restored history, an entry older than a newly tracked coin)."""
    carried = data.get("field_states")
    state = carried.get(field) if isinstance(carried, dict) else None
    return state if isinstance(state, dict) and "state" in state else field_state(data, field)


# --- the market table (CoinGecko /coins/markets, stream crypto:markets) -------------------------
# Each row of a markets entry, in this order; a value CoinGecko did not give is null.
MARKET_COIN_FIELDS: tuple[str, ...] = (
    "rank",
    "id",
    "symbol",
    "name",
    "image",
    "price_usd",
    "market_cap",
    "volume_24h",
    "change_1h",
    "change_24h",
    "change_7d",
    "high_24h",
    "low_24h",
    "circulating_supply",
    "total_supply",
    "max_supply",
    "ath",
    "ath_date",
    "ath_change_percentage",
    "last_updated",
    "price_source",  # "live": a tracked coin's summary price (Binance) while its tile is ok; else "markets"
)


# --- candles (Binance /klines of the tracked coins) ---------------------------------------------
@dataclass(frozen=True, slots=True)
class CandleInterval:
    name: str  # Binance's interval name
    limit: int  # candles kept: enough for the coin page's ranges
    refresh_s: float  # how often the beat job fetches it again


# 1h x 168 covers 24h and 7d; 4h x 180 covers 30d; 1d x 365 covers 1y.
CANDLE_INTERVALS: dict[str, CandleInterval] = {
    i.name: i
    for i in (CandleInterval("1h", 168, 300.0), CandleInterval("4h", 180, 900.0), CandleInterval("1d", 365, 3600.0))
}
# One candle row: open time (epoch ms), open, high, low, close, base-asset volume.
CANDLE_ROW: tuple[str, ...] = ("open_time_ms", "open", "high", "low", "close", "volume")


def display_currencies() -> tuple[str, ...]:
    """The currencies prices can be shown in (settings.DISPLAY_CURRENCIES; the first is the default)."""
    return tuple(getattr(settings, "DISPLAY_CURRENCIES", ("usd", "vnd", "eur")))


def fx_currencies() -> tuple[str, ...]:
    """The display currencies that need a USD rate (all but usd, in the setting's order)."""
    return tuple(c for c in display_currencies() if c != "usd")


def live_prices(data: dict[str, Any]) -> dict[str, float]:
    """CoinGecko id -> a tracked coin's price in summary `data`, for the prices in state "ok" only:
    the market table shows them instead of its own (the tiles and the table agree), and keeps its
    own where the live one is stale or unknown."""
    prices = {}
    for coin in tracked_coins():
        value = data.get(coin.price_field)
        number = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if number and field_state_of(data, coin.price_field).get("state") == STATE_OK:
            prices[coin.coingecko_id] = float(value)
    return prices


# --- exchange ticks over the summary's REST prices ----------------------------------------------
def _rfc3339_ms(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch_ms(text: Any) -> int | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def ticks_overlay(
    data: dict[str, Any], ticks: Mapping[str, Mapping[str, Any]], *, now_ms: int, fresh_ms: int
) -> dict[str, Any]:
    """`data` with each coin's price (and 24 h change) taken from its exchange tick where the tick
    is fresh (younger than `fresh_ms`) and newer than the REST fetch of the summary's price; that
    field's state then names the tick's source and time. `ticks` is the "ticks" frame's shape:
    {coin: {"price_usd", "change_24h", "t" (exchange ms), "source"}}. Otherwise the REST price
    stays, with its own source and age: while the exchange socket is down, the REST feed shows.
    live.js applies the same rule to the frames it receives.
    """
    states = dict(data.get("field_states") or field_states(data))
    merged = dict(data)
    for coin in tracked_coins():
        tick = ticks.get(coin.key)
        if not tick or now_ms - tick["t"] > fresh_ms:
            continue
        rest_ms = _epoch_ms(field_state_of(data, coin.price_field).get("updated_at"))
        if rest_ms is not None and rest_ms >= tick["t"]:
            continue
        merged[coin.price_field] = tick["price_usd"]
        if tick.get("change_24h") is not None:
            merged[coin.change_field] = tick["change_24h"]
        states[coin.price_field] = {
            "state": STATE_OK,
            "reason": None,
            "updated_at": _rfc3339_ms(tick["t"]),
            "source": tick.get("source"),
        }
    merged["field_states"] = states
    return merged
