"""Archives of a person's data (ARCO access): asking for one, finding it, deleting it.

The worker builds the archive (participa.accounts.export_tasks); the file lives in the
storage (``participa.storage``) under ``exports/`` with a random name (never derived from
the account), is offered only to its owner, signed in, for ``DATA_EXPORT_LIFETIME``
seconds (7 days by default), and is then deleted by beat's
:func:`participa.accounts.export_tasks.purge_exports` (and on the owner's next visit).
One archive a day per account (``DATA_EXPORT_EVERY``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from participa.accounts.export_models import DataExport, ExportStatus
from participa.accounts.models import User
from participa.db import utcnow
from participa.errors import Conflict
from participa.extensions import db
from participa.storage import storage
from participa.unit_of_work import after_commit

EXPORT_DIR = "exports"
logger = logging.getLogger(__name__)


def key_for(file_name: str) -> str:
    """The storage key of an archive's file (every archive is under ``exports/``)."""
    return f"{EXPORT_DIR}/{file_name}"


def key_of(export: DataExport) -> str | None:
    return key_for(export.file_name) if export.file_name else None


def new_file_name() -> str:
    """A name nobody can guess (256 random bits), not derived from the account."""
    return f"datos-{secrets.token_urlsafe(32)}.zip"


def _seconds(key: str) -> timedelta:
    value = current_app.config[key]
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def lifetime() -> timedelta:
    """How long a ready archive is offered (``DATA_EXPORT_LIFETIME``)."""
    return _seconds("DATA_EXPORT_LIFETIME")


def latest(user: User) -> DataExport | None:
    """The account's most recent archive (queued, ready, failed or expired), if any."""
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc())
        .limit(1)
    )


def next_allowed(user: User, now: datetime | None = None) -> datetime | None:
    """When the account may ask for another archive (None: now)."""
    now = now or utcnow()
    last = latest(user)
    if last is None or last.status == ExportStatus.FAILED:
        return None
    when = last.created_at + _seconds("DATA_EXPORT_EVERY")
    return when if when > now else None


def request_export(user: User, build: Callable[[int], object]) -> DataExport:
    """Ask for an archive of ``user``'s data; ``build(export_id)`` (queueing the worker's
    task) runs once this is committed. ``Conflict`` when one was asked for less than
    ``DATA_EXPORT_EVERY`` ago."""
    db.session.refresh(user, with_for_update=True)  # two clicks at once make one archive
    if next_allowed(user) is not None:
        raise Conflict(_("Ya pediste un archivo de tus datos hace poco: puedes pedir uno al día."))
    export = DataExport(user_id=user.id, status=ExportStatus.QUEUED, created_at=utcnow())
    db.session.add(export)
    db.session.flush()
    after_commit(partial(build, export.id))
    return export


def _remove_files(keys: list[str]) -> None:
    for key in keys:
        try:
            storage().delete(key)
        except Exception:
            logger.exception("could not delete the data archive %s", key.rsplit("/", 1)[-1])


def expire(export: DataExport) -> None:
    """The archive's time is over: its file is deleted once this is committed."""
    key = key_of(export)
    export.status = ExportStatus.EXPIRED
    export.file_name = None
    if key is not None:
        after_commit(partial(_remove_files, [key]))


def purge_expired(user: User | None = None, now: datetime | None = None) -> int:
    """Expire every ready archive past its time (of ``user`` only, if given); how many."""
    now = now or utcnow()
    query = select(DataExport).where(
        DataExport.status == ExportStatus.READY, DataExport.expires_at <= now
    )
    if user is not None:
        query = query.where(DataExport.user_id == user.id)
    found = list(db.session.scalars(query.with_for_update()))
    for export in found:
        expire(export)
    db.session.flush()
    return len(found)


def forget_exports(user: User) -> None:
    """The account is deleted: its archives' files go once that is committed (the rows go
    with the caller's delete)."""
    keys = [
        key_for(name)
        for name in db.session.scalars(
            select(DataExport.file_name).where(
                DataExport.user_id == user.id, DataExport.file_name.is_not(None)
            )
        )
        if name
    ]
    if keys:
        after_commit(partial(_remove_files, keys))


def downloadable(user: User, export_id: int) -> str | None:
    """The storage key of archive ``export_id`` if it is ``user``'s, ready and not
    expired."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.user_id != user.id or export.status != ExportStatus.READY:
        return None
    if export.expires_at is None or export.expires_at <= utcnow():
        return None
    key = key_of(export)
    return key if key is not None and storage().exists(key) else None
