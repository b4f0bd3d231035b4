"""What every part of the launcher shares: paths, the operator-facing error, log lines, URL masking.

It must not import Django (settings read REDIS_URL at import time, and the launcher sets it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptodash.logformat import log_format
from cryptodash.stack.printer import json_line

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(os.environ.get("CRYPTODASH_RUN_DIR", BASE_DIR / ".run"))
BIN_DIR = Path(sys.executable).parent
PYTHON = sys.executable
MANAGE = str(BASE_DIR / "manage.py")


class StackError(Exception):
    """A start-up problem the operator must fix; printed without a traceback."""


def log(message: str) -> None:
    if log_format() == "json":
        print(json_line(message, process="stack"), flush=True)
    else:
        print(f"[stack] {message}", flush=True)


def mask_url(url: str) -> str:
    """The URL with any password replaced, for messages (the password never reaches a log)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
