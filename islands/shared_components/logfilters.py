"""Logging filters of the project (wired in settings.LOGGING). They reshape records, never drop them.

Django logs each request it refuses as suspicious (a Host not in ALLOWED_HOSTS, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields) on `django.security.<exception>` at ERROR with the
exception's traceback. The client gets a 400 and the server is fine, so a scanner sending bad Host
headers must not fill the logs with tracebacks that read like server faults.
"""

from __future__ import annotations

import logging

# Django's loggers for suspicious requests caused by the client alone (django/core/handlers/exception.py).
CLIENT_ERROR_LOGGERS = (
    "django.security.DisallowedHost",
    "django.security.RequestDataTooBig",
    "django.security.TooManyFieldsSent",
    "django.security.TooManyFilesSent",
)


class ClientErrorAsWarning(logging.Filter):
    """One WARNING line without traceback for a request refused because of the client's input."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True
