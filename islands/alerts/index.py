"""The evaluator's in-memory index: per value key, the thresholds of active alerts kept sorted.

One entry costs O(keys it carries x log n + fired) instead of a look at every alert: a value that
went from `prev` to `cur` fires the "above" thresholds in (prev, cur] and the "below" thresholds
in [cur, prev), two bisections each. Pure data structure: built from rows, no I/O.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from islands.alerts.conditions import ABOVE


@dataclass(frozen=True, slots=True)
class IndexRow:
    alert_id: int
    key: str
    side: str  # above | below
    level: float


@dataclass(slots=True)
class _Side:
    levels: list[float] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


class AlertIndex:
    def __init__(self, rows: Iterable[IndexRow] = ()) -> None:
        grouped: dict[tuple[str, str], list[tuple[float, int]]] = {}
        for row in rows:
            grouped.setdefault((row.key, row.side), []).append((row.level, row.alert_id))
        self._sides: dict[tuple[str, str], _Side] = {}
        self.size = 0
        for where, pairs in grouped.items():
            pairs.sort()
            self._sides[where] = _Side([level for level, _ in pairs], [alert_id for _, alert_id in pairs])
            self.size += len(pairs)
        self.keys = frozenset(key for key, _side in self._sides)

    def crossed(self, key: str, prev: float, cur: float) -> list[int]:
        """Ids of the alerts on `key` whose threshold the move prev -> cur crossed."""
        if cur > prev:
            side = self._sides.get((key, ABOVE))
            if side is None:
                return []
            return side.ids[bisect_right(side.levels, prev) : bisect_right(side.levels, cur)]
        if cur < prev:
            side = self._sides.get((key, "below"))
            if side is None:
                return []
            return side.ids[bisect_left(side.levels, cur) : bisect_left(side.levels, prev)]
        return []

    def crossings(self, prev: Mapping[str, float], cur: Mapping[str, float]) -> list[tuple[int, str]]:
        """(alert id, key) of every crossing between two entries' values; keys unknown in either
        entry fire nothing (a value that was unknown has no side to cross from)."""
        fired: list[tuple[int, str]] = []
        for key in self.keys:
            before, now = prev.get(key), cur.get(key)
            if before is None or now is None:
                continue
            fired.extend((alert_id, key) for alert_id in self.crossed(key, before, now))
        return fired


def brute_force_crossings(rows: Iterable[IndexRow], prev: Mapping[str, float], cur: Mapping[str, float]) -> list[int]:
    """The same decision by looking at every alert: the baseline of bench/alerts.py and the tests."""
    fired = []
    for row in rows:
        before, now = prev.get(row.key), cur.get(row.key)
        if before is None or now is None:
            continue
        if (row.side == ABOVE and before < row.level <= now) or (row.side != ABOVE and now <= row.level < before):
            fired.append(row.alert_id)
    return fired
