"""The `alerts` consumer group: each market-stream entry evaluated once, on the shared loop.

What is the evaluator's own (reading, claiming, acknowledging, backoff and stopping are
cache_system/consumer_loop.py's): per entry, the values of the entry before it in the stream and
of the entry itself go through the index (index.py), which names the alerts whose threshold lies
between the two; `fires_record` stores those fires and their deliveries in one transaction keyed
by (alert, stream id); `deliveries_dispatch` sends or queues what is pending; the loop then XACKs.

Why the previous value comes from the stream and not from memory: the decision for an entry must
be the same whoever makes it and however often (a restarted evaluator, or another one that claimed
the entry with XAUTOCLAIM, has no memory of what came before). The entry's predecessor is one
XREVRANGE away, and its values are remembered for the next entry, which usually follows it.
A kill anywhere is then harmless: before the commit nothing was stored and the entry comes back;
after it, the fire is found by its key and only deliveries still pending are sent.

Tracked coins, Fear & Greed and RSI come from the summary (crypto:market_data); the other coins
of the market table from crypto:markets, whose rows of tracked coins are skipped (one price move
is one crossing, not one per stream). The index is rebuilt when the alerts table changed (count
or newest update), checked once per batch.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Count, Max

from islands.alerts.conditions import alert_key, alert_level, alert_side, fx_rates_of, markets_values, summary_values
from islands.alerts.delivery import deliveries_dispatch, deliveries_lease_sweep
from islands.alerts.index import AlertIndex, IndexRow
from islands.alerts.models import Alert
from islands.alerts.selectors import tracked_ids, tracked_keys
from islands.alerts.services import Decision, fires_record
from islands.cache_system.consumer_loop import Batch, ConsumerLoop
from islands.cache_system.services import heartbeat_record
from islands.cache_system.stores import stream_store
from islands.cache_system.streams import StreamEntry

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000
# An "hour ago" entry younger than this is no base for a 1 h change.
HOUR_BASE_MIN_MS = 50 * 60_000
VALUES_REMEMBERED = 64


def alert_streams() -> list[str]:
    """The summary (tracked coins, Fear & Greed, RSI) and the market table (the other coins)."""
    return [settings.STREAM_MARKET_DATA, settings.STREAM_MARKETS]


def index_rows() -> list[IndexRow]:
    rows = Alert.objects.filter(active=True).values_list("pk", "kind", "coin", "currency", "window", "threshold")
    return [
        IndexRow(
            alert_id=pk,
            key=alert_key(kind=kind, coin=coin, currency=currency, window=window),
            side=alert_side(kind),
            level=alert_level(kind, float(threshold)),
        )
        for pk, kind, coin, currency, window, threshold in rows
    ]


class Evaluator:
    """The batch handler of the `alerts` group (one per evaluator process)."""

    def __init__(self) -> None:
        self.index = AlertIndex()
        self._version: tuple | None = None
        self._values: OrderedDict[tuple[str, str], dict[str, float]] = OrderedDict()
        self.coins = tracked_keys()
        self.tracked_ids = tracked_ids()
        self.fired = 0

    def index_refresh(self) -> AlertIndex:
        version = tuple(Alert.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
        if version != self._version:
            self.index = AlertIndex(index_rows())
            self._version = version
            log.info("alerts index: %d active alerts on %d keys", self.index.size, len(self.index.keys))
        return self.index

    def __call__(self, batch: Batch) -> None:
        index = self.index_refresh()
        decisions: list[Decision] = []
        if index.size:
            for stream, entry in batch:
                decisions += self.decide(index, stream, entry)
        fire_ids = fires_record(decisions)
        self.fired += len(fire_ids)
        deliveries_dispatch(fire_ids)

    def decide(self, index: AlertIndex, stream: str, entry: StreamEntry) -> list[Decision]:
        before = stream_store().revrange(stream, end=f"({entry.id}", count=1)
        if not before:
            return []  # the stream's first entry (or its predecessor was trimmed): nothing to cross from
        previous = self.values(index, stream, before[0])
        current = self.values(index, stream, entry)
        fired_at = dt.datetime.fromtimestamp(entry.ms / 1000, tz=dt.UTC)
        return [
            Decision(
                alert_id=alert_id,
                stream=stream,
                stream_id=entry.id,
                fired_at=fired_at,
                value=current[key],
                previous=previous[key],
            )
            for alert_id, key in index.crossings(previous, current)
        ]

    def values(self, index: AlertIndex, stream: str, entry: StreamEntry) -> dict[str, float]:
        remembered = self._values.get((stream, entry.id))
        if remembered is not None:
            return remembered
        if stream == settings.STREAM_MARKETS:
            # Prices in other currencies at the rates of that time: the summary at or before it.
            summary = stream_store().revrange(settings.STREAM_MARKET_DATA, end=entry.id, count=1)
            rates = fx_rates_of(summary[0].data) if summary else {}
            values = markets_values(entry.data, skip=self.tracked_ids, rates=rates)
        else:
            hour_ago = None
            if any(key.endswith(":1h") for key in index.keys):
                base = stream_store().range(stream, start=str(entry.ms - HOUR_MS), count=1)
                if base and entry.ms - base[0].ms >= HOUR_BASE_MIN_MS:
                    hour_ago = base[0].data
            values = summary_values(entry.data, coins=self.coins, hour_ago=hour_ago)
        self._values[(stream, entry.id)] = values
        while len(self._values) > VALUES_REMEMBERED:
            self._values.popitem(last=False)
        return values


def alerts_tick() -> None:
    """Every CONSUMER_HEARTBEAT_INTERVAL, idle or not: the heartbeat for /health, and the deliveries
    whose lease expired (a sender killed between its claim and its send) sent again."""
    heartbeat_record(name="alerts")
    deliveries_lease_sweep()


def alerts_consumer(
    *,
    consumer: str,
    streams: Sequence[str] | None = None,
    block_ms: int | None = None,
    claim_idle_ms: int | None = None,
    evaluator: Evaluator | None = None,
) -> ConsumerLoop:
    """The `alerts` group's consumer `consumer`; a new group starts at the stream's end."""
    return ConsumerLoop(
        group=settings.ALERTS_GROUP,
        consumer=consumer,
        streams=streams or alert_streams(),
        handler=evaluator or Evaluator(),
        heartbeat=alerts_tick,
        block_ms=block_ms,
        claim_idle_ms=claim_idle_ms,
    )
