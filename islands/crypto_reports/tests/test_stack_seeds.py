"""`make run` seeds the sample reports as part of its set-up (`prepare_run`), after migrating."""

from io import StringIO

import pytest
from django.core.management import call_command

from cryptodash.stack.setup import SETUP_COMMAND
from islands.crypto_reports.models import Report


@pytest.fixture
def plain_static(settings, tmp_path):
    # prepare_run collects static files when they changed: into a folder of this test, uncompressed.
    sources = tmp_path / "static"
    sources.mkdir()
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATICFILES_DIRS = [sources]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_make_run_prepares_in_one_command():
    assert SETUP_COMMAND == "prepare_run"


@pytest.mark.django_db
def test_prepare_run_seeds_sample_reports_into_an_empty_table_once(plain_static):
    assert not Report.objects.exists()
    call_command("prepare_run", stdout=StringIO())
    seeded = Report.objects.count()
    assert seeded > 0

    call_command("prepare_run", stdout=StringIO())
    assert Report.objects.count() == seeded
