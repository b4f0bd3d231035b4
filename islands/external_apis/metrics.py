"""Prometheus metrics of the upstream calls (prometheus_client). Exposition, including the
multiprocess collector, belongs to the health_system island; this module only defines and counts."""

from prometheus_client import Counter, Histogram

UPSTREAM_REQUESTS = Counter(
    "cryptodash_upstream_requests_total",
    "HTTP requests made to an upstream API, by outcome (ok, rate_limited, auth, unavailable, bad_payload, failed).",
    ["source", "outcome"],
)
UPSTREAM_SKIPPED = Counter(
    "cryptodash_upstream_skipped_total",
    "Calls not made: Retry-After in effect (cooldown), global quota spent (quota) or breaker open (breaker).",
    ["source", "reason"],
)
UPSTREAM_LATENCY = Histogram(
    "cryptodash_upstream_request_seconds",
    "Duration of one upstream HTTP request, failures included.",
    ["source"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SUMMARY_WRITES = Counter(
    "cryptodash_summary_writes_total",
    "Summaries appended to crypto:market_data (a refresh that changes nothing appends none).",
)
