"""alternative.me Fear & Greed index (`/fng/?limit=1`): the value arrives as a string."""

from __future__ import annotations

from islands.external_apis.clients.base import Deadline, UpstreamClient, number
from islands.external_apis.clients.types import FearGreed
from islands.external_apis.errors import BadPayload


class AlternativeMeClient(UpstreamClient):
    source = "alternative_me"

    def fear_greed(self, *, deadline: Deadline) -> FearGreed:
        data = self.get_json("/fng/", deadline=deadline, params={"limit": "1"})
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
            raise BadPayload(self.source, "no index value in the answer")
        value = number(rows[0].get("value"), low=0.0, high=100.0)
        if value is None or value != int(value):
            raise BadPayload(self.source, "index value is not an integer 0-100")
        classification = rows[0].get("value_classification")
        return FearGreed(int(value), classification if isinstance(classification, str) else None)
