"""`manage.py backup_streams`: the db_backup consumer, run by `make run` until SIGTERM/SIGINT.

A thin adapter: signals set a stop flag, the consumer loop finishes the batch under way and
returns (islands/cache_system/consumer_loop.py, backup_worker.py).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from islands.cache_system.backup_worker import backup_consumer

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Copy the market streams into the database (consumer group db_backup) until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--consumer",
            # Stable across restarts on one host, so a restarted copy finds its own pending entries.
            default=f"backup-{socket.gethostname()}",
            help="consumer name inside the db_backup group (default: backup-<hostname>)",
        )

    def handle(self, *args: Any, consumer: str, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            worker = backup_consumer(consumer=consumer)
            # Logged, not printed: under LOG_FORMAT=json they are JSON lines like every other.
            log.info("backup_streams: consumer %s on %s", consumer, ", ".join(worker.streams))
            worker.run(stop)
            log.info("backup_streams: stopped after writing %d entries", worker.handled)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
