"""The db_backup consumer behind `manage.py backup_streams`, on the shared consumer-group loop.

What is particular to the backup, and only that (reading, claiming, acknowledging, backoff and
stopping are consumer_loop.py's): each batch is written in one transaction and acknowledged by
the loop only after the commit; the idempotent insert turns a second delivery into a no-op. Each
time the group is (re)created, at a start or when Redis lost it, the streams first get back what
Redis lost from the table, and the group starts after what was restored (those rows are stored
already), or at the stream's beginning, so entries written before the group existed are kept too.

It must not decide what a row looks like (backup.py) nor serve reads (history.py).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from islands.cache_system.backup import GROUP, backup_streams, snapshots_store, stream_restore
from islands.cache_system.consumer_loop import Batch, ConsumerLoop
from islands.cache_system.services import heartbeat_record
from islands.cache_system.streams import StreamEntry


def backup_batch_write(batch: Batch) -> None:
    """Store one batch of entries of both streams in one transaction."""
    by_stream: dict[str, list[StreamEntry]] = defaultdict(list)
    for stream, entry in batch:
        by_stream[stream].append(entry)
    with transaction.atomic():
        for stream, entries in by_stream.items():
            snapshots_store(stream=stream, entries=entries)


def backup_group_start(stream: str, *, restore_count: int | None = None) -> str:
    """Put back what Redis lost of `stream`; the id the db_backup group starts after."""
    restored = stream_restore(stream=stream, count=restore_count)
    return restored.last_id or "0"


def backup_consumer(
    *,
    consumer: str,
    streams: Sequence[str] | None = None,
    batch: int | None = None,
    block_ms: int | None = None,
    claim_idle_ms: int | None = None,
    restore_count: int | None = None,
) -> ConsumerLoop:
    """The db_backup group's consumer `consumer` (stable per host, so a restart finds its pending)."""
    return ConsumerLoop(
        group=GROUP,
        consumer=consumer,
        streams=streams or backup_streams(),
        handler=backup_batch_write,
        start_id=functools.partial(backup_group_start, restore_count=restore_count),
        heartbeat=functools.partial(heartbeat_record, name="backup"),
        batch=batch or settings.BACKUP_BATCH_SIZE,
        block_ms=block_ms,
        claim_idle_ms=claim_idle_ms,
    )
