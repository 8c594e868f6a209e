"""Reports of content to the moderators, and the moderators' queue.

``reports_count`` (on proposals and comments) counts the reports still waiting for a
moderator that come from trusted accounts (:func:`counts_towards_hiding`: verified
residents whose account is older than ``MODERATION_REPORTER_MIN_AGE_HOURS``): each such
report adds one, and when it reaches ``MODERATION_HIDE_AFTER`` the content is hidden until
a moderator decides. Reports of new or unverified accounts reach the moderators' queue
all the same, but never hide anything by themselves, so a few throwaway accounts cannot
take a proposal down. The decisions themselves are in :mod:`participa.conversation.moderation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from participa.accounts.models import User
from participa.audit.services import log
from participa.budgets.models import Budget, Project
from participa.conversation.content import (
    Content,
    Target,
    content_type_of,
    get_content,
    process_of,
    target_of,
)
from participa.conversation.models import Comment, ContentType, Report, ReportState
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal
from participa.sql import insert_ignoring_conflicts
from participa.staff.access import Scope

MAX_REASON = 500
_AUDITED = ("hidden_at", "reports_count")


def counts_towards_hiding(reporter: User) -> bool:
    """Whether a report of ``reporter`` counts towards the automatic hiding: the account
    is older than ``MODERATION_REPORTER_MIN_AGE_HOURS`` (24) and, while
    ``MODERATION_REPORTER_MUST_BE_VERIFIED`` (the default), a verified resident's."""
    config = current_app.config
    if config.get("MODERATION_REPORTER_MUST_BE_VERIFIED", True) and not reporter.is_verified:
        return False
    min_age = timedelta(hours=float(config.get("MODERATION_REPORTER_MIN_AGE_HOURS") or 0))
    return reporter.created_at <= utcnow() - min_age


def report(content_type: str, content_id: int, reporter: User, reason: str) -> bool:
    """Report a proposal, project or comment to the moderators, with a reason.

    One report per person and content: the unique constraint decides races, and a second
    report is a friendly no-op (returns False). Each new report of a trusted account
    (:func:`counts_towards_hiding`) adds one to the content's pending ``reports_count``;
    when it reaches ``MODERATION_HIDE_AFTER`` the content is hidden until a moderator
    decides (its reports stay pending). Other reports wait for a moderator only.

    Reports alone never touch the open data already published: that hiding is reversible
    (``restore``), and only a moderator's :func:`hide` (or its confirmation of this one)
    asks for the redaction of published versions.
    """
    content = get_content(content_type, content_id)
    if content is None:
        raise Invalid(_("Ese contenido no existe."))
    text = (reason or "").strip()
    if not text:
        raise Invalid(_("Explica por qué reportas este contenido."))
    if len(text) > MAX_REASON:
        raise Invalid(_("El motivo puede tener como máximo %(n)d caracteres.", n=MAX_REASON))
    counts = counts_towards_hiding(reporter)
    inserted = db.session.scalar(
        insert_ignoring_conflicts(Report, ["content_type", "content_id", "reporter_id"])
        .values(
            content_type=content_type,
            content_id=content_id,
            reporter_id=reporter.id,
            reason=text,
            counts=counts,
            state=ReportState.PENDING,
            created_at=utcnow(),
        )
        .returning(Report.id)
    )
    if inserted is None:
        return False
    if not counts:
        return True  # in the moderators' queue; it hides nothing by itself
    if isinstance(content, Project):
        return True  # counted from its pending reports; projects are never hidden here
    model = type(content)
    count = db.session.scalars(
        update(model)
        .where(model.id == content_id)
        .values(reports_count=model.reports_count + 1)
        .returning(model.reports_count)
        .execution_options(synchronize_session=False)
    ).one()
    limit = current_app.config.get("MODERATION_HIDE_AFTER") or 0
    if limit > 0 and count >= limit:
        hidden = db.session.scalar(
            update(model)
            .where(model.id == content_id, model.hidden_at.is_(None))
            .values(hidden_at=utcnow())
            .returning(model.hidden_at)
            .execution_options(synchronize_session=False)
        )
        if hidden is not None:
            log(
                "moderation.hidden_by_reports",
                content,
                process_id=process_of(content).id,
                before={"hidden_at": None, "reports_count": count - 1},
                after={"hidden_at": hidden.isoformat(), "reports_count": count},
            )
    db.session.refresh(content, list(_AUDITED))
    return True


