"""Fixtures of the bad-input suite: a stored summary, the ASGI app as a server drives it, and a
log check that fails any test whose request logged an error or a traceback."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator

import pytest
from channels.layers import channel_layers

from islands.cache_system.services import summary_store
from islands.dashboard.tests.conftest import SUMMARY
from islands.shared_components.page_cache import page_cache_reset


@pytest.fixture(autouse=True)
def _no_errors_logged(caplog) -> Iterator[None]:
    """Bad input is the client's problem: it may log a warning, never an error or a traceback."""
    caplog.set_level(logging.INFO)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    bad = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [(r.name, r.levelname, r.getMessage()[:200]) for r in bad]


@pytest.fixture(autouse=True)
def _fresh_process_state(settings) -> Iterator[None]:
    # Each test sees what it just stored, and each async test gets channel layers of its own loop.
    settings.SUMMARY_L1_TTL = 0.0
    page_cache_reset()
    channel_layers.backends.clear()
    yield
    page_cache_reset()
    channel_layers.backends.clear()


@pytest.fixture
def stored() -> str:
    """A complete summary in the real stream, so the page cache answers `/` and the summary API."""
    return summary_store(summary=copy.deepcopy(SUMMARY))
