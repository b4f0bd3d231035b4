"""`manage.py evaluate_alerts`: the `alerts` consumer group, run by `make run` until SIGTERM/SIGINT.

A thin adapter (islands/cache_system/consumer_command.py): the consumer loop finishes the batch
under way and returns (islands/alerts/evaluator.py).
"""

from __future__ import annotations

from django.conf import settings

from islands.alerts.evaluator import alerts_consumer
from islands.cache_system.consumer_command import ConsumerCommand
from islands.cache_system.consumer_loop import ConsumerLoop


class Command(ConsumerCommand):
    help = "Evaluate price and indicator alerts on every new market-stream entry (consumer group alerts)."
    command = "evaluate_alerts"
    group = settings.ALERTS_GROUP
    consumer_prefix = "alerts"

    def consumer_build(self, *, consumer: str) -> ConsumerLoop:
        return alerts_consumer(consumer=consumer)
