"""Where every file the platform writes and serves lives: one interface, one setting.

``STORAGE_URL`` chooses the backend: unset (the embedded default of ``make demo``), the
instance folder; a path or ``file://`` URL, that folder; ``s3://bucket/prefix``,
S3-compatible object storage (``participa.storage.s3``). Every node of a site must see the
same storage: open-data versions, photos and archives written by one worker are served by
every web node.

Keys are relative, ``/``-separated paths (``opendata/<slug>/v3/propuestas.csv``,
``photos/<name>.jpg``); a key never starts with ``/`` nor holds ``..``.

Use :func:`storage` inside an application context::

    stored = storage().write("opendata/x/v1/a.csv", chunks, content_type="text/csv")
    return storage().response("opendata/x/v1/a.csv", download_name="a.csv", ...)
"""

from __future__ import annotations

from flask import current_app

from participa.storage.base import Storage, Stored, check_key
from participa.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "Stored", "check_key", "open_storage", "storage"]


def open_storage(url: str | None, instance_path: str) -> Storage:
    """The storage ``url`` names (None or empty: the instance folder)."""
    if not url:
        return LocalStorage(instance_path)
    if url.startswith("file://"):
        return LocalStorage(url.removeprefix("file://"))
    if "://" not in url:
        return LocalStorage(url)
    raise ValueError(f"STORAGE_URL: unknown kind of storage {url.split('://', 1)[0]!r}")


def storage() -> Storage:
    """The application's storage, built once from ``STORAGE_URL``."""
    found = current_app.extensions.get("storage")
    if found is None:
        found = open_storage(current_app.config.get("STORAGE_URL"), current_app.instance_path)
        current_app.extensions["storage"] = found
    return found
