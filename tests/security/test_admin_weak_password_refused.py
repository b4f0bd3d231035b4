"""Admin passwords: Django's four standard validators refuse weak passwords wherever one is set
(the admin's user forms, createsuperuser, changepassword all call them)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db

ADD_USER = "/admin/auth/user/add/"
STRONG = "violet-harbour-tractor-58"


@pytest.fixture
def superuser_client(settings) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = get_user_model().objects.create_superuser("root", password=STRONG)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Xy7#kq2", "too short"),  # MinimumLengthValidator (12)
        ("password1234", "too common"),  # CommonPasswordValidator
        ("804213579246", "entirely numeric"),  # NumericPasswordValidator (and too common)
        ("newadmin-2024", "too similar to the username"),  # UserAttributeSimilarityValidator
    ],
)
def test_the_validators_refuse_a_weak_password(password, reason):
    user = get_user_model()(username="newadmin-2024")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)
    assert any(reason in message for message in refused.value.messages)


def test_the_admin_user_form_refuses_a_weak_password(superuser_client):
    response = superuser_client.post(
        ADD_USER, {"username": "newadmin", "usable_password": "true", "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This password is too short" in page
    assert "This password is too common" in page
    assert not get_user_model().objects.filter(username="newadmin").exists()


def test_the_admin_user_form_takes_a_strong_password(superuser_client):
    response = superuser_client.post(
        ADD_USER, {"username": "newadmin", "usable_password": "true", "password1": STRONG, "password2": STRONG}
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="newadmin").check_password(STRONG)
