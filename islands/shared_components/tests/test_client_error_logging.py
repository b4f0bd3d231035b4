"""A request Django refuses for the client's input is logged as one WARNING line, not a traceback."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_bad_host_is_a_400_logged_as_a_warning_without_traceback(caplog):
    caplog.set_level(logging.INFO)

    response = Client(HTTP_HOST="scanner.example").get("/api/crypto/history")

    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].exc_info is None
    assert "scanner.example" in records[0].getMessage()
