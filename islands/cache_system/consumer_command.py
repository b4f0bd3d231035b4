"""The management command of a consumer group: `manage.py backup_streams`, `manage.py evaluate_alerts`.

A thin adapter around the one consumer loop (consumer_loop.py): SIGTERM/SIGINT set its stop flag,
the loop finishes the batch under way and returns, and the signal handlers in place before are
put back. The relay runs the same loop under asyncio and stops through its event loop instead
(islands/websocket_service/management/commands/relay.py).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from islands.cache_system.consumer_loop import ConsumerLoop

log = logging.getLogger(__name__)


class ConsumerCommand(BaseCommand):
    """Runs `consumer_build(consumer=...)` until SIGTERM/SIGINT; subclasses name the group."""

    command: str  # the command's name, at the start of its log lines
    group: str  # the consumer group
    consumer_prefix: str  # the default consumer name is <prefix>-<hostname>

    def consumer_build(self, *, consumer: str) -> ConsumerLoop:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--consumer",
            # Stable across restarts on one host, so a restarted copy finds its own pending entries.
            default=f"{self.consumer_prefix}-{socket.gethostname()}",
            help=f"consumer name inside the {self.group} group (default: {self.consumer_prefix}-<hostname>)",
        )

    def handle(self, *args: Any, consumer: str, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            worker = self.consumer_build(consumer=consumer)
            # Logged, not printed: under LOG_FORMAT=json they are JSON lines like every other.
            log.info("%s: consumer %s on %s", self.command, consumer, ", ".join(worker.streams))
            worker.run(stop)
            log.info("%s: stopped after %d entries", self.command, worker.handled)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
