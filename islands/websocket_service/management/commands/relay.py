"""`manage.py relay`: the long-running stream -> web-process relay (see islands/websocket_service/relay.py).

SIGTERM or SIGINT set the consumer loop's stop flag: the current batch finishes (its entries are
sent and acknowledged) and the command exits 0. Several relays may run; each entry is delivered once.
"""

from __future__ import annotations

import asyncio
import signal
import threading

from channels.layers import get_channel_layer
from django.core.management.base import BaseCommand

from islands.websocket_service.relay import Relay, relay_name_default


class Command(BaseCommand):
    help = "Relay new entries of the market-data and BTC streams to every web process's sockets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", default=None, help="consumer name in the group (default: host-pid)")

    def handle(self, *args, **options) -> None:
        asyncio.run(self._main(options["name"] or relay_name_default()))

    async def _main(self, name: str) -> None:
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        relay = Relay(layer=get_channel_layer(), name=name)
        await relay.run(stop=stop)
