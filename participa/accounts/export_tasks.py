"""Celery tasks of the archives of a person's data: build one, purge the expired ones.

They take ids, own their transaction and are idempotent: an archive already built (or
expired, or whose account is gone) is left as it is; a run that died after writing the
file but before its commit writes a new file under a new name and the orphan is removed
by the next purge.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from flask_babel import gettext as _

from participa.accounts import exports
from participa.accounts.export_models import DataExport, ExportStatus
from participa.accounts.models import User
from participa.accounts.personal_data import build_archive
from participa.db import utcnow
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.links import path_for
from participa.notifications.services import notify
from participa.storage import storage

logger = logging.getLogger(__name__)
READY_KIND = "data_export_ready"


@shared_task(ignore_result=False)
def build_export(export_id: int) -> dict:
    """Build archive ``export_id`` if it is still queued, and tell its owner it is ready."""
    export = db.session.get(DataExport, export_id, with_for_update=True)
    if export is None or export.status != ExportStatus.QUEUED:
        db.session.rollback()
        return {"export_id": export_id, "status": export.status if export else "missing"}
    user = db.session.get_one(User, export.user_id)
    if user.is_deleted:
        db.session.rollback()
        return {"export_id": export_id, "status": "deleted"}
    name = exports.new_file_name()
    key = exports.key_for(name)
    now = utcnow()
    try:
        _build_and_store(user, key, now)
    except Exception:
        db.session.rollback()
        storage().delete(key)
        logger.exception("could not build data archive %s", export_id)
        export = db.session.get_one(DataExport, export_id)
        export.status = ExportStatus.FAILED
        db.session.commit()
        return {"export_id": export_id, "status": "failed"}
    export.file_name = name
    export.status = ExportStatus.READY
    export.ready_at = now
    export.expires_at = now + exports.lifetime()
    _tell_ready(user)
    db.session.commit()  # the notification is sent after this
    return {"export_id": export_id, "status": "ready"}


def _build_and_store(user: User, key: str, now) -> None:
    """Build the zip in a temporary file (zipfile needs to seek), then stream it into the
    storage."""
    with tempfile.TemporaryDirectory(prefix="participa-export-") as folder:
        path = Path(folder) / "archive.zip"
        with platform_language():
            build_archive(user, path, now)
        with open(path, "rb") as stream:
            storage().write(
                key, iter(lambda: stream.read(256 * 1024), b""), content_type="application/zip"
            )


def _tell_ready(user: User) -> None:
    base = current_app.config.get("PUBLIC_URL")
    where = f"{str(base).rstrip('/')}/cuenta/mis-datos" if base else _("Tu cuenta › Tus datos")
    days = max(1, round(exports.lifetime().total_seconds() / 86400))
    with platform_language():
        notify(
            [user.id],
            READY_KIND,
            _("El archivo con tus datos está listo"),
            _(
                "Preparamos el archivo con todos los datos que Participa guarda de tu cuenta. "
                "Descárgalo en %(where)s (entra con tu cuenta) en los próximos %(days)d días; "
                "después se borra.",
                where=where,
                days=days,
            ),
            link=path_for("accounts.my_data"),
        )


def queue_export(export_id: int) -> None:
    """Send archive ``export_id`` to the worker (eager: build it now); run after the commit
    that created it. Never raises: the page shows it as being prepared, and asking again
    is possible once it failed."""
    try:
        build_export.delay(export_id)
    except Exception:
        logger.exception("could not queue data archive %s", export_id)


@shared_task(ignore_result=False)
def purge_exports() -> dict:
    """Expire the archives past their time (files deleted), and delete files under
    ``exports/`` that no archive names (left by a run that died before its commit)."""
    expired = exports.purge_expired()
    db.session.commit()
    known = set(
        db.session.scalars(db.select(DataExport.file_name).where(DataExport.file_name.is_not(None)))
    )
    db.session.rollback()
    orphans = 0
    store = storage()
    for key in store.keys(exports.EXPORT_DIR):
        name = key.rsplit("/", 1)[-1]
        orphan = name.startswith("datos-") and name.endswith(".zip") and name not in known
        if orphan and _old(key):
            store.delete(key)
            orphans += 1
    return {"expired": expired, "orphans": orphans}


def _old(key: str) -> bool:
    """A file older than an hour (one being written now is not yet named in a row)."""
    try:
        written = storage().modified(key)
    except FileNotFoundError:
        return False
    return datetime.now(UTC) - written > timedelta(hours=1)
