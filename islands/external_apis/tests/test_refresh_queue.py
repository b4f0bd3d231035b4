"""refresh_queue() puts one refresh_all message on the broker, under the task's registered name."""

import orjson

from islands.external_apis.services import refresh_queue
from islands.external_apis.tasks import refresh_all


def test_it_queues_the_refresh_all_task(redis_conn):
    task_id = refresh_queue(expires=60)
    assert redis_conn.llen("celery") == 1
    headers = orjson.loads(redis_conn.lindex("celery", 0))["headers"]
    assert headers["task"] == refresh_all.name
    assert headers["id"] == task_id
    assert headers["expires"] is not None
