"""The admin's snapshot browser: staff can list, filter by date and open rows, never change them."""

from __future__ import annotations

import pytest
from django.conf import settings

from islands.cache_system.backup import snapshots_store
from islands.cache_system.models import MarketSnapshot
from islands.cache_system.streams import StreamEntry
from islands.cache_system.tests.history_data import summary_at

pytestmark = pytest.mark.django_db
DAY_MS = 86_400_000
NOV_20 = 1_763_596_800_000  # 2025-11-20T00:00:00Z


@pytest.fixture
def snapshots() -> list[MarketSnapshot]:
    entries = [
        StreamEntry(id=f"{NOV_20 + d * DAY_MS}-0", type="dashboard_update", data=summary_at(i=d)) for d in range(3)
    ]
    snapshots_store(stream=settings.STREAM_MARKET_DATA, entries=entries)
    return list(MarketSnapshot.objects.order_by("ms"))


def test_staff_see_the_list_newest_first(admin_client, snapshots):
    response = admin_client.get("/admin/cache_system/marketsnapshot/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(snapshots[2].stream_id) < body.index(snapshots[0].stream_id)


def test_the_date_filter_narrows_the_list(admin_client, snapshots):
    response = admin_client.get(
        "/admin/cache_system/marketsnapshot/",
        {"time__gte": "2025-11-21 00:00:00+00:00", "time__lt": "2025-11-22 00:00:00+00:00"},
    )
    body = response.content.decode()
    assert snapshots[1].stream_id in body
    assert snapshots[0].stream_id not in body
    assert snapshots[2].stream_id not in body


def test_a_row_opens_read_only_with_its_json(admin_client, snapshots):
    row = snapshots[0]
    response = admin_client.get(f"/admin/cache_system/marketsnapshot/{row.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "&quot;btc_price_usd&quot;: 97000.0" in body
    assert 'name="_save"' not in body


def test_adding_changing_and_deleting_are_refused(admin_client, snapshots):
    row = snapshots[0]
    assert admin_client.get("/admin/cache_system/marketsnapshot/add/").status_code == 403
    assert admin_client.post(f"/admin/cache_system/marketsnapshot/{row.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"/admin/cache_system/marketsnapshot/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MarketSnapshot.objects.count() == 3


def test_visitors_are_sent_to_the_login_page(client, snapshots):
    response = client.get("/admin/cache_system/marketsnapshot/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
