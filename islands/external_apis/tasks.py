"""Celery tasks of the external_apis island: thin, synchronous adapters over the services.

Overlap is prevented in the service (a Redis lock per feed); time limits come from settings
(CELERY_TASK_SOFT_TIME_LIMIT/TIME_LIMIT) and the fetch budget keeps a run well inside them.
"""

from celery import shared_task

from islands.external_apis import market_ingest
from islands.external_apis.services import summary_refresh, summary_refresh_failed


@shared_task(ignore_result=True)
def feed_refresh(*, feed: str) -> None:
    """Scheduled by beat, one entry per feed (settings.INGEST_INTERVALS)."""
    summary_refresh(sources=[feed])


@shared_task(ignore_result=True)
def refresh_all() -> None:
    """Fetch every feed that is due: queued by the dashboard's refresh button and at beat start."""
    summary_refresh()


@shared_task(ignore_result=True)
def retry_failed() -> None:
    """Scheduled by beat: an hourly feed that failed is retried within a minute, not an hour."""
    summary_refresh_failed()


@shared_task(ignore_result=True)
def markets_refresh() -> None:
    """Scheduled by beat every INGEST_INTERVAL_MARKETS: the top-N table into crypto:markets."""
    market_ingest.markets_refresh()


@shared_task(ignore_result=True)
def candles_refresh() -> None:
    """Scheduled by beat every INGEST_INTERVAL_CANDLES: the tracked coins' candles that are due."""
    market_ingest.candles_refresh()
