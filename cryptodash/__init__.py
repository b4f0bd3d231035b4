"""cryptodash project package: settings, URL/ASGI wiring, the Celery app and the stack launcher.

The Celery app is not imported here: every `python -m cryptodash.stack` (the launcher and one
supervisor per process of `make run`) imports this package, and Celery's import cost each of them
0.4 s of CPU on the way to the first page. Django processes create the app when Django starts
(`cryptodash.apps`), `celery -A cryptodash` finds `cryptodash.celery` by itself, and
`cryptodash.celery_app` still works, imported on first use.
"""

from typing import Any

__all__ = ("celery_app",)


def __getattr__(name: str) -> Any:
    if name == "celery_app":
        from cryptodash.celery import app  # noqa: PLC0415 - on first use, see above

        return app
    raise AttributeError(f"module 'cryptodash' has no attribute {name!r}")
