"""What one client may ask of /ws: token buckets per socket and per client address, open sockets
per address, and a cool-down for an address whose sockets keep being closed for abuse.

Pure bookkeeping in memory, no I/O: the consumer asks before doing the work. Everything kept per
address is per web process (with WEB_WORKERS=N an address gets N times each allowance in all):
- the count of open sockets: a count shared through Redis would have to be taken back by a
  process that died, and a process-local one can never leak past its process;
- the snapshot/resume budget and the cool-down: what they protect is this process's event loop
  and threads. Asking Redis on every connect and every request would cost a round trip and a
  thread hop each (the event loop must not block on Redis), about what a refused request saves,
  and admission would then stall or fail with Redis. Per process, an abuser gets at most N
  times one process's allowance, a bounded amount.

A socket that reconnects from the same address finds the address's record as its predecessor
left it: the record lives while the address has open sockets, and after the last one closed
until its budget has refilled, its strikes have leaked away and its cool-down has passed.
"""

from __future__ import annotations

import enum
import threading
from time import monotonic

from django.conf import settings

# Records of addresses with no open socket are swept at most this often, on a handshake.
SWEEP_EVERY_S = 10.0


class TokenBucket:
    """burst requests at once, refilled at rate per second."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, *, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.at = monotonic()

    def take(self) -> bool:
        now = monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Refused(enum.Enum):
    """Why a handshake from an address is refused."""

    OVER_CAP = "WS_MAX_CONNECTIONS_PER_IP sockets already open (or refusals waiting)"
    # The refusal holds one of the address's slots until release(address): see consumers.py.
    COOLING_DOWN = "its sockets were closed for abuse WS_ABUSE_CLOSES_PER_IP times: cooling down"


class AddressRecord:
    """One client address in this process: open sockets, request budget, abuse strikes, cool-down.

    The request bucket is inlined (tokens, at) rather than a TokenBucket: one object per address.
    """

    __slots__ = ("at", "cool_until", "open", "strikes", "struck_at", "tokens")

    def __init__(self, now: float) -> None:
        self.open = 0
        self.tokens = float(settings.WS_RESUME_PER_IP_BURST)
        self.at = now
        self.strikes = 0.0
        self.struck_at = now
        self.cool_until = 0.0

    def idle_at(self) -> float:
        """When this record holds nothing a fresh one would not: full budget, no strikes, no cool-down."""
        refilled = self.at + (settings.WS_RESUME_PER_IP_BURST - self.tokens) / (
            settings.WS_RESUME_PER_IP_PER_MINUTE / 60
        )
        leaked = self.struck_at + self.strikes / _leak_per_second()
        return max(refilled, leaked, self.cool_until)


def _leak_per_second() -> float:
    # WS_ABUSE_CLOSES_PER_IP strikes leak away over one cool-down period.
    return settings.WS_ABUSE_CLOSES_PER_IP / settings.WS_ABUSE_COOLDOWN_S


class Addresses:
    """The client addresses of this process's sockets, and of recent ones still owing something."""

    def __init__(self) -> None:
        self._records: dict[str, AddressRecord] = {}
        # Addresses with no open socket whose record must outlive it: address -> idle_at.
        self._resting: dict[str, float] = {}
        self._next_sweep = 0.0
        # Several event loops may share a process (tests, threaded servers).
        self._lock = threading.Lock()

    def admit(self, address: str) -> AddressRecord | Refused:
        """Count a new socket from address, or say why it is refused (COOLING_DOWN counts it too)."""
        now = monotonic()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            record = self._records.get(address)
            if record is None:
                record = self._records[address] = AddressRecord(now)
            elif record.open >= settings.WS_MAX_CONNECTIONS_PER_IP:
                return Refused.OVER_CAP
            record.open += 1
            self._resting.pop(address, None)
            return Refused.COOLING_DOWN if record.cool_until > now else record

    def release(self, address: str) -> None:
        """A socket admitted from address has closed (or its COOLING_DOWN refusal was sent)."""
        with self._lock:
            record = self._records.get(address)
            if record is None:
                return
            record.open -= 1
            if record.open > 0:
                return
            idle_at = record.idle_at()
            if idle_at <= monotonic():
                del self._records[address]
            else:
                self._resting[address] = idle_at

    def take_request(self, record: AddressRecord) -> bool:
        """One snapshot/resume request from the address's budget, shared by all its sockets."""
        now = monotonic()
        with self._lock:
            refill = (now - record.at) * settings.WS_RESUME_PER_IP_PER_MINUTE / 60
            record.tokens = min(settings.WS_RESUME_PER_IP_BURST, record.tokens + refill)
            record.at = now
            if record.tokens < 1:
                return False
            record.tokens -= 1
            return True

    def strike(self, record: AddressRecord) -> bool:
        """A socket of the address was closed for abuse; True when that starts its cool-down."""
        now = monotonic()
        with self._lock:
            if record.cool_until > now:
                return False  # sockets opened before the cool-down, closed during it: already counted for
            leaked = (now - record.struck_at) * _leak_per_second()
            record.strikes = max(0.0, record.strikes - leaked) + 1
            record.struck_at = now
            if record.strikes < settings.WS_ABUSE_CLOSES_PER_IP:
                return False
            record.strikes = 0.0
            record.cool_until = now + settings.WS_ABUSE_COOLDOWN_S
            return True

    def count(self, address: str) -> int:
        """Open sockets from address."""
        with self._lock:
            record = self._records.get(address)
            return record.open if record is not None else 0

    def known(self) -> int:
        """Addresses with a record (open sockets, or owing budget, strikes or a cool-down)."""
        with self._lock:
            return len(self._records)

    def reset(self) -> None:
        """Forget every address (tests: the whole suite shares a few client addresses)."""
        with self._lock:
            self._records.clear()
            self._resting.clear()
            self._next_sweep = 0.0

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_EVERY_S
        for address in [a for a, idle_at in self._resting.items() if idle_at <= now]:
            del self._resting[address]
            del self._records[address]


# The process's sockets, by client address (islands/shared_components/client_ip.py).
ADDRESSES = Addresses()
