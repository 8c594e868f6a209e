"""Recording and reading the action log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from participa.audit.models import ActionLog
from participa.extensions import db


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``obj``, JSON-ready (dates as ISO 8601 text)."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        values[name] = value.isoformat() if isinstance(value, datetime | date) else value
    return values


#: Where actions come from when no person does them in the browser (``ActionLog.origin``).
ORIGINS = ("calendar", "cli", "demo")
_origin: ContextVar[str | None] = ContextVar("action_log_origin", default=None)


@contextmanager
def acting_as(origin: str) -> Iterator[None]:
    """Record every action logged inside as coming from ``origin`` (one of :data:`ORIGINS`):
    the demonstration data, a ``flask`` command or the calendar, not the person (often the
    first administrator) the code acts for."""
    if origin not in ORIGINS:
        raise ValueError(origin)
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def log(
    action: str,
    target: Any,
    *,
    actor: Any = None,
    process_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    public: bool = False,
) -> ActionLog:
    """Record that ``actor`` (None: the system) did ``action`` to ``target``.

    ``public`` entries, the configuration of phases, budgets and rules, are also shown on
    the process page. The caller commits, with the change itself.
    """
    entry = ActionLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        # getattr on the instance: works through proxies such as flask_login's current_user
        target_type=getattr(target, "__tablename__", None) or str(target),
        target_id=getattr(target, "id", None),
        process_id=process_id,
        before=before,
        after=after,
        public=public,
        origin=_origin.get(),
    )
    db.session.add(entry)
    return entry


def public_query(process_id: int) -> Select[ActionLog]:
    """The process's configuration changes, newest first (to paginate)."""
    return (
        select(ActionLog)
        .where(ActionLog.process_id == process_id, ActionLog.public.is_(True))
        .order_by(ActionLog.id.desc())
    )


def public_total(process_id: int) -> int:
    """How many configuration changes the process has."""
    count = select(func.count()).select_from(public_query(process_id).subquery())
    return db.session.scalar(count) or 0


def public_entries(process_id: int, limit: int = 50) -> list[ActionLog]:
    """The process's latest configuration changes, newest first."""
    return list(db.session.scalars(public_query(process_id).limit(limit)))


def entries(*, action: str | None = None, limit: int = 200) -> list[ActionLog]:
    """The whole log for administrators, newest first, optionally of one action."""
    stmt = (
        select(ActionLog)
        .options(joinedload(ActionLog.actor))  # the page names each actor
        .order_by(ActionLog.id.desc())
        .limit(limit)
    )
    if action:
        stmt = stmt.where(ActionLog.action == action)
    return list(db.session.scalars(stmt))
