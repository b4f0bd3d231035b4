"""Log formats of every process: `LOG_FORMAT=plain` (default) or `json` (one JSON object per line).

The JSON formatter is used by settings.LOGGING (web, relay, backup, manage.py), by Celery's worker
and beat (cryptodash/celery.py configures their logging from the same settings) and by granian's
own logger (`--log-config`, the file `granian_log_config()` writes). Each line carries the time
(UTC, ISO 8601), level, logger, message, pid and process name, the process's role when the
launcher named it (CRYPTODASH_PROCESS), and what the record knows of its subject: a request's
path, method and status (Django's request loggers, granian's access log), a stream, group, entry
id or task id (records that pass them as `extra` or as named arguments). A traceback is one
escaped string in `exception`, never extra lines.

Plain Python only: granian's main process loads it before any Django setting exists.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOG_FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# What a LogRecord has of its own; anything else on it came in through `extra`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Named arguments worth a field of their own: granian's access log (path, status, method, dt_ms,
# addr) and Celery's task lines (name, id).
_ARG_FIELDS = {
    "path": "path",
    "status": "status",
    "method": "method",
    "dt_ms": "duration_ms",
    "addr": "client",
    "id": "task_id",
    "name": "task",
}


def log_format() -> str:
    """LOG_FORMAT, checked (plain Python: the launcher and granian's config use it too)."""
    value = os.environ.get("LOG_FORMAT", "plain").strip().lower() or "plain"
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    role = os.environ.get("CRYPTODASH_PROCESS")

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            "process_name": record.processName,
        }
        if self.role:
            data["process"] = self.role
        if isinstance(record.args, Mapping):
            data.update({field: _plain(record.args[key]) for key, field in _ARG_FIELDS.items() if key in record.args})
        extra = {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS and key[0] != "_"}
        request = extra.pop("request", None)
        if hasattr(request, "path"):  # Django's request loggers: the HttpRequest and status_code
            data.update(path=request.path, method=getattr(request, "method", None))
        if "status_code" in extra:
            data["status"] = _plain(extra.pop("status_code"))
        for key, value in extra.items():
            data.setdefault(key, _plain(value))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def formatter_config() -> dict[str, Any]:
    """The `formatters` entry of a logging dictConfig for LOG_FORMAT."""
    if log_format() == "json":
        return {"()": f"{__name__}.JsonFormatter"}
    return {"format": PLAIN_FORMAT}


def granian_log_config(path: Path) -> Path:
    """Write the web server's logging dictConfig for LOG_FORMAT=json to `path` (for `--log-config`:
    granian's loggers, and uvicorn's, which read the same dictConfig file format)."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter_config()},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
    path.write_text(json.dumps(config, indent=2))
    return path
