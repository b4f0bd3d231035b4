"""The launcher's output under LOG_FORMAT=json: one JSON object per line, whoever wrote the line.

The processes log JSON themselves (cryptodash/logformat.py); this passes their lines through
untouched and wraps every other line (honcho's own "web started", a banner, a warning printed
before logging is set up, a crash's traceback) into an object with the process's name, so a log
shipper reading `make run` never meets a line that is not JSON. Standard library only; no Django.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO


def json_line(message: str, *, process: str, level: str = "INFO", when: datetime | None = None) -> str:
    """A plain line as the JSON object the processes' own formatter would have made of it."""
    data: dict[str, Any] = {
        "time": (when or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": "stdout",
        "message": message,
        "process": process,
    }
    return json.dumps(data, ensure_ascii=False)


def is_json_object(line: str) -> bool:
    if not line.startswith("{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


class JsonLinesPrinter:
    """A honcho printer (the `write(message)` of honcho.printer.Printer) that prints JSON lines."""

    width = 0  # honcho sets it for its column layout; JSON has none

    def __init__(self, output: TextIO = sys.stdout) -> None:
        self.output = output

    def write(self, message: Any) -> None:
        data = message.data.decode("utf-8", "replace") if isinstance(message.data, bytes) else message.data
        when = message.time.astimezone() if message.time is not None else None
        for line in data.splitlines():
            if not line.strip():
                continue
            text = line if is_json_object(line) else json_line(line, process=message.name or "stack", when=when)
            print(text, file=self.output, flush=True)
