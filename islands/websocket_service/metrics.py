"""Prometheus metrics of the websocket_service island (exposed by health_system's /metrics)."""

from prometheus_client import Gauge

# "livesum": a scrape adds up the web processes that are alive, so a crashed worker's sockets
# do not linger in the total (the reader drops dead pids' files: shared_components/process_metrics.py).
WS_CONNECTIONS_METRIC = "cryptodash_ws_connections"
WS_CONNECTIONS = Gauge(
    WS_CONNECTIONS_METRIC,
    "Open /ws sockets served by the web processes.",
    multiprocess_mode="livesum",
)
# A process starts with no sockets. Said explicitly because a reused pid reopens the gauge file a
# dead process left (with its count) when no reader has swept it yet.
WS_CONNECTIONS.set(0)
