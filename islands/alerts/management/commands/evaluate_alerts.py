"""`manage.py evaluate_alerts`: the `alerts` consumer group, run by `make run` until SIGTERM/SIGINT.

A thin adapter: signals set a stop flag, the consumer loop finishes the batch under way and
returns (islands/cache_system/consumer_loop.py, islands/alerts/evaluator.py).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from islands.alerts.evaluator import alerts_consumer

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Evaluate price and indicator alerts on every new market-stream entry (consumer group alerts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--consumer",
            # Stable across restarts on one host, so a restarted copy finds its own pending entries.
            default=f"alerts-{socket.gethostname()}",
            help="consumer name inside the alerts group (default: alerts-<hostname>)",
        )

    def handle(self, *args: Any, consumer: str, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            worker = alerts_consumer(consumer=consumer)
            log.info("evaluate_alerts: consumer %s on %s", consumer, ", ".join(worker.streams))
            worker.run(stop)
            log.info("evaluate_alerts: stopped after %d entries", worker.handled)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
