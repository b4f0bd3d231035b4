"""`manage.py fake_upstream`: serve the fake upstream APIs until SIGTERM/Ctrl-C (see server.py)."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from islands.external_apis.fake_upstream.server import FakeUpstream, scenarios_load

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve fake CoinGecko, Binance, alternative.me, TAAPI, Finnhub and CoinMarketCap APIs (demo, tests)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8060)
        parser.add_argument("--ws-port", type=int, default=0, help="port of the tick WebSocket (default: any free one)")
        parser.add_argument("--seed", type=int, default=42, help="seed of the price random walk")
        parser.add_argument("--scenario", default="normal", help="initial scenario (POST /__scenario to switch)")

    def handle(self, *args, host: str, port: int, ws_port: int, seed: int, scenario: str, **options):
        if scenario not in scenarios_load():
            raise CommandError(f"unknown scenario {scenario!r}; known: {', '.join(sorted(scenarios_load()))}")
        try:
            server = FakeUpstream(host=host, port=port, seed=seed, scenario=scenario, ws_port=ws_port)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from None
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        server.start()
        # Logged, not printed: under LOG_FORMAT=json it is a JSON line like every other.
        log.info(
            "fake upstream on %s, ticks on %s (scenario %s, seed %s)", server.url, server.ticks.url, scenario, seed
        )
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
