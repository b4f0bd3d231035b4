"""`manage.py prepare_run`: what `make run` does before its processes start, in one process.

One Django start-up instead of one per step, and each step only when it has work: `migrate` when
a migration is pending, `collectstatic` when the static sources or the settings shaping its output
changed since the last collection (see shared_components.startup), then `restore_streams` (the
embedded Redis starts empty) and `seed_reports` (only into an empty table). Without any admin
account it says how to create one, since nothing else on the site does.

The steps of other islands are called by command name, so this island imports none of them. It
must not start any long-running process: the launcher does that once this command returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from islands.shared_components.startup import (
    migrations_pending,
    static_collect_needed,
    static_config,
    static_fingerprint,
    static_sources,
    static_stamp_forget,
    static_stamp_write,
)

ADMIN_HINT = (
    "No admin account yet: `make superuser` creates one for /admin/ "
    "(or `.venv/bin/python manage.py createsuperuser`; passwords need at least 12 characters)."
)


class Command(BaseCommand):
    help = "Migrate, collect static files (each only when needed), restore the streams and seed reports."

    def handle(self, *args: Any, **options: Any) -> None:
        if migrations_pending(connection):
            call_command("migrate", interactive=False, stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write("migrate: no migration pending")
        self.static_collect()
        call_command("restore_streams", stdout=self.stdout, stderr=self.stderr)
        call_command("seed_reports", stdout=self.stdout, stderr=self.stderr)
        if not get_user_model().objects.filter(is_superuser=True).exists():
            self.stdout.write(ADMIN_HINT)

    def static_collect(self) -> None:
        root = Path(settings.STATIC_ROOT)
        fingerprint = static_fingerprint(static_sources(), static_config())
        if not static_collect_needed(root, fingerprint):
            self.stdout.write("collectstatic: static files unchanged since the last collection")
            return
        static_stamp_forget(root)
        call_command("collectstatic", interactive=False, verbosity=0, stdout=self.stdout, stderr=self.stderr)
        static_stamp_write(root, fingerprint)
        self.stdout.write(f"collectstatic: collected into {root}")
