"""After log-out, a socket the session opened gets none of that user's alerts; the user's other
sessions still do."""

from __future__ import annotations

import orjson
import pytest
from django.conf import settings
from django.test import Client

from islands.alerts.evaluator import alerts_consumer
from islands.alerts.tests.conftest import alert_make, btc_at, user_make
from islands.alerts.tests.test_ws_isolation import group_members, in_thread, opened
from islands.websocket_service.tests.conftest import hub_joined

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


def signed_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def evaluate() -> None:
    loop = alerts_consumer(consumer="alerts-a", block_ms=10)
    loop.prepare()
    btc_at(99_000)
    btc_at(100_500)
    while loop.step():
        pass


async def alert_frame(comm) -> dict:
    while True:  # no relay runs here: the alert is the only frame that comes
        frame = orjson.loads(await comm.receive_from())
        if frame["type"] == "alert":
            return frame


async def test_an_alert_fired_after_log_out_does_not_reach_the_logged_out_socket(redis_conn):
    ann = await in_thread(user_make)("ann@example.org")
    alert = await in_thread(alert_make)(ann, threshold=100_000)
    (laptop, laptop_cookie), (_phone, phone_cookie) = await in_thread(signed_in)(ann), await in_thread(signed_in)(ann)
    old, other = await opened(laptop_cookie), await opened(phone_cookie)
    await hub_joined(redis_conn)

    logout = await in_thread(laptop.post)("/accounts/logout/")
    assert logout.status_code == 302
    await in_thread(evaluate)()

    assert (await alert_frame(other))["alert_id"] == alert.pk  # the session still signed in
    assert await old.receive_nothing(timeout=0.5)
    assert await group_members(redis_conn, ann.pk) == 1  # the hub stays for the other session
    await old.disconnect()
    await other.disconnect()
    assert await group_members(redis_conn, ann.pk) == 0


async def test_the_last_session_logging_out_takes_the_hub_out_of_the_users_group(redis_conn):
    ann = await in_thread(user_make)("ann@example.org")
    await in_thread(alert_make)(ann, threshold=100_000)
    laptop, cookie = await in_thread(signed_in)(ann)
    comm = await opened(cookie)
    await hub_joined(redis_conn)
    assert await group_members(redis_conn, ann.pk) == 1

    await in_thread(laptop.post)("/accounts/logout/")
    await in_thread(evaluate)()

    assert await comm.receive_nothing(timeout=0.5)
    assert await group_members(redis_conn, ann.pk) == 0
    await comm.disconnect()
