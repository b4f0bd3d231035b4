"""cryptodash project package: settings, URL/ASGI wiring, the Celery app and the stack launcher."""

from cryptodash.celery import app as celery_app

__all__ = ("celery_app",)
