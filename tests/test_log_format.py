"""LOG_FORMAT=json: what one record becomes (the formatter alone; tests/test_stack_stop.py runs
the whole stack with it and parses every line)."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from django.test import RequestFactory

from cryptodash.logformat import JsonFormatter, formatter_config, log_format


def record(msg: str, *args: object, exc_info: object = None, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("some.logger", logging.WARNING, __file__, 1, msg, args or None, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_record_is_one_line_of_json_with_its_subject():
    request = RequestFactory().get("/api/crypto/dashboard-summary?x=1")
    line = JsonFormatter().format(record("Not Found: %s", request.path, request=request, status_code=404))

    data = json.loads(line)
    assert "\n" not in line
    assert data["level"] == "WARNING"
    assert data["logger"] == "some.logger"
    assert data["message"] == "Not Found: /api/crypto/dashboard-summary"
    assert (data["path"], data["method"], data["status"]) == ("/api/crypto/dashboard-summary", "GET", 404)
    assert data["time"].endswith("+00:00")


def test_named_arguments_and_extras_become_fields():
    access = record("%(method)s %(path)s %(status)d", {"method": "GET", "path": "/", "status": 200, "dt_ms": 1.5})
    consumer = record("took over", group="db_backup", consumer="backup-a", stream="crypto:market_data", stream_id="1-0")

    assert json.loads(JsonFormatter().format(access))["duration_ms"] == 1.5
    data = json.loads(JsonFormatter().format(consumer))
    assert (data["group"], data["stream"], data["stream_id"]) == ("db_backup", "crypto:market_data", "1-0")


def test_a_traceback_is_one_escaped_string():
    try:
        raise ValueError("boom")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_the_format_is_checked(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert log_format() == "json"
    assert formatter_config() == {"()": "cryptodash.logformat.JsonFormatter"}
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of plain, json"):
        log_format()
