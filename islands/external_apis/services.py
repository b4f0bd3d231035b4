"""Writes of the external_apis island: fetch the due feeds, keep each one's last good values, merge
them into the dashboard summary (SPEC §4) and append it to the stream when it changed.

Every storage goes through the cache_system island. What is kept, per feed, is each field's last
good value with the time and upstream it came from; a field is shown `stale` once a refresh missed
it and `null` once its feed's TTL has passed. No number is ever made up.
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from celery import current_app
from django.conf import settings

from islands.cache_system.coordination import SharedLock
from islands.cache_system.errors import REDIS_DOWN_ERRORS
from islands.cache_system.market_schema import INDEX_SYMBOLS, field_states, summary_keys
from islands.cache_system.selectors import ingest_records
from islands.cache_system.services import btc_price_store, ingest_record_store, summary_store
from islands.external_apis.clients.base import Deadline
from islands.external_apis.clock import rfc3339
from islands.external_apis.errors import UpstreamError
from islands.external_apis.feeds import FEEDS, UPSTREAMS, Feed, FeedResult, source_enabled
from islands.external_apis.metrics import SUMMARY_WRITES
from islands.external_apis.resilience import QuotaExhausted, SkippedByCooldown

log = logging.getLogger(__name__)

FEED_RECORD = "feed:{name}"
SOURCE_RECORD = "source:{name}"
FINGERPRINT_RECORD = "summary:fingerprint"
# A source's last outcome outlives any feed TTL: /health shows how long ago it last worked.
SOURCE_RECORD_TTL = 7 * 24 * 3600
FEED_LOCK = "cryptodash:lock:feed:{name}"
MERGE_LOCK = "cryptodash:lock:summary_merge"
# Queued by name: tasks.py imports this module, so importing the task here would be a cycle.
REFRESH_ALL_TASK = "islands.external_apis.tasks.refresh_all"
# Seconds a run waits for another run's merge (a merge takes milliseconds; it never fetches).
MERGE_LOCK_WAIT = 5


# --- keeping results ------------------------------------------------------------------------
def _feed_record_merge(feed: Feed, previous: dict | None, result: FeedResult, now: float) -> dict[str, Any]:
    """New values replace old ones field by field; a field the fetch missed keeps its old value
    (and age) until the feed's TTL drops it."""
    fields = {
        name: entry
        for name, entry in ((previous or {}).get("fields") or {}).items()
        if now - entry["at"] <= feed.ttl and name in feed.fields
    }
    for name, (value, source) in result.values.items():
        fields[name] = {"v": value, "at": now, "source": source}
    return {"fields": fields, "attempt_at": now, "missing": result.missing}


def _source_record(previous: dict | None, error: UpstreamError | None, now: float) -> dict[str, Any]:
    previous = previous or {}
    record = {"attempt_at": now, "success_at": previous.get("success_at")}
    if error is None:
        record.update(status="ok", error=None, success_at=now)
    else:
        record.update(status=error.status, error=error.reason)
    return record


def _outcome_rank(error: UpstreamError | None) -> int:
    if isinstance(error, QuotaExhausted | SkippedByCooldown):
        return 0  # nothing was sent: says nothing about the source
    return 1 if error is None else 2


def _outcomes_by_source(results: dict[str, FeedResult]) -> dict[str, UpstreamError | None]:
    """One outcome per upstream for the run: several feeds call CoinGecko (global, fx), and a
    failure of any of them is what its status shows, whatever the others got."""
    outcomes: dict[str, UpstreamError | None] = {}
    for result in results.values():
        for source, error in result.outcomes.items():
            if source not in outcomes or _outcome_rank(error) > _outcome_rank(outcomes[source]):
                outcomes[source] = error
    return outcomes


