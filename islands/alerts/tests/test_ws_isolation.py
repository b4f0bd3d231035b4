"""A fired alert reaches its owner's sockets only: never another user's, never an anonymous one."""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from cryptodash.asgi import application
from islands.alerts.evaluator import alerts_consumer
from islands.alerts.tests.conftest import alert_make, btc_at, user_make
from islands.websocket_service.services import user_frame_send, user_group
from islands.websocket_service.tests.conftest import ORIGIN, hub_joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


def in_thread(fn):
    """Database work of the test off asgiref's shared thread: a connection left there would be
    found by Channels' close_old_connections in a later test that may not use the database."""
    return sync_to_async(fn, thread_sensitive=False)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def opened(cookie: bytes | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN, (b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", b"cryptodash_lang=en; " + cookie))
    comm = WebsocketCommunicator(application, "/ws", headers=headers)
    accepted, _ = await comm.connect()
    assert accepted
    assert orjson.loads(await comm.receive_from())["type"] == "connected"
    await comm.receive_from()  # the snapshot, or "no data yet"
    return comm


async def group_members(redis_conn, user_id: int) -> int:
    return redis_conn.zcard(f"{get_channel_layer().prefix}:group:{user_group(user_id)}")


async def test_a_user_frame_reaches_every_socket_of_that_user_and_no_other(redis_conn):
    ann, bob = await in_thread(user_make)("ann@example.org"), await in_thread(user_make)("bob@example.org")
    ann_cookie, bob_cookie = await in_thread(session_cookie)(ann), await in_thread(session_cookie)(bob)
    ann_1, ann_2, bob_1 = await opened(ann_cookie), await opened(ann_cookie), await opened(bob_cookie)
    anonymous = await opened()
    forged = await opened(b"sessionid=not-a-session-key")
    await hub_joined(redis_conn)
    # One membership per user and process (the hub's), whatever the number of sockets.
    assert await group_members(redis_conn, ann.pk) == 1

    await user_frame_send(layer=get_channel_layer(), user_id=ann.pk, frame='{"type":"alert","fire_id":1}')
    for comm in (ann_1, ann_2):
        assert orjson.loads(await comm.receive_from()) == {"type": "alert", "fire_id": 1}
    for comm in (bob_1, anonymous, forged):
        assert await comm.receive_nothing(timeout=0.3)

    for comm in (ann_1, ann_2, bob_1, anonymous, forged):
        await comm.disconnect()
    assert await group_members(redis_conn, ann.pk) == 0


async def test_an_alert_fired_by_the_evaluator_arrives_on_its_owners_socket(redis_conn):
    ann, bob = await in_thread(user_make)("ann@example.org"), await in_thread(user_make)("bob@example.org")
    alert = await in_thread(alert_make)(ann, threshold=100_000, note="take profit")
    mine, theirs = (
        await opened(await in_thread(session_cookie)(ann)),
        await opened(await in_thread(session_cookie)(bob)),
    )
    await hub_joined(redis_conn)

    def evaluate() -> None:
        loop = alerts_consumer(consumer="alerts-a", block_ms=10)
        loop.prepare()
        btc_at(99_000)
        btc_at(100_500)
        while loop.step():
            pass

    await in_thread(evaluate)()
    frames = []
    while True:  # the two market-data entries are not relayed here (no relay runs): only the alert
        frame = orjson.loads(await mine.receive_from())
        frames.append(frame)
        if frame["type"] == "alert":
            break
    assert frame["alert_id"] == alert.pk
    assert frame["value"] == 100_500
    assert frame["note"] == "take profit"
    assert "BTC" in frame["text"]["en"]
    assert frame["text"]["vi"] != frame["text"]["en"]
    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()
