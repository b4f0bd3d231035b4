"""Fixtures of the crypto_reports tests: reports made through the services, and personas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from islands.crypto_reports.models import Report
from islands.crypto_reports.services import report_create


@pytest.fixture(autouse=True)
def _no_stored_pages(fresh_page_cache) -> None:
    """Each test sees what it just stored: no remembered content versions, no stored answers."""


@pytest.fixture
def frame_client() -> Client:
    """A client whose requests say they load a frame, as a browser's do for the report document."""
    return Client(headers={"Sec-Fetch-Dest": "iframe"})


@pytest.fixture
def make_report() -> Callable[..., Report]:
    def make(
        title: str = "Báo cáo thử",
        *,
        english: str | None = "Test report",
        created_at: datetime | None = None,
        sections: tuple[str, ...] = ("Tóm tắt", "Chi tiết"),
        **fields,
    ) -> Report:
        body = f"<h1>{title}</h1>" + "".join(f"<h2>{s}</h2><p>Nội dung {s}.</p>" for s in sections)
        defaults = {"html_content": body}
        if english is not None:
            defaults["html_content_en"] = f"<h1>{english}</h1><h2>Summary</h2><p>English body.</p>"
        defaults.update(fields)
        return report_create(**defaults, created_at=created_at)

    return make


@pytest.fixture
def many_reports(make_report) -> Callable[[int], list[Report]]:
    def make(count: int) -> list[Report]:
        start = timezone.now() - timedelta(days=count)
        rows = [
            Report(html_content=f"<h1>Report {i}</h1>", created_at=start + timedelta(hours=i)) for i in range(count)
        ]
        return Report.objects.bulk_create(rows)

    return make


@pytest.fixture
def staff_user(db):
    user = get_user_model().objects.create_user("editor", password="pw-editor", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="crypto_reports"))
    return user


@pytest.fixture
def reader_user(db):
    return get_user_model().objects.create_user("reader", password="pw-reader", is_staff=False)


@pytest.fixture(autouse=True, scope="session")
def _sync_orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in the test thread, and Django then
    # refuses ORM calls from it; the tests are plain synchronous code, so the check does not apply.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
