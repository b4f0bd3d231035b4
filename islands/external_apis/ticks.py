"""The exchange tick ingest behind `manage.py ticks_ingest`: one Binance combined-stream WebSocket
for the tracked coins, its ticks into crypto:ticks.

- **One holder.** Several ingests may run (a standby per host); only the holder of the Redis lock
  TICK_LOCK_KEY keeps the exchange connection (one connection per IP is what Binance expects, and
  one writer keeps the stream free of duplicates). The holder renews it every third of
  TICK_LOCK_TTL_S; a standby tries every third as well, so it takes over at most about 1.3x the
  TTL after the holder died. A holder that finds the lock in other hands drops its connection.
- **Throttled writes.** At most one tick per coin per TICK_MIN_INTERVAL_MS goes into the stream:
  a faster coin's newest price waits for its slot (never an older one). The ticks that are due
  together go into one entry (one XADD), so a burst reaches the relay, and each web process, as
  one message. A write while Redis is down is dropped: a tick is worth something for a second.
- **The connection.** Reconnects with equal-jitter backoff (doubling up to TICK_BACKOFF_MAX_S,
  reset by the first good frame). The websockets library answers the exchange's pings by itself
  and pings it in turn. No frame for TICK_STALE_S: the connection is presumed dead and replaced.
  Binance closes a connection after 24 h: after TICK_RECONNECT_AFTER_S a new one is opened and
  the old one closed once the new one is up, so no tick is missed. A frame that is not a mini
  ticker of a tracked coin is skipped and logged (at most one line a second, with a count).

While no ingest holds a connection the REST feed (Celery beat) keeps every price; the page shows
which source each price came from, with its age.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.uri import parse_uri

from islands.cache_system.coordination import SharedLock
from islands.cache_system.errors import REDIS_DOWN_ERRORS, LockLost
from islands.cache_system.market_schema import tracked_coins
from islands.cache_system.services import TICKS_STATUS_RECORD, heartbeat_record, ingest_record_store, ticks_store
from islands.external_apis.clients.binance_ws import BadFrame, MiniTick, mini_tick_parse, stream_url

log = logging.getLogger(__name__)

TICK_LOCK_KEY = "cryptodash:lock:ticks_ingest"
TICK_SOURCE = "binance_ws"
BACKOFF_FIRST_S = 0.25
HEARTBEAT_INTERVAL_S = 5.0
GATHER_S = 0.005
# Errors of one connection attempt or of an open connection: reconnect, never exit.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OSError, InvalidHandshake, ConnectionClosed, TimeoutError)


def ingest_name_default() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class TickIngest:
    """One ingest process: standby until it holds the lock, then the connection and the writes."""

    def __init__(
        self,
        *,
        name: str | None = None,
        url: str | None = None,
        coins: tuple[str, ...] | None = None,
        store: Callable[[dict[str, dict[str, Any]]], object] | None = None,
        lock_ttl_s: float | None = None,
        stale_s: float | None = None,
        reconnect_after_s: float | None = None,
    ) -> None:
        self.name = name or ingest_name_default()
        symbols = {coin.key: coin.binance_symbol for coin in tracked_coins() if coins is None or coin.key in coins}
        self.coin_of: Mapping[str, str] = {symbol: coin for coin, symbol in symbols.items()}
        self.url = stream_url(url or settings.BINANCE_WS_URL, symbols.values())
        try:
            parse_uri(self.url)
        except InvalidURI as exc:
            raise ValueError(f"BINANCE_WS_URL must be a ws:// or wss:// URL: {exc}") from None
        self.store = store or (lambda ticks: ticks_store(ticks=ticks, source=TICK_SOURCE))
        self.lock_ttl_s = lock_ttl_s or settings.TICK_LOCK_TTL_S
        self.stale_s = stale_s or settings.TICK_STALE_S
        self.reconnect_after_s = reconnect_after_s or settings.TICK_RECONNECT_AFTER_S
        self.min_interval_s = settings.TICK_MIN_INTERVAL_MS / 1000
        self.backoff_max_s = settings.TICK_BACKOFF_MAX_S
        self.lock = SharedLock(TICK_LOCK_KEY, timeout=self.lock_ttl_s, token=self.name)
        # What the tests and the log read: how the connection fared.
        self.holding = False
        # Since when the holder's exchange connection is open (epoch s); None while it is not.
        self.connected_at: float | None = None
        self.connections = 0
        self.stale_replaced = 0
        self.rotations = 0
        self.garbage = 0
        self.written = 0
        self.write_failures = 0
        self._pending: dict[str, MiniTick] = {}
        self._written_at: dict[str, float] = {}
        self._new = asyncio.Event()
        self._garbage_logged_at = 0.0
        self._garbage_unlogged = 0
        self._failed = False

    # --- the lock ----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Standby, then hold the connection while the lock is ours, until `stop` is set."""
        log.info("ticks ingest %s: standby for %s", self.name, self.url)
        while not stop.is_set():
            try:
                taken = await asyncio.to_thread(self.lock.acquire)
            except REDIS_DOWN_ERRORS as exc:
                log.warning("ticks ingest %s: lock not reachable (%s)", self.name, exc)
                taken = False
            if taken:
                await self._hold(stop)
            await _wait(stop, self.lock_ttl_s / 3)
        log.info("ticks ingest %s: stopped after %d ticks", self.name, self.written)

    async def _hold(self, stop: asyncio.Event) -> None:
        self.holding = True
        log.info("ticks ingest %s: holding the exchange connection", self.name)
        tasks = [asyncio.create_task(self._connection()), asyncio.create_task(self._writer())]
        for task in tasks:
            task.add_done_callback(self._task_ended)
        keeper = asyncio.create_task(self._keep_lock(stop))
        try:
            await keeper
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.holding = False
            self._pending.clear()
            self.connected_at = None
            await self._status_record()
            if await asyncio.to_thread(self.lock.release):
                log.info("ticks ingest %s: released the exchange connection", self.name)

    def _task_ended(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            # A bug, not an outage: say so loudly; the lock keeper then lets the connection go.
            log.error("ticks ingest %s: %s failed", self.name, task.get_coro().__name__, exc_info=task.exception())
            self._failed = True

    async def _keep_lock(self, stop: asyncio.Event) -> None:
        """Renew until `stop`, or until another ingest holds the lock."""
        beat_at = 0.0
        while not await _wait(stop, self.lock_ttl_s / 3):
            if self._failed:
                raise RuntimeError("the ingest's connection or writer failed")
            try:
                await asyncio.to_thread(self.lock.renew)
            except LockLost:
                # Expired (an outage longer than the TTL, Redis restarted): ours again if nobody took it.
                if not await asyncio.to_thread(self.lock.acquire):
                    log.warning("ticks ingest %s: another ingest holds the connection now; standby", self.name)
                    return
            except REDIS_DOWN_ERRORS as exc:
                log.warning("ticks ingest %s: lock not renewed, Redis unreachable: %s", self.name, exc)
                continue
            if time.monotonic() >= beat_at:
                beat_at = time.monotonic() + HEARTBEAT_INTERVAL_S
                await asyncio.to_thread(heartbeat_record, name="ticks")
                await self._status_record()

    async def _status_record(self) -> None:
        """Whether the holder is connected to the exchange, for /health (written with each heartbeat
        and when the connection opens or closes; it expires a few heartbeats after the holder died)."""
        record = {"holder": self.name, "connected": self.connected_at is not None, "connected_at": self.connected_at}
        record["at"] = time.time()
        await asyncio.to_thread(
            ingest_record_store, name=TICKS_STATUS_RECORD, record=record, ttl=3 * HEARTBEAT_INTERVAL_S
        )

    # --- the connection ------------------------------------------------------------------------
    def backoff_delay(self, failures: int) -> float:
        """Equal jitter: half fixed, half random, doubling per failure up to the cap."""
        ceiling = min(self.backoff_max_s, BACKOFF_FIRST_S * 2 ** (failures - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def _open(self) -> ClientConnection:
        # The library answers pings and sends its own; a peer that stops answering them is closed.
        connection = await connect(self.url, open_timeout=10, close_timeout=2, max_size=1 << 16, compression=None)
        self.connections += 1
        return connection

    async def _connection(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            try:
                connection = await self._open()
            except CONNECTION_ERRORS as exc:
                failures += 1
                delay = self.backoff_delay(failures)
                log.warning("ticks ingest %s: connection failed (%r); retrying in %.2f s", self.name, exc, delay)
                await asyncio.sleep(delay)
                continue
            log.info("ticks ingest %s: connected to %s", self.name, self.url)
            opened = loop.time()
            self.connected_at = time.time()
            await self._status_record()
            try:
                while True:
                    rotate_in = opened + self.reconnect_after_s - loop.time()
                    if rotate_in <= 0:
                        connection, opened = await self._rotate(connection), loop.time()
                        continue
                    try:
                        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
                        # task's cancellation when a frame arrives at that moment, and the
                        # ingest would then never stop.
                        async with asyncio.timeout(min(self.stale_s, rotate_in)):
                            raw = await connection.recv()
                    except TimeoutError:
                        if opened + self.reconnect_after_s - loop.time() <= 0:
                            continue
                        self.stale_replaced += 1
                        log.warning(
                            "ticks ingest %s: no frame for %.1f s; replacing the connection", self.name, self.stale_s
                        )
                        break
                    if self._frame(raw):
                        failures = 0
            except ConnectionClosed as exc:
                log.warning("ticks ingest %s: connection closed (%s)", self.name, exc)
            finally:
                self.connected_at = None
                await _close(connection)
            await self._status_record()
            failures += 1
            delay = self.backoff_delay(failures)
            await asyncio.sleep(delay)

    async def _rotate(self, old: ClientConnection) -> ClientConnection:
        """Before the exchange's 24 h cut: the new connection first, then the old one closed."""
        try:
            new = await self._open()
        except CONNECTION_ERRORS as exc:
            log.warning("ticks ingest %s: no new connection before the 24 h cut (%r); reconnecting", self.name, exc)
            raise ConnectionClosed(None, None) from exc  # the old one goes too, then the usual backoff
        self.rotations += 1
        log.info("ticks ingest %s: connection renewed before the exchange's 24 h limit", self.name)
        await _close(old)
        return new

    def _frame(self, raw: str | bytes) -> bool:
        try:
            tick = mini_tick_parse(raw, self.coin_of)
        except BadFrame as exc:
            self._garbage_note(exc)
            return False
        self._pending[tick.coin] = tick
        self._new.set()
        return True

    def _garbage_note(self, exc: BadFrame) -> None:
        self.garbage += 1
        self._garbage_unlogged += 1
        now = time.monotonic()
        if now - self._garbage_logged_at >= 1.0:
            log.warning(
                "ticks ingest %s: skipped %d frame(s) that are no mini ticker, latest: %s",
                *(self.name, self._garbage_unlogged, exc),
            )
            self._garbage_logged_at, self._garbage_unlogged = now, 0

    # --- the writes ----------------------------------------------------------------------------
    async def _writer(self) -> None:
        while True:
            await self._new.wait()
            self._new.clear()
            # The exchange sends each coin as a message of its own: the rest of its round, a few
            # ms behind, joins this write, so a round reaches the sockets in one frame.
            await asyncio.sleep(GATHER_S)
            while self._pending:
                now = time.monotonic()
                due = [c for c in self._pending if now - self._written_at.get(c, -1e9) >= self.min_interval_s]
                if due:
                    ticks = {coin: self._pending.pop(coin) for coin in due}
                    for coin in due:
                        self._written_at[coin] = now
                    await self._write(ticks)
                if self._pending:
                    next_at = min(self._written_at.get(c, 0.0) + self.min_interval_s for c in self._pending)
                    await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _write(self, ticks: dict[str, MiniTick]) -> None:
        data = {
            coin: {"price_usd": t.price_usd, "change_24h": t.change_24h, "t": t.exchange_ms}
            for coin, t in ticks.items()
        }
        try:
            await asyncio.to_thread(self.store, data)
        except REDIS_DOWN_ERRORS as exc:
            self.write_failures += 1
            if self.write_failures == 1 or self.write_failures % 100 == 0:
                log.warning(
                    "ticks ingest %s: ticks dropped, Redis unreachable (%d so far): %s",
                    *(self.name, self.write_failures, exc),
                )
            return
        self.written += len(data)


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `stop` is set; True when it was set."""
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        return False
    return True


async def _close(connection: ClientConnection) -> None:
    try:
        await connection.close()
    except Exception as exc:  # already gone: nothing to close
        log.debug("closing the exchange connection: %r", exc)
