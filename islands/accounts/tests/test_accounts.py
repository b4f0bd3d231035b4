"""Sign-up, log-in, log-out, password reset and e-mail verification, through allauth's real views.

Rate limits are counted in the Redis every web process shares (Django's default cache), which
is what makes them hold across processes: the test reads the counters from Redis itself.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

PASSWORD = "correct horse battery 42"

pytestmark = pytest.mark.django_db


def _signup(client, email: str = "ann@example.org", **extra) -> object:
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post("/accounts/signup/", data)


def test_sign_up_creates_the_account_logs_in_and_mails_a_verification_link(client):
    response = _signup(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="ann@example.org")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert client.post(f"/accounts/confirm-email/{key}/").status_code == 302
    assert user.emailaddress_set.get().verified is True


def test_sign_up_errors_name_the_field(client):
    _signup(client)
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/signup/",
        {"email": "ann@example.org", "password1": PASSWORD, "password2": "other"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors
    assert "password2" in errors
    assert "A user is already registered with this email address." in response.content.decode()


def test_log_in_wrong_password_says_so_and_log_in_right_one_works(client):
    _signup(client)
    client.post("/accounts/logout/")
    wrong = client.post(
        "/accounts/login/", {"login": "ann@example.org", "password": "nope nope nope"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert wrong.status_code == 200
    assert "The email address and/or password you specified are not correct." in wrong.content.decode()
    right = client.post("/accounts/login/", {"login": "ann@example.org", "password": PASSWORD})
    assert right.status_code == 302
    assert right["Location"] == "/alerts"


def test_log_out_is_a_post(client):
    _signup(client)
    assert client.get("/accounts/logout/").status_code == 200  # the confirmation page
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    _signup(client)
    client.post("/accounts/logout/")
    mail.outbox.clear()
    assert client.post("/accounts/password/reset/", {"email": "ann@example.org"}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    new = "a whole new passphrase 7"
    assert client.post(form_url, {"password1": new, "password2": new}).status_code == 302
    assert client.login(username="ann@example.org", password=new)


def test_failed_log_ins_are_rate_limited_in_the_shared_redis(client, redis_conn):
    _signup(client)
    client.post("/accounts/logout/")
    statuses = [
        client.post("/accounts/login/", {"login": "ann@example.org", "password": f"wrong {n}"}).status_code
        for n in range(7)
    ]
    # 5 failures per account in 5 minutes (ACCOUNT_RATE_LIMITS): the sixth attempt is refused.
    refused = client.post(
        "/accounts/login/", {"login": "ann@example.org", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert statuses[:5] == [200] * 5
    assert refused.status_code == 200
    assert "Too many failed login attempts" in refused.content.decode()
    # The counts are in Redis, not in this process: another web process sees the same ones.
    keys = [key.decode() for key in redis_conn.scan_iter("cryptodash:*allauth*")]
    assert any("login_failed" in key for key in keys), keys


def test_sign_up_is_rate_limited_per_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    codes = []
    for n in range(3):
        codes.append(_signup(client, email=f"u{n}@example.org").status_code)
        client.post("/accounts/logout/")
    assert codes[:2] == [302, 302]
    assert codes[2] == 429


@pytest.mark.parametrize(("lang", "text"), [("vi", "Đăng nhập"), ("en", "Sign In")])
def test_log_in_page_is_in_the_site_layout_with_csp_in_both_languages(client, lang, text):
    response = client.get(f"/accounts/login/?lang={lang}")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in body
    assert text in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in body  # no inline script: the policy would block it


def test_anonymous_pages_stay_storable_by_the_page_cache(client):
    """The header's account links set no cookie for a visitor (no CSRF token, no session)."""
    response = client.get("/crypto_reports_list")
    assert response.cookies == {}
    assert "/accounts/login/" in response.content.decode()