def _results_keep(results: dict[str, FeedResult], now: float) -> None:
    names = [FEED_RECORD.format(name=n) for n in results] + [SOURCE_RECORD.format(name=s) for s in UPSTREAMS]
    stored = ingest_records(names=names)
    for feed_name, result in results.items():
        feed = FEEDS[feed_name]
        record = _feed_record_merge(feed, stored[FEED_RECORD.format(name=feed_name)], result, now)
        ingest_record_store(name=FEED_RECORD.format(name=feed_name), record=record, ttl=feed.ttl)
    for source, error in _outcomes_by_source(results).items():
        key = SOURCE_RECORD.format(name=source)
        previous = stored[key]
        if isinstance(error, QuotaExhausted) or (
            isinstance(error, SkippedByCooldown) and previous and previous["status"] == "rate_limited"
        ):
            # Nothing was sent: what the upstream last said (its 429 and reason) still stands.
            log.info("%s not called this run: %s", source, error.reason)
            continue
        stored[key] = _source_record(previous, error, now)
        ingest_record_store(name=key, record=stored[key], ttl=SOURCE_RECORD_TTL)
        if error is not None:
            log.warning("%s failed (%s): %s", source, error.status, error.reason)


# --- building the summary -------------------------------------------------------------------
def summary_build(*, now: float | None = None, fetch_duration_ms: int | None = None) -> dict[str, Any]:
    """The summary from the kept results alone (no upstream call): SPEC §4, schema 1.

    `partial_failure` is true when some field is null or only its stale last value is known; a
    fallback that delivered everything (prices from CoinGecko) is not a partial failure, though
    the failed primary shows `failed` in `data_sources`.
    """
    now = time.time() if now is None else now
    names = [FEED_RECORD.format(name=n) for n in FEEDS] + [SOURCE_RECORD.format(name=s) for s in UPSTREAMS]
    stored = ingest_records(names=names)
    summary: dict[str, Any] = {}
    stale_fields: list[str] = []
    null_fields: list[str] = []
    served_by: dict[str, list[bool]] = {}  # upstream -> [is the value stale] for each field it serves
    newest: float | None = None
    indices: dict[str, Any] = {}

    for feed in FEEDS.values():
        record = stored[FEED_RECORD.format(name=feed.name)] or {}
        fields = record.get("fields") or {}
        if feed.name == "fx":
            # Display-currency rates are not market data: they never make the summary partial.
            summary["fx"] = _fx_entry(feed, record, stored, now)
            continue
        for name in feed.fields:
            entry = fields.get(name)
            age = None if entry is None else now - entry["at"]
            value = entry["v"] if entry is not None and age <= feed.ttl else None
            stale = value is not None and age > feed.stale_after
            if value is not None:
                served_by.setdefault(entry["source"], []).append(stale)
                newest = entry["at"] if newest is None else max(newest, entry["at"])
                if stale:
                    stale_fields.append(name)
            elif not name.endswith("_change_24h"):
                null_fields.append(name)
            if feed.name == "us_indices":
                symbol = name.split(":", 1)[1]
                indices[symbol] = _index_entry(value, stale, (record.get("missing") or {}).get(name))
            else:
                summary[name] = value

    summary["btc_rsi_14"] = summary.get("btc_rsi_14")
    summary["rsi_14"] = summary["btc_rsi_14"]  # alias for clients of the old API
    if summary.get("fng_value") is not None:
        summary["fng_value"] = int(summary["fng_value"])
    summary["us_stock_indices"] = {symbol: indices[symbol] for symbol in INDEX_SYMBOLS}
    if not source_enabled("finnhub"):
        for entry in summary["us_stock_indices"].values():
            if entry["price"] is None:
                entry["status"] = "disabled"
    summary["data_sources"] = _data_sources(stored, served_by, now)
    summary["partial_failure"] = bool(null_fields or stale_fields)
    summary["fetch_duration_ms"] = fetch_duration_ms
    summary["last_updated"] = rfc3339(newest)
    summary["timestamp"] = rfc3339(now)
    summary["mode"] = settings.DATA_MODE
    # Decided here once; pages, the API and the browser only show it (market_schema).
    summary["field_states"] = field_states(summary)
    return {key: summary.get(key) for key in summary_keys()}


