"""The /ws origin check compares scheme, host and port against WS_ALLOWED_ORIGINS.

It used to be Channels' AllowedHostsOriginValidator over ALLOWED_HOSTS, which ignores ports: any
other site on the same host (`Origin: http://localhost:3000`) could open sockets.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptodash.env import env_origins
from islands.websocket_service.tests.conftest import communicator


def _port() -> int:
    return int(settings.WS_ALLOWED_ORIGINS[0].rsplit(":", 1)[1])


async def _handshake(origin: str) -> tuple[bool, int | None]:
    comm = communicator(origin=(b"origin", origin.encode()))
    accepted, code = await comm.connect()
    await comm.disconnect()
    return accepted, code


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",  # another local site
        "http://localhost",  # port 80
        "http://127.0.0.1",
        "https://localhost:{port}",  # the scheme counts too
        "http://localhost:{port}.evil.example",
        "http://[::1]:{other}",
    ],
)
async def test_an_origin_with_another_port_or_scheme_is_refused(origin):
    accepted, _ = await _handshake(origin.format(port=_port(), other=_port() + 1))
    assert not accepted  # the server answers the handshake with 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
async def test_the_served_origin_is_accepted(host):
    accepted, _ = await _handshake(f"http://{host}:{_port()}")
    assert accepted


def test_the_default_is_the_served_port_on_loopback_names():
    assert settings.WS_ALLOWED_ORIGINS[:3] == [f"http://{h}:{_port()}" for h in ("127.0.0.1", "localhost", "[::1]")]


@pytest.mark.parametrize("value", ["*", "localhost:8050", "http://host/path", "ftp://host", "http://host:0"])
def test_a_setting_that_is_not_an_origin_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("WS_ALLOWED_ORIGINS", value)
    with pytest.raises(ImproperlyConfigured, match="WS_ALLOWED_ORIGINS"):
        env_origins("WS_ALLOWED_ORIGINS", [])
