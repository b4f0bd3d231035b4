"""Create crypto_report, or adopt the table the old report generator already made.

The database side is conditional: a fresh database gets the table from the model; an existing
crypto_report keeps its rows and gets only the columns and index it lacks. The state side is a
plain CreateModel, so later migrations see the usual model history.
"""

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models

TABLE = "crypto_report"
CREATED_AT_INDEX = "crypto_report_created_at_idx"


def create_or_adopt_table(apps, schema_editor):
    report = apps.get_model("crypto_reports", "Report")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            schema_editor.create_model(report)
            return
        columns = {column.name for column in connection.introspection.get_table_description(cursor, TABLE)}
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for field in report._meta.local_fields:
        if field.column not in columns:
            schema_editor.add_field(report, field)
    indexed = any(info.get("index") and info.get("columns") == ["created_at"] for info in constraints.values())
    if not indexed:
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(CREATED_AT_INDEX)} "
            f"ON {schema_editor.quote_name(TABLE)} ({schema_editor.quote_name('created_at')})"
        )


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("crypto_reports", "Report"))


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Report",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("html_content", models.TextField(help_text="Report body in Vietnamese (HTML). Required.")),
                        (
                            "css_content",
                            models.TextField(blank=True, help_text="Stylesheet shared by both languages.", null=True),
                        ),
                        (
                            "js_content",
                            models.TextField(
                                blank=True,
                                help_text="Script for the Vietnamese body; may define initializeAllVisuals_report().",
                                null=True,
                            ),
                        ),
                        (
                            "html_content_en",
                            models.TextField(blank=True, help_text="Report body in English (HTML).", null=True),
                        ),
                        (
                            "js_content_en",
                            models.TextField(
                                blank=True,
                                help_text="Script for the English body; the Vietnamese script is used when empty.",
                                null=True,
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                db_default=django.db.models.functions.datetime.Now(),
                                db_index=True,
                                default=django.utils.timezone.now,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "report",
                        "verbose_name_plural": "reports",
                        "db_table": "crypto_report",
                        "ordering": ("-created_at", "-id"),
                    },
                ),
            ],
        ),
        # After the state operation, so that the historical model exists for the function.
        migrations.RunPython(create_or_adopt_table, drop_table),
    ]
