"""Celery tasks of the cache_system island."""

from celery import shared_task

from islands.cache_system.backup import snapshot_retention_apply
from islands.cache_system.services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat and run by a worker: its age in Redis shows both are alive (/health)."""
    heartbeat_record(name="celery")


@shared_task(ignore_result=True)
def snapshot_retention() -> None:
    """Thin the stream backup to the retention settings (beat, every 10 minutes)."""
    snapshot_retention_apply()
