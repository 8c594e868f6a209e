"""Execution items: created from the published results or by hand, and updated.

:func:`items_from_results` makes one item per selected project; :func:`add_item` adds one
by hand (usually a part of a funded project's item); :func:`update_item` changes its
status, progress, office, money spent, code and dates, logs the change and tells the
followers of the item and of the items above it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from participa.accountability.models import ExecutionItem, ExecutionStatus, ItemFollow
from participa.accountability.rollup import effective_progress
from participa.accountability.rules import _code, _money, _office, _percent, _require_admin
from participa.accountability.statuses import ensure_statuses
from participa.audit.services import log, snapshot
from participa.budgets.models import Budget
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.links import path_for
from participa.notifications.services import notify
from participa.processes.models import Process
from participa.results.queries import published_run

_AUDITED = ("status_id", "progress", "office", "spent", "code", "starts_on", "ends_on")
_KEEP: Any = object()  # "leave this field as it is" for update_item


def items_from_results(process: Process, admin: Any) -> list[ExecutionItem]:
    """One execution item per selected project of each budget's published tally.

    Idempotent: projects that already have an item are skipped. Each new item starts in
    the first status, with the project's cost as its budget. Returns the new items.
    """
    _require_admin(admin)
    first = ensure_statuses(process)[0]
    have = set(
        db.session.scalars(
            select(ExecutionItem.project_id).where(
                ExecutionItem.process_id == process.id, ExecutionItem.project_id.is_not(None)
            )
        )
    )
    created = []
    budgets = db.session.scalars(
        select(Budget).where(Budget.process_id == process.id).order_by(Budget.id)
    )
    for budget in budgets:
        run = published_run(budget)
        if run is None:
            continue
        for outcome in run.selected:
            project = outcome.project
            if project.id in have:
                continue
            have.add(project.id)
            item = ExecutionItem(
                process_id=process.id,
                project_id=project.id,
                title=project.title[:200],
                description=project.description or "",
                status_id=first.id,
                progress=first.progress,
                budgeted=project.cost,
                spent=0,
                updated_at=utcnow(),
            )
            db.session.add(item)
            created.append(item)
    db.session.flush()
    for item in created:
        log(
            "execution_item.created",
            item,
            actor=admin,
            process_id=process.id,
            after=snapshot(item, ("project_id", "title", "budgeted", "status_id", "progress")),
        )
    return created


def add_item(
    process: Process,
    admin: Any,
    title: str,
    *,
    parent: ExecutionItem | None = None,
    budgeted: int = 0,
    code: str | None = None,
    office: str = "",
) -> ExecutionItem:
    """Add an item by hand, usually a part (child) of a funded project's item."""
    _require_admin(admin)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("Escribe un título de 1 a 200 caracteres."))
    if parent is not None and parent.process_id != process.id:
        raise Invalid(_("El elemento principal es de otro proceso."))
    budgeted = _money(budgeted)
    code = _code(process, code, None)
    office = _office(office)
    first = ensure_statuses(process)[0]
    item = ExecutionItem(
        process_id=process.id,
        parent_id=parent.id if parent is not None else None,
        project_id=None,
        title=title,
        description="",
        code=code,
        status_id=first.id,
        progress=first.progress,
        office=office,
        budgeted=budgeted,
        spent=0,
        updated_at=utcnow(),
    )
    db.session.add(item)
    db.session.flush()
    if parent is not None:
        db.session.refresh(parent, ["children"])
    log(
        "execution_item.created",
        item,
        actor=admin,
        process_id=process.id,
        after=snapshot(item, ("parent_id", "title", "code", "budgeted", "office")),
    )
    return item


def update_item(
    item: ExecutionItem,
    admin: Any,
    *,
    status: ExecutionStatus | None = _KEEP,
    progress: int | None = _KEEP,
    office: str | None = _KEEP,
    spent: int | None = _KEEP,
    code: str | None = _KEEP,
    starts_on: date | None = _KEEP,
    ends_on: date | None = _KEEP,
) -> bool:
    """Change an item; fields not given stay as they are. Returns whether anything changed.

    Progress is 0–100 and money spent is not negative. An item with children has its
    progress and money spent computed from them, so they cannot be set on it. Logged with
    the values before and after; the followers of the item (and of the items above it)
    are told when its status or progress changes.
    """
    _require_admin(admin)
    has_children = bool(item.children)
    before = snapshot(item, _AUDITED)
    progress_before = effective_progress(item)
    status_before = item.status_id
    if status is not _KEEP:
        if status is None or status.process_id != item.process_id:
            raise Invalid(_("Ese estado no es de este proceso."))
        item.status_id = status.id
        item.status = status
    if progress is not _KEEP and progress is not None:
        value = _percent(progress)
        if has_children and value != item.progress:
            raise Invalid(_("El avance de un elemento con partes se calcula a partir de ellas."))
        item.progress = value
    if spent is not _KEEP and spent is not None:
        value = _money(spent)
        if has_children and value != item.spent:
            raise Invalid(_("Lo gastado en un elemento con partes se suma a partir de ellas."))
        item.spent = value
    if office is not _KEEP:
        item.office = _office(office)
    if code is not _KEEP:
        item.code = _code(item.process, code, item)
    if starts_on is not _KEEP:
        item.starts_on = starts_on
    if ends_on is not _KEEP:
        item.ends_on = ends_on
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        raise Invalid(_("La fecha de término no puede ser anterior a la de inicio."))
    after = snapshot(item, _AUDITED)
    if after == before:
        return False
    item.updated_at = utcnow()
    db.session.flush()
    log(
        "execution_item.updated",
        item,
        actor=admin,
        process_id=item.process_id,
        before=before,
        after=after,
    )
    if item.status_id != status_before or effective_progress(item) != progress_before:
        with platform_language():
            _tell_followers(item, status_changed=item.status_id != status_before)
    return True


def _lineage(item: ExecutionItem | None) -> list[ExecutionItem]:
    """``item`` and the items above it (a parent's roll-up changes with its children)."""
    chain, seen = [], set()
    while item is not None and item.id not in seen:
        chain.append(item)
        seen.add(item.id)
        item = item.parent
    return chain


def _tell_followers(item: ExecutionItem, *, status_changed: bool = False) -> None:
    chain = _lineage(item)
    users = db.session.scalars(
        select(ItemFollow.user_id)
        .where(ItemFollow.item_id.in_([i.id for i in chain]))
        .distinct()
        .order_by(ItemFollow.user_id)
    ).all()
    if not users:
        return
    status_name = item.status.name if item.status is not None else _("sin estado")
    subject = _("Avance del proyecto «%(title)s»", title=item.title[:120])
    if status_changed:
        body = _(
            "El proyecto «%(title)s» que sigues cambió al estado «%(status)s». "
            "Avance: %(progress)d %%.",
            title=item.title,
            status=status_name,
            progress=effective_progress(item),
        )
    else:
        body = _(
            "El proyecto «%(title)s» que sigues tiene un avance de %(progress)d %% "
            "(estado: %(status)s).",
            title=item.title,
            progress=effective_progress(item),
            status=status_name,
        )
    notify(
        users,
        "execution_update",
        subject,
        body,
        link=path_for("accountability.item", item_id=item.id),
    )