def _fx_entry(feed: Feed, record: dict[str, Any], stored: dict[str, dict | None], now: float) -> dict[str, Any]:
    """{"vnd": rate, "eur": rate, "age_s", "updated_at", "reason"}: USD -> each display currency;
    a rate older than the feed's TTL, or never fetched, is null with the reason."""
    fields = record.get("fields") or {}
    fx: dict[str, Any] = {}
    oldest: float | None = None
    for name in feed.fields:
        entry = fields.get(name)
        known = entry is not None and now - entry["at"] <= feed.ttl
        fx[name.split(":", 1)[1]] = entry["v"] if known else None
        if known:
            oldest = entry["at"] if oldest is None else min(oldest, entry["at"])
    reason = None
    if any(value is None for value in fx.values()):
        missing = [r for n, r in (record.get("missing") or {}).items() if n in feed.fields]
        source = stored.get(SOURCE_RECORD.format(name="coingecko")) or {}
        if missing:
            reason = "; ".join(missing)
        elif source.get("status") not in (None, "ok"):
            reason = f"coingecko: {source['status']} — {source.get('error')}"
        else:
            reason = "not fetched yet" if not record else "rate too old"
    fx["age_s"] = None if oldest is None else round(now - oldest, 1)
    fx["updated_at"] = rfc3339(oldest)
    fx["reason"] = reason
    return fx


def _index_entry(value: dict | None, stale: bool, missing: str | None) -> dict[str, Any]:
    if value is None:
        entry = {"price": None, "change": None, "change_percent": None, "status": "failed"}
        if missing:
            entry["error"] = missing
        return entry
    return {**value, "status": "stale" if stale else "ok"}


def _data_sources(stored: dict[str, dict | None], served_by: dict[str, list[bool]], now: float) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    for source in UPSTREAMS:
        record = stored[SOURCE_RECORD.format(name=source)]
        if not source_enabled(source):
            key_setting = UPSTREAMS[source][2]
            error = f"{key_setting} is not set"
            sources[source] = {"status": "disabled", "updated_at": None, "error": error, "age_s": None}
            continue
        if record is None:
            continue  # never called (a fallback nobody needed yet)
        status = record["status"]
        served = served_by.get(source, [])
        if status == "failed" and served:
            status = "stale"  # its last good values are still shown
        elif status == "ok" and served and all(served):
            status = "stale"  # it worked, but not recently
        success_at = record.get("success_at")
        sources[source] = {
            "status": status,
            "updated_at": rfc3339(success_at),
            "error": record.get("error"),
            "age_s": None if success_at is None else round(now - success_at, 1),
        }
    return sources


def _summary_fingerprint(summary: dict[str, Any]) -> str:
    """Hash of what a reader cares about: values and statuses, not the clock-driven fields."""
    # field_states follow from the values and statuses hashed here (their updated_at is a clock).
    clock = ("timestamp", "fetch_duration_ms", "last_updated", "field_states")
    content = {k: v for k, v in summary.items() if k not in clock}
    if isinstance(content.get("fx"), dict):
        content["fx"] = {k: v for k, v in content["fx"].items() if k != "age_s"}
    content["data_sources"] = {
        name: {"status": s["status"], "error": s["error"]} for name, s in summary["data_sources"].items()
    }
    return hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


# --- the refresh ----------------------------------------------------------------------------
def _feeds_due(now: float) -> list[str]:
    """Feeds whose last attempt is at least one interval old (or that were never fetched)."""
    stored = ingest_records(names=[FEED_RECORD.format(name=n) for n in FEEDS])
    due = []
    for name, feed in FEEDS.items():
        record = stored[FEED_RECORD.format(name=name)]
        # A little slack so a beat tick that lands a hair early still counts.
        if record is None or now - record["attempt_at"] >= feed.interval - 0.5:
            due.append(name)
    return due


def _feeds_failed(now: float) -> list[str]:
    """Slow feeds (RSI hourly, F&G every 5 min) whose last attempt brought nothing: they are tried
    again every INGEST_RETRY_FAILED_S instead of staying empty for a whole interval."""
    retry = settings.INGEST_RETRY_FAILED_S
    stored = ingest_records(names=[FEED_RECORD.format(name=n) for n in FEEDS])
    failed = []
    for name, feed in FEEDS.items():
        record = stored[FEED_RECORD.format(name=name)]
        if feed.interval <= retry or record is None or now - record["attempt_at"] < retry:
            continue
        got_values = any(entry["at"] == record["attempt_at"] for entry in record["fields"].values())
        if not got_values:
            failed.append(name)
    return failed


