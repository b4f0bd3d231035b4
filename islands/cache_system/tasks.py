"""Celery tasks of the cache_system island."""

from celery import shared_task

from islands.cache_system.services import heartbeat_record


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat and run by a worker: its age in Redis shows both are alive (/health)."""
    heartbeat_record(name="celery")
