"""`manage.py relay` as a process: it records a heartbeat, relays, and SIGTERM ends it cleanly."""

from __future__ import annotations

import signal
import time

from islands.cache_system.selectors import heartbeat_age
from islands.cache_system.stores import stream_store
from islands.websocket_service.tests.processes import relay_process


def test_the_relay_command_records_a_heartbeat_and_exits_0_on_sigterm(tmp_path):
    with relay_process(tmp_path, name="relay-cmd") as process:
        deadline = time.monotonic() + 20
        while heartbeat_age(name="relay") is None:
            assert time.monotonic() < deadline, "no heartbeat from the relay"
            time.sleep(0.05)
        groups = {g["name"] for g in stream_store().group_info("crypto:market_data")}
        assert "websocket_broadcast" in groups
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
