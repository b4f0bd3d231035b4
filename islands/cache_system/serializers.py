"""The cache's value format in Redis: JSON (orjson), never pickle.

django-redis pickles by default, and unpickling runs code chosen by whoever wrote the value: anyone
able to write one key would run code in every web process. JSON only ever yields data. What the
site caches is JSON already (the summary, and the tiered cache's `(expires_at, value)` pair, which
comes back as a list). A stored value that is not JSON (written by an older, pickling version or
by someone else) reads as a miss and is logged, never raised: the readers fall back as on any miss.

It must not be used for values that are not plain JSON data (bytes, sets, datetimes, responses).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django_redis.serializers.base import BaseSerializer

log = logging.getLogger(__name__)


class JSONSerializer(BaseSerializer):
    def dumps(self, value: Any) -> bytes:
        return orjson.dumps(value)

    def loads(self, value: bytes) -> Any:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            log.warning("a cache value in Redis is not JSON (%d bytes); read as a miss", len(value))
            return None
