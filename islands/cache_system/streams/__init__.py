"""Redis Streams for the whole project: entries, the Redis store, its in-process fallback and the
resilient store that switches between them (one module each).

Other modules import these names from `islands.cache_system.streams`; the process-wide instance
is `islands.cache_system.stores.stream_store()`.
"""

from islands.cache_system.errors import StoreUnavailable
from islands.cache_system.streams.entries import SCHEMA_VERSION, StreamEntry, parse_id
from islands.cache_system.streams.memory_store import MemoryStreamStore
from islands.cache_system.streams.redis_store import RedisStreamStore
from islands.cache_system.streams.resilient_store import ResilientStreamStore

__all__ = [
    "SCHEMA_VERSION",
    "MemoryStreamStore",
    "RedisStreamStore",
    "ResilientStreamStore",
    "StoreUnavailable",
    "StreamEntry",
    "parse_id",
]
