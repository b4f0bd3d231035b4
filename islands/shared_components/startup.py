"""What `make run` must redo before the processes start: pending migrations, changed static files.

`manage.py migrate` and `collectstatic` redo their whole work on every call (collectstatic
re-compresses every file, Django admin's included: about 10 s of a 33 s start). These functions
let the `prepare_run` command skip them when nothing changed: a migration plan that is empty, and
a fingerprint of every static source file (the same files collectstatic would copy) plus the
settings and versions that shape its output, compared with the one stored in STATIC_ROOT after
the last collection.

It only decides and records; it must not run migrate or collectstatic itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import version
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

# In STATIC_ROOT, so deleting that folder also forgets the last collection. WhiteNoise serves it
# like any file there; it holds nothing but a digest of public files and settings.
STATIC_STAMP = ".sources-fingerprint"


def migrations_pending(connection: BaseDatabaseWrapper) -> bool:
    """True when `migrate` would apply anything (what `migrate --check` tests, without a process)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def static_sources() -> Iterator[tuple[str, Path]]:
    """(name under STATIC_ROOT, source file) for every file collectstatic would collect."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    for finder in finders.get_finders():
        for name, storage in finder.list(ignore):
            yield name, Path(storage.path(name))


def static_config() -> dict[str, str]:
    """The settings and versions that change what collectstatic writes for the same sources."""
    config = {
        "STATIC_URL": str(settings.STATIC_URL),
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "storage": repr(settings.STORAGES["staticfiles"]),
        "django": django.get_version(),
        "whitenoise": version("whitenoise"),
    }
    config.update({name: repr(getattr(settings, name)) for name in dir(settings) if name.startswith("WHITENOISE_")})
    return config


def static_fingerprint(sources: Iterable[tuple[str, Path]], config: Mapping[str, str]) -> str:
    """A digest of the sources' names and contents and of `config`: equal only when both are.

    Contents, not modification times: a checkout or a copy changes times without changing files,
    and an edit within the same second would keep them.
    """
    digest = hashlib.sha256()
    for key, value in sorted(config.items()):
        digest.update(f"{key}={value}\0".encode())
    for name, path in sorted(sources):
        digest.update(f"{name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def static_collect_needed(root: Path, fingerprint: str) -> bool:
    """True unless STATIC_ROOT holds a collection made from exactly these sources and settings."""
    try:
        return (root / STATIC_STAMP).read_text().strip() != fingerprint
    except FileNotFoundError:
        return True


def static_stamp_forget(root: Path) -> None:
    """Before collecting: a collection that fails half-way must not keep the previous stamp (its
    sources may come back, and the folder would pass for their collection)."""
    (root / STATIC_STAMP).unlink(missing_ok=True)


def static_stamp_write(root: Path, fingerprint: str) -> None:
    """Record that `root` now holds the collection of `fingerprint` (after collectstatic succeeded)."""
    (root / STATIC_STAMP).write_text(fingerprint + "\n")
