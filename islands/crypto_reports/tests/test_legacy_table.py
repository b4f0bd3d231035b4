"""The migration adopts a crypto_report table the old generator created, and both can write to it."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from islands.crypto_reports.selectors import report_get, report_latest
from islands.crypto_reports.services import report_create

pytestmark = pytest.mark.django_db(transaction=True)

migration = importlib.import_module("islands.crypto_reports.migrations.0001_initial")

# The generator's DDL: serial id, no English columns yet (added later in its history), a
# database default for created_at and no index on it.
LEGACY_DDL = {
    "postgresql": (
        "CREATE TABLE crypto_report (id SERIAL PRIMARY KEY, html_content TEXT NOT NULL, css_content TEXT, "
        "js_content TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW())"
    ),
    "sqlite": (
        "CREATE TABLE crypto_report (id INTEGER PRIMARY KEY AUTOINCREMENT, html_content TEXT NOT NULL, "
        "css_content TEXT, js_content TEXT, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    ),
}


@pytest.fixture
def legacy_table():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE crypto_report")
        cursor.execute(LEGACY_DDL[connection.vendor])
        cursor.execute("INSERT INTO crypto_report (html_content) VALUES ('<h1>Từ máy sinh báo cáo</h1>')")
    yield
    # Leave the table as the real migration makes it, for the tests that follow.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE crypto_report")
    with connection.schema_editor() as editor:
        editor.create_model(apps.get_model("crypto_reports", "Report"))


def _columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, "crypto_report")}


def test_the_migration_keeps_old_rows_and_adds_what_is_missing(legacy_table):
    with connection.schema_editor() as editor:
        migration.create_or_adopt_table(apps, editor)

    assert {"html_content_en", "js_content_en"} <= _columns()
    old = report_latest()
    assert old.html_content == "<h1>Từ máy sinh báo cáo</h1>"
    assert old.created_at is not None
    assert old.html_content_en is None

    new = report_create(html_content="<h1>Mới</h1>", html_content_en="<h1>New</h1>")
    assert report_get(report_id=new.id).html_content_en == "<h1>New</h1>"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM crypto_report")
        assert cursor.fetchone()[0] == 2


def test_running_it_twice_changes_nothing(legacy_table):
    with connection.schema_editor() as editor:
        migration.create_or_adopt_table(apps, editor)
    with connection.schema_editor() as editor:
        migration.create_or_adopt_table(apps, editor)

    assert report_latest().html_content == "<h1>Từ máy sinh báo cáo</h1>"


def test_the_generator_can_still_insert_with_plain_sql():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crypto_report (html_content, css_content, js_content) VALUES (%s, NULL, NULL)",
            ["<h1>Chèn bằng SQL</h1>"],
        )

    report = report_latest()
    assert report.html_content == "<h1>Chèn bằng SQL</h1>"
    assert report.created_at is not None
