"""`manage.py vapid_keys`: print a new VAPID key pair for VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from islands.alerts.vapid import vapid_keys_new


class Command(BaseCommand):
    help = "Print a new VAPID key pair (Web Push of alerts) as environment lines."

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_keys_new()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}\n")
