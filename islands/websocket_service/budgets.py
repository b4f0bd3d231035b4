"""What one client may ask of /ws: token buckets per socket and open sockets per client address.

Pure bookkeeping in memory, no I/O: the consumer asks before doing the work. The per-address count
is per web process (with WEB_WORKERS=N a client can hold N x WS_MAX_CONNECTIONS_PER_IP sockets in
all); a count shared through Redis would have to be taken back by a process that died, and a
process-local one can never leak past its process.
"""

from __future__ import annotations

import collections
import threading
import time


class TokenBucket:
    """burst requests at once, refilled at rate per second."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, *, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class AddressSlots:
    """Open sockets per client address in this process; `take` refuses one over the cap."""

    def __init__(self) -> None:
        self._open: collections.Counter[str] = collections.Counter()
        # Several event loops may share a process (tests, threaded servers).
        self._lock = threading.Lock()

    def take(self, address: str, *, cap: int) -> bool:
        with self._lock:
            if self._open[address] >= cap:
                return False
            self._open[address] += 1
            return True

    def give_back(self, address: str) -> None:
        with self._lock:
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]

    def count(self, address: str) -> int:
        with self._lock:
            return self._open.get(address, 0)


# The process's sockets, by client address (islands/shared_components/client_ip.py).
SOCKETS_PER_ADDRESS = AddressSlots()
