"""Alerts fire on a crossing of the stream's values, once per crossing, and respect the cooldown."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from islands.alerts.evaluator import Evaluator, alerts_consumer
from islands.alerts.models import AlertDelivery, AlertFire
from islands.alerts.tests.conftest import alert_make, btc_at, user_make
from islands.cache_system.services import markets_store, summary_store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def evaluate_all(consumer: str = "alerts-a", evaluator: Evaluator | None = None) -> int:
    loop = alerts_consumer(consumer=consumer, block_ms=10, evaluator=evaluator)
    handled = 0
    while n := loop.step():
        handled += n
    return handled


@pytest.fixture
def group_ready():
    """The alerts group exists before the entries of a test are written (it starts at "$")."""
    alerts_consumer(consumer="alerts-a", block_ms=10).prepare()


def test_it_fires_when_the_price_crosses_and_not_while_it_stays_above(group_ready, settings):
    settings.ALERTS_COOLDOWN_S = 0
    alert = alert_make(user_make(), threshold=100_000)
    btc_at(99_000)
    crossing = btc_at(100_500)
    btc_at(101_000)  # still above: no second fire
    evaluate_all()
    fire = AlertFire.objects.get()
    assert (fire.alert_id, fire.stream_id, fire.value, fire.previous) == (alert.pk, crossing, 100_500, 99_000)
    alert.refresh_from_db()
    assert alert.last_fired_at == fire.fired_at


def test_a_price_that_starts_above_never_fires_without_coming_from_below(group_ready):
    alert_make(user_make(), threshold=100_000)
    btc_at(100_500)
    btc_at(101_000)
    evaluate_all()
    assert AlertFire.objects.count() == 0


def test_below_fires_on_the_way_down(group_ready):
    alert_make(user_make(), kind="price_below", threshold=95_000)
    btc_at(96_000)
    btc_at(94_000)
    evaluate_all()
    assert AlertFire.objects.get().value == 94_000


def test_cooldown_keeps_a_hovering_price_quiet_then_fires_again(group_ready, settings):
    settings.ALERTS_COOLDOWN_S = 3600
    alert_make(user_make(), threshold=100_000)
    for price in (99_000, 100_100, 99_900, 100_200, 99_800, 100_300):
        btc_at(price)
    evaluate_all()
    assert AlertFire.objects.count() == 1
    settings.ALERTS_COOLDOWN_S = 0
    btc_at(99_000)
    btc_at(100_400)
    evaluate_all()
    assert AlertFire.objects.count() == 2


def test_a_paused_alert_does_not_fire_and_fear_and_greed_and_rsi_do(group_ready):
    user = user_make()
    alert_make(user, threshold=100_000, active=False)
    fng = alert_make(user, kind="fng_above", coin="", threshold=70)
    btc_at(99_000, i=5)  # summary_at: fng_value 60 + i % 20 -> 65
    btc_at(100_500, i=15)  # -> 75
    evaluate_all()
    assert list(AlertFire.objects.values_list("alert_id", flat=True)) == [fng.pk]


def test_a_fire_is_sent_to_the_page_and_mailed_once(group_ready):
    alert_make(user_make(), threshold=100_000, note="sell some")
    btc_at(99_000)
    btc_at(100_500)
    evaluate_all()
    fire = AlertFire.objects.get()
    assert dict(fire.deliveries.values_list("channel", "status")) == {"web": "sent", "email": "sent"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ann@example.org"]
    assert "BTC" in mail.outbox[0].subject
    assert "sell some" in mail.outbox[0].body


def test_an_unconfirmed_address_gets_no_alert_mail(group_ready):
    alert_make(user_make(verified=False), threshold=100_000)
    btc_at(99_000)
    btc_at(100_500)
    evaluate_all()
    assert list(AlertDelivery.objects.values_list("channel", flat=True)) == ["web"]
    assert mail.outbox == []


def test_an_alert_created_after_the_index_was_built_is_seen_by_the_next_batch(group_ready):
    evaluator = Evaluator()
    user = user_make()
    btc_at(99_000)
    evaluate_all(evaluator=evaluator)
    alert_make(user, threshold=100_000)
    btc_at(100_500)
    evaluate_all(evaluator=evaluator)
    assert AlertFire.objects.count() == 1
    assert AlertDelivery.objects.filter(channel="web").count() == 1


def test_a_coin_of_the_market_table_fires_from_crypto_markets_in_another_currency(group_ready):
    user = user_make()
    alert = alert_make(user, coin="dogecoin", currency="vnd", threshold=10_000)
    summary_store(summary={"btc_price_usd": 97_000.0, "fx": {"vnd": 25_000.0, "eur": 0.9, "age_s": 1}})

    def table(doge: float, btc: float) -> dict:
        rows = [{"id": "dogecoin", "price_usd": doge, "change_1h": 1.0}, {"id": "bitcoin", "price_usd": btc}]
        return {"coins": rows, "fetched_at": "2026-11-29T00:00:00Z"}

    markets_store(table=table(0.39, 97_000))  # 9,750 VND
    crossing = markets_store(table=table(0.41, 120_000))  # 10,250 VND; bitcoin is tracked: not from here
    alert_make(user, threshold=100_000)  # BTC above 100k: evaluated from the summary only
    evaluate_all()
    fire = AlertFire.objects.get()
    assert (fire.alert_id, fire.stream, fire.stream_id) == (alert.pk, settings.STREAM_MARKETS, crossing)
    assert fire.value == pytest.approx(10_250)
