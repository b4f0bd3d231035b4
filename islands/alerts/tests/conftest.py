"""Helpers of the alerts tests: users, alerts, summaries on the real stream, eager Celery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from celery import current_app
from channels.layers import channel_layers
from django.contrib.auth import get_user_model

from islands.alerts.models import Alert
from islands.cache_system.services import summary_store
from islands.cache_system.tests.history_data import summary_at

PASSWORD = "correct horse battery 42"


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # A layer's connection pools belong to the event loop that made them (django/channels#876).
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Tasks run inside .delay(), in this process, as a worker would run them."""
    conf = current_app.conf
    before = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def user_make(email: str = "ann@example.org", *, verified: bool = True):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def alert_make(user, **fields: Any) -> Alert:
    values = {"kind": "price_above", "coin": "btc", "currency": "usd", "threshold": 100_000, **fields}
    return Alert.objects.create(user=user, **values)


def btc_at(price: float, i: int = 0) -> str:
    """Append a summary whose BTC price is `price` to crypto:market_data; its stream id."""
    return summary_store(summary=summary_at(i=i, btc=price))
