"""The Celery app: configured from Django settings (CELERY_ namespace), tasks found in each island."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptodash.settings")

app = Celery("cryptodash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
