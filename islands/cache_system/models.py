"""The durable copy of the Redis streams: one MarketSnapshot row per stream entry.

Rows are written only by the backup consumer (islands/cache_system/backup.py), keyed by
(stream, stream_id) so a write repeated after a crash is ignored. The numeric summary fields
that history queries need are columns; the whole entry stays in `data` for restores.
"""

from __future__ import annotations

from django.db import models


class MarketSnapshot(models.Model):
    stream = models.CharField(max_length=64)
    stream_id = models.CharField(max_length=41, help_text="Redis stream id, <ms>-<seq>")
    # The id's two halves as integers: ordering and time buckets need numbers, not text.
    ms = models.BigIntegerField(help_text="milliseconds since the epoch (the stream id's first half)")
    seq = models.BigIntegerField(default=0)
    time = models.DateTimeField(help_text="when the entry entered the stream (UTC)")
    v = models.CharField(max_length=8, default="1")
    type = models.CharField(max_length=32)
    data = models.JSONField()

    btc_price_usd = models.FloatField(null=True, blank=True)
    btc_change_24h = models.FloatField(null=True, blank=True)
    eth_price_usd = models.FloatField(null=True, blank=True)
    eth_change_24h = models.FloatField(null=True, blank=True)
    sol_price_usd = models.FloatField(null=True, blank=True)
    sol_change_24h = models.FloatField(null=True, blank=True)
    xrp_price_usd = models.FloatField(null=True, blank=True)
    xrp_change_24h = models.FloatField(null=True, blank=True)
    ada_price_usd = models.FloatField(null=True, blank=True)
    ada_change_24h = models.FloatField(null=True, blank=True)
    link_price_usd = models.FloatField(null=True, blank=True)
    link_change_24h = models.FloatField(null=True, blank=True)
    bnb_price_usd = models.FloatField(null=True, blank=True)
    bnb_change_24h = models.FloatField(null=True, blank=True)
    market_cap_usd = models.FloatField(null=True, blank=True)
    volume_24h_usd = models.FloatField(null=True, blank=True)
    market_cap_change_percentage_24h_usd = models.FloatField(null=True, blank=True)
    btc_market_cap_percentage = models.FloatField(null=True, blank=True)
    eth_market_cap_percentage = models.FloatField(null=True, blank=True)
    fng_value = models.IntegerField(null=True, blank=True)
    btc_rsi_14 = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "stream_id"], name="snapshot_stream_id_unique")]
        indexes = [
            # Time-range reads (history, restore's "last N", retention bands) are all per stream.
            models.Index(fields=["stream", "ms", "seq"], name="snapshot_stream_ms"),
            # The admin's date filter and date hierarchy.
            models.Index(fields=["time"], name="snapshot_time"),
        ]
        ordering = ["-ms", "-seq"]

    def __str__(self) -> str:
        return f"{self.stream} {self.stream_id}"


# The summary numbers kept as columns (indexed reads, the admin). Any other number of
# market_schema.number_fields() (a coin added to settings.COINS) is read from `data` instead.
SNAPSHOT_COLUMN_FIELDS: frozenset[str] = frozenset(
    f.name for f in MarketSnapshot._meta.concrete_fields if isinstance(f, models.FloatField | models.IntegerField)
) - {"ms", "seq"}
