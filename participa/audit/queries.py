"""Reading the action log for administrators: filters, a search, the values of the filters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, Text, cast, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from participa.accounts.models import Role, User
from participa.audit.models import ActionLog
from participa.extensions import db
from participa.processes.models import Process

#: ``persona=`` value for the actions nobody did in the browser (calendar, commands, demo).
SYSTEM = "sistema"
MAX_SEARCH = 100  # characters of the search: longer is cut


@dataclass(frozen=True)
class LogFilter:
    """What the administrator asked for; ``since``/``until`` are naive UTC bounds
    (``until`` excluded), ``actor`` a user id or :data:`SYSTEM`."""

    process_id: int | None = None
    actor: int | str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""

    def active(self) -> bool:
        return any(
            v not in (None, "")
            for v in (self.process_id, self.actor, self.action, self.since, self.until, self.text)
        )


def _like(text: str) -> str:
    """``text`` as a literal ILIKE pattern anywhere (``\\`` escapes ``%``, ``_`` and itself)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(text: str) -> ColumnElement[bool]:
    """Entries whose actor (name or e-mail), kind or values before/after contain ``text``.

    The values are stored as JSON text with non-ASCII letters escaped (``Votaci\\u00f3n``),
    so the search looks for both spellings."""
    spellings = {_like(text), _like(json.dumps(text)[1:-1])}
    columns: list[ColumnElement[str] | InstrumentedAttribute[str]] = [
        User.stored_name,
        User.email,
        ActionLog.action,
        cast(ActionLog.before, Text),
        cast(ActionLog.after, Text),
    ]
    return or_(*(column.ilike(pattern, escape="\\") for column in columns for pattern in spellings))


def log_query(filters: LogFilter) -> Select[ActionLog]:
    """The entries that match ``filters``, newest first, with their actor loaded."""
    stmt = (
        select(ActionLog)
        .outerjoin(User, User.id == ActionLog.actor_id)
        .options(joinedload(ActionLog.actor))
        .order_by(ActionLog.id.desc())
    )
    if filters.process_id is not None:
        stmt = stmt.where(ActionLog.process_id == filters.process_id)
    if filters.actor == SYSTEM:
        stmt = stmt.where(ActionLog.actor_id.is_(None))
    elif isinstance(filters.actor, int):
        stmt = stmt.where(ActionLog.actor_id == filters.actor)
    if filters.action:
        stmt = stmt.where(ActionLog.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(ActionLog.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(ActionLog.created_at < filters.until)
    text = filters.text.strip()[:MAX_SEARCH]
    if text:
        stmt = stmt.where(_search(text))
    return stmt


def kinds() -> list[str]:
    """Every kind of action in the log, for the filter."""
    return list(db.session.scalars(select(ActionLog.action).distinct().order_by(ActionLog.action)))


def staff_actors(also: int | None = None) -> list[User]:
    """The staff who appear in the log (residents act too, e.g. failing a verification:
    they are found with the search), and ``also`` (the person filtered by) if not staff."""
    in_log = select(ActionLog.actor_id).where(ActionLog.actor_id.is_not(None)).distinct()
    staff = User.role != Role.RESIDENT
    chosen = User.id == also if also is not None else false()
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(in_log), or_(staff, chosen)).order_by(User.name)
        )
    )


def processes() -> list[tuple[int, str]]:
    """(id, title) of every process, newest first, for the filter."""
    rows = db.session.execute(
        select(Process.id, Process.title).order_by(Process.created_at.desc())
    ).all()
    return [(row.id, row.title) for row in rows]
