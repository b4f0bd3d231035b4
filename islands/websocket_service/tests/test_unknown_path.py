"""A WebSocket to a path without a route is refused at the handshake, not an exception in the router."""

import pytest

from islands.websocket_service.tests.conftest import communicator


@pytest.mark.parametrize("path", ["/ws/", "/socket.io/?EIO=4&transport=websocket"])
async def test_it_refuses_a_socket_to_an_unknown_path(path):
    comm = communicator(path)
    accepted, _code = await comm.connect()
    assert not accepted
    await comm.disconnect()
