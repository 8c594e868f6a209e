"""The statuses an execution item moves through, per process.

A process starts with the four default statuses (:func:`ensure_statuses`); administrators
add more at the end of the list (:func:`add_status`) or rename them
(:func:`rename_status`), each with the usual progress of an item in that status.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from participa.accountability.models import DEFAULT_STATUSES, ExecutionItem, ExecutionStatus
from participa.accountability.rules import MAX_CODE, _percent, _require_admin
from participa.audit.services import log, snapshot
from participa.errors import Invalid, NotAllowed, about
from participa.extensions import db
from participa.processes.models import Process

MAX_STATUS_NAME = 80


def statuses(process: Process) -> list[ExecutionStatus]:
    """The process's statuses in their order."""
    return list(
        db.session.scalars(
            select(ExecutionStatus)
            .where(ExecutionStatus.process_id == process.id)
            .order_by(ExecutionStatus.position, ExecutionStatus.id)
        )
    )


def ensure_statuses(process: Process) -> list[ExecutionStatus]:
    """The process's statuses; the four defaults are created first if it has none."""
    existing = statuses(process)
    if existing:
        return existing
    for position, (key, name, progress) in enumerate(DEFAULT_STATUSES, start=1):
        db.session.add(
            ExecutionStatus(
                process_id=process.id, key=key, name=name, position=position, progress=progress
            )
        )
    db.session.flush()
    return statuses(process)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_CODE] or "estado"


def _status_fields(name: str, progress: Any) -> tuple[str, int]:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Escribe el nombre del estado."))
    if len(name) > MAX_STATUS_NAME:
        raise Invalid(
            _("El nombre del estado puede tener como máximo %(n)d caracteres.", n=MAX_STATUS_NAME)
        )
    return name, _percent(progress)


def add_status(process: Process, admin: Any, name: str, progress: int = 0) -> ExecutionStatus:
    """Add a status at the end of the process's list (the defaults are created first).
    ``progress`` is the usual progress of an item in that status, for reference."""
    _require_admin(admin)
    current = ensure_statuses(process)
    name, progress = _status_fields(name, progress)
    if any(s.name.casefold() == name.casefold() for s in current):
        raise about("name", Invalid(_("Ya hay un estado con ese nombre.")))
    keys = {s.key for s in current}
    key = base = _slug(name)
    n = 2
    while key in keys:
        key = f"{base[: MAX_CODE - 4]}-{n}"
        n += 1
    status = ExecutionStatus(
        process_id=process.id,
        key=key,
        name=name,
        position=max((s.position for s in current), default=0) + 1,
        progress=progress,
    )
    db.session.add(status)
    db.session.flush()
    log(
        "execution_status.added",
        status,
        actor=admin,
        process_id=process.id,
        after=snapshot(status, ("key", "name", "position", "progress")),
    )
    return status


def rename_status(
    status: ExecutionStatus, admin: Any, name: str, progress: int | None = None
) -> ExecutionStatus:
    """Rename a status (and change its usual progress); its key and items stay."""
    _require_admin(admin)
    name, new_progress = _status_fields(name, status.progress if progress is None else progress)
    clash = db.session.scalar(
        select(ExecutionStatus.id).where(
            ExecutionStatus.process_id == status.process_id,
            ExecutionStatus.id != status.id,
            func.lower(ExecutionStatus.name) == name.lower(),
        )
    )
    if clash is not None:
        raise about("name", Invalid(_("Ya hay un estado con ese nombre.")))
    before = snapshot(status, ("name", "progress"))
    status.name, status.progress = name, new_progress
    db.session.flush()
    log(
        "execution_status.renamed",
        status,
        actor=admin,
        process_id=status.process_id,
        before=before,
        after=snapshot(status, ("name", "progress")),
    )
    return status


def status_uses(status: ExecutionStatus) -> int:
    """How many execution items are in ``status``."""
    return (
        db.session.scalar(
            select(func.count(ExecutionItem.id)).where(ExecutionItem.status_id == status.id)
        )
        or 0
    )


def delete_status(status: ExecutionStatus, admin: Any) -> None:
    """Remove a status no execution item is in; otherwise refused, saying how many are."""
    _require_admin(admin)
    used = status_uses(status)
    if used:
        raise NotAllowed(
            ngettext(
                "El estado «%(name)s» lo tiene %(num)d obra: no se puede eliminar. Cámbiale "
                "el estado a esa obra primero, o cambia el nombre del estado.",
                "El estado «%(name)s» lo tienen %(num)d obras: no se puede eliminar. "
                "Cámbiales el estado a esas obras primero, o cambia el nombre del estado.",
                used,
                name=status.name,
            )
        )
    log(
        "execution_status.deleted",
        status,
        actor=admin,
        process_id=status.process_id,
        before=snapshot(status, ("key", "name", "position", "progress")),
    )
    db.session.delete(status)
    db.session.flush()
