"""A local push service for the tests: checks the VAPID JWT like a real one, decrypts the payload.

Each subscription it hands out is a browser's: a P-256 key pair and a 16-byte auth secret. A
message is accepted (201) only with a valid `vapid t=<JWT>, k=<key>` Authorization (ES256 signed by
k, aud = this service's origin, exp in the future, a sub) and an aes128gcm body it can decrypt
with the subscription's private key; an endpoint marked gone answers 410.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from islands.alerts.vapid import b64url


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}


@dataclass
class FakePushService:
    origin: str = ""
    browsers: dict[str, Browser] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def browser(self) -> Browser:
        name = f"b{len(self.browsers)}"
        browser = Browser(ec.generate_private_key(ec.SECP256R1()), bytes(range(16)), f"{self.origin}/push/{name}")
        self.browsers[name] = browser
        return browser

    def check(self, path: str, headers: Any, body: bytes) -> int:
        name = path.rsplit("/", 1)[-1]
        if name in self.gone:
            return 410
        browser = self.browsers.get(name)
        if browser is None:
            return 404
        problem = self._vapid_problem(headers.get("Authorization", ""))
        if problem:
            self.refused.append(problem)
            return 403
        plain = http_ece.decrypt(body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm")
        self.received.append({"endpoint": name, "payload": json.loads(plain), "ttl": headers.get("TTL")})
        return 201

    def _vapid_problem(self, authorization: str) -> str:
        if not authorization.startswith("vapid "):
            return f"not a vapid Authorization: {authorization[:30]!r}"
        parts = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        token, key = parts.get("t", ""), parts.get("k", "")
        try:
            head, claims, signature = token.split(".")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
            raw = unb64(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature) as exc:
            return f"bad JWT signature: {exc!r}"
        body = json.loads(unb64(claims))
        if json.loads(unb64(head)).get("alg") != "ES256":
            return "alg is not ES256"
        if body.get("aud") != self.origin:
            return f"aud {body.get('aud')!r} is not {self.origin!r}"
        if not body.get("sub") or int(body.get("exp", 0)) <= time.time():
            return "sub missing or exp passed"
        return ""


def fake_push_start() -> tuple[FakePushService, ThreadingHTTPServer]:
    service = FakePushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = service.check(self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.origin = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service, server
