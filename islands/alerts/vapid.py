"""VAPID key pairs in the form the settings take: base64url (no padding) raw P-256 keys.

The private key is the 32-byte scalar (pywebpush/py-vapid read it as such), the public key the
65-byte uncompressed point (what the browser's pushManager.subscribe wants as applicationServerKey).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_keys_new() -> tuple[str, str]:
    """(private, public) of a new key pair."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)
