"""The market table, the rates and the candles are fetched by beat jobs, never by a reader: pages,
APIs and the selectors leave no request in the fake upstream's log (GET /__requests)."""

import orjson
import requests
from django.conf import settings

from islands.cache_system.market_schema import CANDLE_INTERVALS, tracked_coins
from islands.cache_system.market_selectors import candles_latest, fx_rates, markets_latest
from islands.external_apis import tasks
from islands.external_apis.services import summary_refresh


def _upstream_log(server) -> list[dict]:
    """The fake upstream's request log, read over HTTP as any process would."""
    return requests.get(f"{server.url}/__requests", timeout=2).json()


def _read_everything(client) -> None:
    markets_latest()
    fx_rates()
    for coin in tracked_coins():
        for interval in CANDLE_INTERVALS:
            candles_latest(coin_id=coin.coingecko_id, interval=interval)
    for path in ("/", "/api/crypto/dashboard-summary", "/api/crypto/dashboard-summary/cached"):
        client.get(path)


def test_beat_schedules_each_job_with_an_expiry():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name, task, every in (
        ("ingest-markets", "markets_refresh", settings.INGEST_INTERVAL_MARKETS),
        ("ingest-candles", "candles_refresh", settings.INGEST_INTERVAL_CANDLES),
        ("ingest-fx", "feed_refresh", settings.INGEST_INTERVALS["fx"]),
    ):
        entry = schedule[name]
        assert entry["task"] == f"islands.external_apis.tasks.{task}"
        assert entry["schedule"] == every and entry["options"]["expires"] == every


def test_readers_never_call_an_upstream_even_with_nothing_stored(fake_upstream, redis_conn, client, db):
    _read_everything(client)

    assert _upstream_log(fake_upstream) == []
    assert candles_latest(coin_id="bitcoin", interval="1h").reason == "no candles fetched yet"
    assert markets_latest().reason == "no market table has been fetched yet"


def test_the_beat_jobs_fill_what_readers_then_serve_without_a_call(fake_upstream, redis_conn, client, db, settings):
    settings.SUMMARY_L1_TTL = 0.0
    tasks.markets_refresh()
    tasks.candles_refresh()
    tasks.feed_refresh(feed="fx")
    fetched = _upstream_log(fake_upstream)
    klines = [row for row in fetched if row["path"] == "/binance/api/v3/klines"]
    assert len(klines) == len(tracked_coins()) * len(CANDLE_INTERVALS)
    assert {(row["query"]["interval"], row["query"]["limit"]) for row in klines} == {
        (name, str(interval.limit)) for name, interval in CANDLE_INTERVALS.items()
    }

    _read_everything(client)
    tasks.candles_refresh()  # nothing is due yet: no call

    assert _upstream_log(fake_upstream) == fetched
    day = candles_latest(coin_id="bitcoin", interval="1d")
    assert len(day.rows) == 365 and day.source == "binance" and day.reason is None
    assert all(row[2] >= max(row[1], row[4]) and row[3] <= min(row[1], row[4]) for row in day.rows)
    assert len(markets_latest().coins) == settings.MARKET_TOP_N
    assert fx_rates().rate("vnd") > 20_000


def test_tracked_coins_show_the_live_price_others_coingeckos(fake_upstream, redis_conn, settings):
    settings.SUMMARY_L1_TTL = 0.0
    summary = summary_refresh(sources=["prices"])
    tasks.markets_refresh()

    stored = orjson.loads(redis_conn.xrevrange(settings.STREAM_MARKETS, count=1)[0][1][b"data"])["coins"]
    by_id = {row["id"]: row for row in stored}
    assert by_id["bitcoin"]["price_usd"] == summary["btc_price_usd"]
    assert by_id["bitcoin"]["price_source"] == "live"
    assert by_id["tether"]["price_source"] == "markets" and by_id["tether"]["price_usd"] > 0
    shown = markets_latest().coin("bitcoin")
    assert (shown["price_usd"], shown["price_source"]) == (summary["btc_price_usd"], "live")


def test_a_reader_sees_each_new_table_and_reuses_its_copy_meanwhile(fake_upstream, redis_conn, settings):
    settings.SUMMARY_L1_TTL = 0.0
    first = tasks.market_ingest.markets_refresh()
    assert markets_latest().stream_id == first
    redis_conn.delete(settings.STREAM_MARKETS)  # the copy built from `first` answers while it stands
    assert markets_latest().stream_id == first and len(markets_latest().coins) == 100

    second = tasks.market_ingest.markets_refresh()
    snapshot = markets_latest()
    assert snapshot.stream_id == second != first
    assert snapshot.coins[0]["sparkline_7d"] and snapshot.coins[0]["last_updated"]


def test_the_summary_api_keeps_usd_and_gains_the_rates(fake_upstream, redis_conn, client, db):
    tasks.feed_refresh(feed="prices")
    tasks.feed_refresh(feed="fx")

    body = client.get("/api/crypto/dashboard-summary").json()
    fx = body["fx"]
    assert 20_000 < fx["vnd"] < 35_000 and 0.7 < fx["eur"] < 1.2  # the fixture's realistic rates, walked
    assert fx["age_s"] >= 0 and fx["reason"] is None
    assert 50_000 < body["btc_price_usd"] < 90_000  # still in USD
    assert client.get("/api/crypto/dashboard-summary?fields=fx").json()["fx"]["vnd"] == fx["vnd"]


def test_usd_alone_fetches_no_rates(fake_upstream, redis_conn, settings):
    settings.DISPLAY_CURRENCIES = ["usd"]

    fx = summary_refresh(sources=["fx"])["fx"]

    assert fx == {"age_s": None, "updated_at": None, "reason": None}
    assert [row for row in _upstream_log(fake_upstream) if row["path"].endswith("/exchange_rates")] == []