def _fetch_locked(name: str) -> FeedResult | None:
    """Fetch one feed unless another process is already fetching it (then None)."""
    lock: SharedLock | None
    try:
        lock = SharedLock(FEED_LOCK.format(name=name), timeout=settings.CELERY_TASK_TIME_LIMIT)
        acquired = lock.acquire()
    except REDIS_DOWN_ERRORS:
        lock, acquired = None, True  # no shared lock without Redis; the quota guard refuses calls anyway
    if not acquired:
        log.info("feed %s is being fetched by another run: skipped", name)
        return None
    try:
        return FEEDS[name].fetch(Deadline(settings.UPSTREAM_FETCH_BUDGET))
    finally:
        if lock is not None and not lock.release():
            log.warning("feed %s lock expired before the fetch ended", name)


def _fetch(names: list[str]) -> dict[str, FeedResult]:
    if not names:
        return {}
    # Feeds are fetched in parallel so the run lasts as long as the slowest feed's budget.
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="feed") as pool:
        results = dict(zip(names, pool.map(_fetch_locked, names), strict=True))
    return {name: result for name, result in results.items() if result is not None}


def _btc_tick(results: dict[str, FeedResult], now: float) -> None:
    prices = results.get("prices")
    if prices is None or "btc_price_usd" not in prices.values:
        return
    change = prices.values.get("btc_change_24h", (None, None))[0]
    btc_price_store(price_usd=prices.values["btc_price_usd"][0], change_24h=change, last_updated=rfc3339(now))


def _fetch_named(sources: list[str] | None) -> tuple[dict[str, FeedResult], int]:
    names = _feeds_due(time.time()) if sources is None else list(dict.fromkeys(sources))
    unknown = [name for name in names if name not in FEEDS]
    if unknown:
        raise ValueError(f"unknown feed(s) {unknown}; known: {sorted(FEEDS)}")
    started = time.monotonic()
    results = _fetch(names)
    return results, round((time.monotonic() - started) * 1000)


def _merge(results: dict[str, FeedResult], duration_ms: int, *, store: bool) -> dict[str, Any]:
    """Keep the results, build the summary and, when `store` and it changed, append it.

    Runs under a Redis lock so two runs finishing together append one entry each at most, in
    order; the (slow) fetch happens before, outside the lock.
    """
    lock: SharedLock | None
    try:
        lock = SharedLock(MERGE_LOCK, timeout=settings.CELERY_TASK_TIME_LIMIT)
        lock_ok = lock.acquire(wait=MERGE_LOCK_WAIT)
    except REDIS_DOWN_ERRORS:
        lock, lock_ok = None, False
    try:
        now = time.time()
        _results_keep(results, now)
        _btc_tick(results, now)
        summary = summary_build(now=now, fetch_duration_ms=duration_ms)
        fingerprint = _summary_fingerprint(summary)
        previous = ingest_records(names=[FINGERPRINT_RECORD])[FINGERPRINT_RECORD]
        if previous is None or previous.get("hash") != fingerprint:
            ingest_record_store(name=FINGERPRINT_RECORD, record={"hash": fingerprint}, ttl=SOURCE_RECORD_TTL)
            if store:
                summary_store(summary=summary)
                SUMMARY_WRITES.inc()
        return summary
    finally:
        if lock is not None and lock_ok and not lock.release():
            log.warning("summary merge lock expired before the merge ended")


def summary_refresh(*, sources: list[str] | None = None) -> dict[str, Any]:
    """Fetch the due feeds (or the named ones: prices, global, fear_greed, rsi, us_indices), merge
    them with the kept results, append the summary to the stream if it changed, and return it."""
    results, duration_ms = _fetch_named(sources)
    return _merge(results, duration_ms, store=True)


def summary_refresh_failed() -> dict[str, Any]:
    """Fetch again the slow feeds whose last attempt failed (quotas, cooldowns and breakers still
    apply), merge, append if changed, and return the summary."""
    results, duration_ms = _fetch_named(_feeds_failed(time.time()))
    return _merge(results, duration_ms, store=True)


def refresh_queue(*, expires: float) -> str | None:
    """Queue one `refresh_all` run for a worker (dropped if no worker starts it within `expires`
    seconds); its task id, or None when the broker cannot be reached."""
    try:
        # retry=False: with the broker down, answer now instead of retrying inside the request.
        result = current_app.send_task(REFRESH_ALL_TASK, retry=False, expires=expires)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("could not queue refresh_all: %s", exc.__class__.__name__)
        return None
    return result.id
