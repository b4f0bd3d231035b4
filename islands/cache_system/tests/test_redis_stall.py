"""A hung Redis (SIGSTOP, not a closed port) under the running stack: web, relay, backup writer,
Celery worker and beat ingesting from the fake upstream.

The harness is bench/redis_stall.py's (the same run, with a short pause): it starts its own
Redis, since pausing the suite's shared one would stall every other test. While Redis is paused
every route still answers 200 from the last known data, the summary API and its cached variant
mark it stale, /health answers 503 "unhealthy" with the reason; after SIGCONT the connected
WebSocket client gets every new entry, once and in order, and so does the backup, and the
ingest's tasks run again. The latencies
are printed, not asserted (timing depends on the machine).
"""

from __future__ import annotations

import pytest

from bench.redis_stall import JSON_ROUTES, ROUTES, report, run

pytestmark = pytest.mark.processes

PAUSE_S = 5.0
# The request path's breakers open within REDIS_REQUEST_TIMEOUT / CACHE_SOCKET_TIMEOUT and the
# fast path looks the summary up again within SUMMARY_L1_TTL: from then on, stale is certain.
STALE_CERTAIN_AFTER_S = 2.0


async def test_paused_redis_neither_stalls_nor_loses_anything(tmp_path, capsys):
    record = await run(tmp_path, pause=PAUSE_S, warm=2.0, after=3.0)
    with capsys.disabled():
        print(f"\nRedis paused {PAUSE_S:g} s under the stack (latencies, not asserted):")
        print(report(record))

    paused = [s for s in record.samples if record.phase(s) == "paused"]
    assert {s.route for s in paused} == set(ROUTES)
    assert [s for s in paused if s.status != 200] == []
    settled = [s for s in paused if s.route in JSON_ROUTES and s.started >= record.paused_at + STALE_CERTAIN_AFTER_S]
    assert settled
    assert [s for s in settled if s.stale is not True] == []

    health = [s for s in record.health if record.phase(s) == "paused"]
    assert health
    for sample in health:
        assert sample.status == 503
        assert sample.body["status"] == "unhealthy"
        cache = sample.body["islands"]["cache_system"]
        assert cache["status"] == "unhealthy"
        assert cache["reason"].startswith(("Redis does not answer PING", "timeout: no answer within"))
    assert record.health[-1].status == 200  # healthy or degraded again once Redis answers

    assert record.client_alive
    # Every entry after the client's last one before the pause, whoever wrote it, reached the
    # client once and in stream order, and the backup.
    after = set(record.stream_after)
    assert set(record.written_after) <= after
    assert [stream_id for _at, stream_id in record.received if stream_id in after] == record.stream_after
    assert after <= record.backed_up
    # Celery's beat and worker went on after SIGCONT: the ingest wrote again.
    assert record.ingest_after_resume()
