"""`manage.py ticks_ingest`: the exchange tick ingest, run by `make run` until SIGTERM/SIGINT.

A thin adapter over islands/external_apis/ticks.py: signals set a stop flag, the ingest closes
its connection, frees the lock (a standby takes over at once) and the command exits 0. Run two
for a standby: only the lock holder connects.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from islands.external_apis.ticks import TickIngest


class Command(BaseCommand):
    help = "Stream the tracked coins' exchange ticks (Binance WebSocket) into crypto:ticks until SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=None, help="lock token shown as the holder (default: host:pid)")

    def handle(self, *args: Any, name: str | None, **options: Any) -> None:
        asyncio.run(self._main(name))

    async def _main(self, name: str | None) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            ingest = TickIngest(name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        await ingest.run(stop)
