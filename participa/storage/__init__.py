"""Where every file the platform writes and serves lives: one interface, one setting.

``STORAGE_URL`` chooses the backend: unset (the embedded default of ``make demo``), the
instance folder; a path or ``file://`` URL, that folder; ``s3://bucket/prefix``,
S3-compatible object storage (``participa.storage.s3``: ``STORAGE_S3_ENDPOINT_URL``,
``STORAGE_S3_REGION``, ``STORAGE_SERVE`` = ``redirect`` or ``stream``,
``STORAGE_URL_TTL``). Every node of a site must see the same storage: open-data versions,
photos and archives written by one worker are served by every web node.

Keys are relative, ``/``-separated paths (``opendata/<slug>/v3/propuestas.csv``,
``photos/<name>.jpg``); a key never starts with ``/`` nor holds ``..``.

Use :func:`storage` inside an application context::

    stored = storage().write("opendata/x/v1/a.csv", chunks, content_type="text/csv")
    return storage().response("opendata/x/v1/a.csv", download_name="a.csv", ...)
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from participa.storage.base import Storage, Stored, check_key
from participa.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "Stored", "check_key", "open_storage", "storage"]


def open_storage(url: str | None, instance_path: str, **s3_options: Any) -> Storage:
    """The storage ``url`` names (None or empty: the instance folder). ``s3_options``
    (``endpoint_url``, ``region``, ``serve``, ``url_ttl``) go to :class:`S3Storage`."""
    if url and url.startswith("s3://"):
        from participa.storage.s3 import S3Storage  # boto3 only when it is used

        return S3Storage.from_url(url, **s3_options)
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
        config = current_app.config
        found = open_storage(
            config.get("STORAGE_URL"),
            current_app.instance_path,
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL"),
            region=config.get("STORAGE_S3_REGION"),
            serve=config.get("STORAGE_SERVE") or "redirect",
            url_ttl=int(config.get("STORAGE_URL_TTL") or 300),
        )
        current_app.extensions["storage"] = found
    return found
