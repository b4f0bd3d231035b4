"""The site's Django admin: Django's AdminSite with a login throttled per address and per username.

Only the login differs: before the password is checked the attempt is counted
(islands/shared_components/login_throttle.py, shared by every process through Redis); a refused
attempt gets the login form back with a clear message, status 429 and Retry-After, and one
WARNING line (no traceback). Must not carry admin features of its own: islands register their
models on it as on `admin.site`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from islands.shared_components.client_ip import client_ip_from_request
from islands.shared_components.login_throttle import LoginVerdict, login_attempt_reserve, login_success_record

log = logging.getLogger(__name__)

# Seconds a client should wait when the attempt counter (Redis) does not answer.
UNAVAILABLE_RETRY_AFTER = 30


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _(
            "Too many login attempts for this account or from this address. Try again in %(minutes)s minute(s)."
        ),
        "throttle_unavailable": _(
            "Login is unavailable for a moment: the login attempt counter cannot be reached. Try again shortly."
        ),
    }

    verdict: LoginVerdict | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # the missing field's own error; nothing was tried
        address = client_ip_from_request(self.request) if self.request is not None else None
        self.verdict = login_attempt_reserve(address=address, username=username)
        if self.verdict.status == "throttled":
            log.warning("admin login refused after too many attempts: address=%s username=%.150r", address, username)
            minutes = math.ceil((self.verdict.retry_after or 60) / 60)
            raise ValidationError(self.error_messages["throttled"], code="throttled", params={"minutes": minutes})
        if self.verdict.status == "unavailable":
            raise ValidationError(self.error_messages["throttle_unavailable"], code="throttle_unavailable")
        cleaned = super().clean()
        login_success_record(username=username)
        return cleaned


class CryptodashAdminSite(AdminSite):
    login_form = ThrottledAdminAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        verdict = getattr(form, "verdict", None)
        if verdict is not None and verdict.status == "throttled":
            response.status_code = 429
            response["Retry-After"] = str(verdict.retry_after)
        elif verdict is not None and verdict.status == "unavailable":
            response.status_code = 503
            response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
