"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from islands.websocket_service.budgets import ADDRESSES


@pytest.fixture(autouse=True)
def _fresh_websocket_addresses() -> Iterator[None]:
    """Every test starts with no /ws client address known to this process: the suite's sockets share
    a few addresses, and one test's abuse (a spent budget, a cool-down) must not throttle the next."""
    ADDRESSES.reset()
    yield
    ADDRESSES.reset()
