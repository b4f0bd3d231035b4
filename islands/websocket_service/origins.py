"""The /ws handshake's origin check: scheme, host and port against settings.WS_ALLOWED_ORIGINS.

Channels' OriginValidator compares all three when the allowed entry has a scheme (every entry of
WS_ALLOWED_ORIGINS does, cryptodash/env.py checks it at start-up); its ALLOWED_HOSTS flavour, used
before, ignores ports. What it misses is an Origin whose port is not a number
(`http://localhost:8050.evil.example`): urllib raises ValueError and the handshake would end in a
traceback. Here that is a refusal like any other (403 at the handshake). No I/O, nothing else.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator


class StrictOriginValidator(OriginValidator):
    def valid_origin(self, parsed_origin: Any) -> bool:
        try:
            return super().valid_origin(parsed_origin)
        except ValueError:  # a port that is not a number, or out of range
            return False
