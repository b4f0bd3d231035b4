"""The Celery app: configured from Django settings (CELERY_ namespace), tasks found in each island.

Also how its processes stop: a prefork pool child ignores SIGTERM, so a stop that signals every
process at once (systemd's default KillMode=control-group, `kill -TERM -PGID`, a launcher's
process-group kill) reaches the pool only through the main process's warm shutdown, which lets
the tasks in flight finish instead of dying under them (WorkerLostError).

Under LOG_FORMAT=json the worker and beat log through settings.LOGGING (one JSON object per line)
instead of Celery's own set-up. It must not define tasks.
"""

import logging.config
import os
import signal

from celery import Celery
from celery.signals import setup_logging, worker_process_init
from django.conf import settings

from cryptodash.logformat import log_format

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")

app = Celery("cryptodash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _pool_child_ignores_sigterm(**_: object) -> None:
    # billiard keeps an ignored SIGTERM ignored when it installs its own handlers after this. The
    # child still ends: after its task at a warm shutdown, by SIGKILL at a hard time limit, and
    # on EOF of its pipes when the main process is gone.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _logging_from_settings(**_: object) -> None:
    logging.config.dictConfig(settings.LOGGING)


# Read from the environment, not settings: `cryptodash` (and so this module) is imported by the
# launcher and the benches before they decide what the settings will read.
if log_format() == "json":
    # Any receiver of setup_logging replaces Celery's handlers and format (and its stdout
    # redirect) with what the receiver configures: the same JSON lines as every other process.
    setup_logging.connect(_logging_from_settings, weak=False)
