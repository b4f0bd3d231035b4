"""`make run` collects static files only when they changed, and migrates only when a migration is pending.

The decision is tested on files of the test's own (fingerprint, stamp), then through `prepare_run`
with the plain file storage and a static folder of the test's own, so no test compresses Django
admin's files.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from islands.shared_components.management.commands.prepare_run import ADMIN_HINT
from islands.shared_components.startup import (
    STATIC_STAMP,
    migrations_pending,
    static_collect_needed,
    static_fingerprint,
    static_sources,
    static_stamp_forget,
    static_stamp_write,
)

CONFIG = {"STATIC_URL": "/static/", "storage": "whitenoise"}


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "app.js").write_text("console.log(1);\n")
    (folder / "site.css").write_text("body { color: red }\n")
    return folder


def listing(folder: Path) -> list[tuple[str, Path]]:
    return [(path.name, path) for path in folder.iterdir()]


def test_the_fingerprint_follows_contents_names_and_settings_not_times(sources):
    first = static_fingerprint(listing(sources), CONFIG)
    assert static_fingerprint(listing(sources), CONFIG) == first

    os.utime(sources / "app.js", (0, 0))  # a checkout or copy: new times, same bytes
    assert static_fingerprint(listing(sources), CONFIG) == first

    assert static_fingerprint(listing(sources), {**CONFIG, "STATIC_URL": "/assets/"}) != first

    (sources / "app.js").write_text("console.log(2);\n")
    edited = static_fingerprint(listing(sources), CONFIG)
    assert edited != first

    (sources / "site.css").rename(sources / "other.css")
    assert static_fingerprint(listing(sources), CONFIG) not in {first, edited}


def test_collect_is_needed_until_the_stamp_matches_and_again_after_a_change_or_a_failed_run(tmp_path, sources):
    root = tmp_path / "staticfiles"
    fingerprint = static_fingerprint(listing(sources), CONFIG)
    assert static_collect_needed(root, fingerprint)  # never collected: no folder at all

    root.mkdir()
    static_stamp_write(root, fingerprint)
    assert not static_collect_needed(root, fingerprint)

    (sources / "app.js").write_text("changed")
    assert static_collect_needed(root, static_fingerprint(listing(sources), CONFIG))

    static_stamp_forget(root)  # a collection that then fails leaves no stamp behind
    assert static_collect_needed(root, fingerprint)


def test_the_sources_are_the_files_collectstatic_collects():
    names = {name for name, _ in static_sources()}
    assert "js/live.js" in names  # the site's own folder (STATICFILES_DIRS)
    assert "admin/css/base.css" in names  # an app's static folder


@pytest.mark.django_db
def test_no_migration_is_pending_on_the_migrated_test_database():
    assert migrations_pending(connection) is False


@pytest.fixture
def own_static(settings, tmp_path, sources):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATICFILES_DIRS = [sources]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return settings.STATIC_ROOT


def prepare_run() -> str:
    out = StringIO()
    call_command("prepare_run", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_prepare_run_collects_once_then_only_after_a_change(own_static, sources):
    first = prepare_run()
    assert "collectstatic: collected into" in first
    assert "migrate: no migration pending" in first
    assert (own_static / "app.js").read_text() == "console.log(1);\n"
    assert (own_static / STATIC_STAMP).exists()

    assert "collectstatic: static files unchanged" in prepare_run()

    (sources / "app.js").write_text("console.log(2);\n")
    # collectstatic itself copies only files newer than their copy (to the second): an edit a
    # second later, not in the same second as the collection above.
    later = (own_static / "app.js").stat().st_mtime + 2
    os.utime(sources / "app.js", (later, later))
    assert "collectstatic: collected into" in prepare_run()
    assert (own_static / "app.js").read_text() == "console.log(2);\n"


@pytest.mark.django_db
def test_prepare_run_says_how_to_create_an_admin_account_until_there_is_one(own_static, django_user_model):
    assert ADMIN_HINT in prepare_run()

    django_user_model.objects.create_superuser("admin", "admin@example.com", "a long enough password 1")
    assert ADMIN_HINT not in prepare_run()
