"""`manage.py restore_streams`: put the newest stored entries back into streams Redis lost.

Run by the launcher before the processes start (the embedded Redis starts empty). Safe to run
at any time: see stream_restore for why it cannot duplicate an entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from islands.cache_system.backup import streams_restore
from islands.cache_system.errors import REDIS_DOWN_ERRORS


class Command(BaseCommand):
    help = "Restore the newest backed-up entries into the Redis streams that lack them, with their ids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--count",
            type=int,
            default=settings.BACKUP_RESTORE_COUNT,
            help="at most this many entries per stream (default: BACKUP_RESTORE_COUNT)",
        )

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        if count < 1:
            raise CommandError(f"--count must be >= 1, got {count}")
        try:
            results = streams_restore(count=count)
        except REDIS_DOWN_ERRORS as exc:
            raise CommandError(f"Redis is not reachable: {exc}") from None
        for result in results:
            self.stdout.write(f"{result.stream}: {result.restored} restored, {result.refused} refused")
