"""The admin's date drill-down at the end of the calendar is a refused lookup (?e=1), not a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=9999",
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
    ],
)
def test_the_last_year_month_or_day_of_the_calendar_is_a_refused_lookup(client, staff_user, make_report, query):
    make_report()
    client.force_login(staff_user)

    response = client.get(f"/admin/crypto_reports/report/?{query}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