def reported_ids(user: Any, content_type: str, ids: list[int]) -> set[int]:
    """Which of ``ids`` (of ``content_type``) ``user`` already reported: one query a page."""
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(
            select(Report.content_id).where(
                Report.content_type == content_type,
                Report.content_id.in_(ids),
                Report.reporter_id == user.id,
            )
        )
    )


def has_reported(content: Content, user: Any) -> bool:
    """Whether ``user`` (possibly anonymous) already reported ``content``."""
    return bool(reported_ids(user, content_type_of(content), [content.id]))


@dataclass
class QueueItem:
    """One piece of content with the reports that wait for a moderator."""

    content_type: str
    content: Content
    reports: list[Report]
    process: Process
    target: Target | None = None  # a comment's page, held so the template finds it loaded

    @property
    def is_hidden(self) -> bool:
        return getattr(self.content, "hidden_at", None) is not None

    @property
    def first_reported_at(self) -> datetime:
        return min(r.created_at for r in self.reports)


def moderator_queue(scope: Scope | None = None) -> list[QueueItem]:
    """Content with pending reports, the longest-waiting first (hidden or not), of the
    processes of ``scope`` (None: every process)."""
    reports = db.session.scalars(
        select(Report)
        .where(Report.state == ReportState.PENDING)
        .options(joinedload(Report.reporter))
        .order_by(Report.created_at, Report.id)
    ).all()
    grouped: dict[tuple[str, int], list[Report]] = {}
    for r in reports:
        grouped.setdefault((r.content_type, r.content_id), []).append(r)
    loaded = _preload(grouped)
    items = []
    for (content_type, content_id), pending in grouped.items():
        content = get_content(content_type, content_id)
        if content is None:
            continue  # deleted with its page; nothing left to decide
        try:
            process = process_of(content)
        except Invalid:
            continue
        if scope is not None and not scope.covers(process.id):
            continue  # another process's: not this moderator's
        target = target_of(content) if isinstance(content, Comment) else None
        items.append(QueueItem(content_type, content, pending, process, target))
    del loaded  # every item now holds what it shows
    return items


def _preload(grouped: dict[tuple[str, int], list[Report]]) -> list:
    """Load the reported content in one query per type, so the queue is not N+1. The
    session's identity map holds its objects weakly: the caller keeps them (the returned
    list) while it reads them with ``get_content``."""
    loaded: list = []
    ids: dict[str, set[int]] = {}
    for content_type, content_id in grouped:
        ids.setdefault(content_type, set()).add(content_id)
    if ids.get(ContentType.COMMENT):
        comments = db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids[ContentType.COMMENT]))
            .options(joinedload(Comment.author))
        ).all()
        loaded += comments
        for c in comments:
            ids.setdefault(c.target_type, set()).add(c.target_id)
    if ids.get(ContentType.PROPOSAL):
        loaded += db.session.scalars(
            select(Proposal)
            .where(Proposal.id.in_(ids[ContentType.PROPOSAL]))
            .options(joinedload(Proposal.author), selectinload(Proposal.process))
        ).all()
    if ids.get(ContentType.PROJECT):
        loaded += db.session.scalars(
            select(Project)
            .where(Project.id.in_(ids[ContentType.PROJECT]))
            .options(joinedload(Project.budget).joinedload(Budget.process))
        ).all()
    return loaded


@dataclass(frozen=True)
class Waiting:
    """What waits for a moderator in one process: reported content (of it, hidden by its
    reports until someone decides) and the pending reports."""

    process: Process
    content: int
    hidden: int
    reports: int


def waiting_by_process(items: list[QueueItem]) -> list[Waiting]:
    """The queue ``items`` counted per process, in the order processes first appear."""
    counts: dict[int, list] = {}
    for item in items:
        row = counts.setdefault(item.process.id, [item.process, 0, 0, 0])
        row[1] += 1
        row[2] += item.is_hidden
        row[3] += len(item.reports)
    return [Waiting(*row) for row in counts.values()]


def pending_count() -> int:
    """How many pieces of content wait for a moderator."""
    return db.session.scalars(
        select(func.count()).select_from(
            select(Report.content_type, Report.content_id)
            .where(Report.state == ReportState.PENDING)
            .group_by(Report.content_type, Report.content_id)
            .subquery()
        )
    ).one()
