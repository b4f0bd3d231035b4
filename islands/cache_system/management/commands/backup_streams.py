"""`manage.py backup_streams`: the db_backup consumer, run by `make run` until SIGTERM/SIGINT.

A thin adapter (consumer_command.py): the consumer loop finishes the batch under way and returns
(islands/cache_system/consumer_loop.py, backup_worker.py).
"""

from __future__ import annotations

from islands.cache_system.backup import GROUP
from islands.cache_system.backup_worker import backup_consumer
from islands.cache_system.consumer_command import ConsumerCommand
from islands.cache_system.consumer_loop import ConsumerLoop


class Command(ConsumerCommand):
    help = "Copy the market streams into the database (consumer group db_backup) until SIGTERM."
    command = "backup_streams"
    group = GROUP
    consumer_prefix = "backup"

    def consumer_build(self, *, consumer: str) -> ConsumerLoop:
        return backup_consumer(consumer=consumer)
