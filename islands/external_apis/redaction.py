"""Keeps the upstream keys out of every log record.

urllib3 logs each request line at DEBUG, query string included (TAAPI takes its secret there), and
a third-party message may quote a URL. A log-record factory replaces any configured secret by
"***" when the record is created, whatever logger or handler it goes through. It must not drop
records or change their level.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

REDACTED = "***"
SECRET_SETTINGS = ("CMC_API_KEY", "TAAPI_SECRET", "FINNHUB_API_KEY")


def secrets_configured() -> list[str]:
    return [value for name in SECRET_SETTINGS if (value := getattr(settings, name, "") or "")]


def redact(text: str) -> str:
    for secret in secrets_configured():
        text = text.replace(secret, REDACTED)
    return text


def _redacting_factory(base: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if secrets_configured():
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a malformed record is the logging module's to report
                return record
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    return factory


def redaction_install() -> None:
    """Wrap the process's log-record factory once."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))
