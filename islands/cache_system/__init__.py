"""cache_system island (L1): the one place that talks to Redis.

Redis Streams (with an in-process fallback store), the tiered cache (L1 in-process, L2 Redis),
the stream-first read helper, heartbeats and ingest records, and cross-process coordination
(shared locks, cooldowns, the rate limiters' and circuit breakers' storage). No other island
imports a Redis client (a contract in pyproject.toml). It never calls an upstream API or renders
HTTP.
"""
