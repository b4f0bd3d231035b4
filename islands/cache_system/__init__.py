"""cache_system island (L1): the one place that talks to Redis.

Redis Streams (with an in-process fallback store), the tiered cache (L1 in-process, L2 Redis),
the stream-first read helper and heartbeats. It never calls an upstream API or renders HTTP.
"""
