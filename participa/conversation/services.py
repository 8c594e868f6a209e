"""Comments on proposals and projects, reports of content, and the moderators' decisions.

``reports_count`` (on proposals and comments) counts the reports still waiting for a
moderator that come from trusted accounts (:func:`counts_towards_hiding`: verified
residents whose account is older than ``MODERATION_REPORTER_MIN_AGE_HOURS``): each such
report adds one, and when it reaches ``MODERATION_HIDE_AFTER`` the content is hidden until
a moderator decides. Reports of new or unverified accounts reach the moderators' queue
all the same, but never hide anything by themselves, so a few throwaway accounts cannot
take a proposal down. A moderator's decision (hide or restore)
resolves every pending report and sets the counter back to zero, so content that was
restored needs that many new reports to be hidden again. The reports themselves stay, with
their state, as the record.

Projects are the municipality's own ballot entries: they can be commented on and reported,
but a moderator cannot hide them (that is an administrator's correction of the ballot);
reports of a project are resolved by restoring it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from participa.accountability.models import ExecutionItem
from participa.accounts.models import Role, User
from participa.accounts.services import close_all_sessions
from participa.audit.services import log
from participa.budgets.models import Budget, Project
from participa.conversation.models import Comment, ContentType, Report, ReportState
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.services import notify
from participa.opendata.redaction import request_redaction
from participa.processes.models import Action, Process
from participa.proposals.models import Proposal
from participa.sql import insert_ignoring_conflicts

MIN_BODY = 2
MAX_BODY = 2000
MAX_REASON = 500
# Replies are shown nested up to this depth; deeper replies are listed at that depth.
MAX_DEPTH = 3

Target = Proposal | Project | ExecutionItem
Content = Proposal | Project | Comment

EXECUTION_ITEM = "execution_item"  # comment target only: items are not reported themselves

_MODELS: dict[str, type] = {
    ContentType.PROPOSAL: Proposal,
    ContentType.PROJECT: Project,
    ContentType.COMMENT: Comment,
    EXECUTION_ITEM: ExecutionItem,
}
_AUDITED = ("hidden_at", "reports_count")


def content_type_of(content: Content | Target) -> str:
    """``proposal``, ``project`` or ``comment``: how reports name ``content``."""
    for name, model in _MODELS.items():
        if isinstance(content, model):
            return name
    raise TypeError(f"not reportable: {content!r}")


def get_content(content_type: str, content_id: int) -> Content | None:
    """The proposal, project or comment a report points to, if it exists."""
    model = _MODELS.get(content_type)
    return db.session.get(model, content_id) if model else None


def target_of(comment: Comment) -> Target | None:
    """The proposal or project ``comment`` belongs to."""
    # a comment's target is never a comment
    return cast(Target | None, get_content(comment.target_type, comment.target_id))


def process_of(content: Content | Target) -> Process:
    """The process ``content`` belongs to (a project's: its budget's process)."""
    if isinstance(content, Comment):
        target = target_of(content)
        if target is None:
            raise Invalid(_("El comentario ya no pertenece a ninguna página."))
        content = target
    if isinstance(content, Project):
        return content.budget.process
    return content.process


def is_moderator(user: Any) -> bool:
    """Whether ``user`` (possibly anonymous) may see hidden content and decide reports."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.MODERATOR))


# Comments


def add_comment(target: Target, author: User, body: str, parent: Comment | None = None) -> Comment:
    """Comment on a proposal or a project, or reply to ``parent`` on the same page.

    Allowed only while the current phase of the process (a project's: its budget's
    process) allows commenting, and never on a hidden or withdrawn proposal or in reply to
    a hidden comment. ``body`` must be 2 to 2,000 characters once trimmed.
    """
    closed = _closed_reason(target)
    if closed is not None:
        raise NotAllowed(closed)
    text = (body or "").strip()
    if len(text) < MIN_BODY:
        raise Invalid(_("Escribe tu comentario (al menos %(n)d caracteres).", n=MIN_BODY))
    if len(text) > MAX_BODY:
        raise Invalid(_("El comentario puede tener como máximo %(n)d caracteres.", n=MAX_BODY))
    target_type = content_type_of(target)
    if parent is not None:
        if parent.target_type != target_type or parent.target_id != target.id:
            raise Invalid(_("Solo puedes responder a un comentario de esta misma página."))
        if parent.is_hidden:
            raise NotAllowed(_("No se puede responder a un comentario oculto por moderación."))
    comment = Comment(
        target_type=target_type,
        target_id=target.id,
        parent_id=parent.id if parent is not None else None,
        author_id=author.id,
        body=text,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def _closed_reason(target: Target) -> str | None:
    """Why ``target`` cannot be commented on now, or None when it can. Execution items
    stay open to comments whatever the phase: their follow-up outlives the process."""
    if isinstance(target, ExecutionItem):
        return None
    if not process_of(target).allows(Action.COMMENT):
        return _("Los comentarios no están abiertos en esta fase.")
    if isinstance(target, Proposal) and (target.is_hidden or target.is_withdrawn):
        return _("Esta propuesta ya no recibe comentarios.")
    return None


@dataclass
class ThreadNode:
    """A comment and its replies, oldest first."""

    comment: Comment
    replies: list[ThreadNode] = field(default_factory=list)


@dataclass
class Thread:
    """The comments of one proposal or project, ready to show."""

    target: Target
    target_type: str
    nodes: list[ThreadNode]
    visible_count: int
    can_comment: bool
    closed_reason: str | None  # why nobody can comment now, if so
    reported: set[int]  # ids of the comments the viewer already reported


def thread(target: Target, viewer: Any = None) -> Thread:
    """Every comment of ``target`` as a tree (replies below their comment, oldest first).

    Hidden comments stay in the tree so their replies keep their place; the template
    shows a placeholder instead of their text to anyone but moderators.
    """
    target_type = content_type_of(target)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.target_type == target_type, Comment.target_id == target.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    nodes = {c.id: ThreadNode(c) for c in comments}
    depth: dict[int, int] = {}
    roots: list[ThreadNode] = []
    for c in comments:  # oldest first: a parent is always placed before its replies
        parent = nodes.get(c.parent_id) if c.parent_id else None
        if parent is None:
            depth[c.id] = 0
            roots.append(nodes[c.id])
            continue
        while depth[parent.comment.id] >= MAX_DEPTH - 1 and parent.comment.parent_id in nodes:
            parent = nodes[parent.comment.parent_id]  # too deep: list beside its parent
        depth[c.id] = depth[parent.comment.id] + 1
        parent.replies.append(nodes[c.id])
    closed = _closed_reason(target)
    return Thread(
        target=target,
        target_type=target_type,
        nodes=roots,
        visible_count=sum(1 for c in comments if not c.is_hidden),
        can_comment=closed is None,
        closed_reason=closed,
        reported=reported_ids(viewer, ContentType.COMMENT, [c.id for c in comments]),
    )


# Reports


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


def moderator_queue() -> list[QueueItem]:
    """Content with pending reports, the longest-waiting first (hidden or not)."""
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


# Moderators' decisions


def hide(content: Content, moderator: User) -> int:
    """A moderator hides a proposal or comment from the public and resolves its pending
    reports as ``hidden``; on content its reports already hid, this confirms the hiding
    and closes the case. Logged with the values before and after; the author is told.
    Returns how many reports were resolved."""
    _require_moderator(moderator)
    if isinstance(content, Project):
        raise NotAllowed(
            _(
                "Los proyectos de la boleta no se ocultan desde moderación: pide a la "
                "administración que los corrija. Puedes descartar los reportes."
            )
        )
    _lock(content)
    before = _snapshot(content)
    resolved = _resolve(content, moderator, ReportState.HIDDEN)
    if content.hidden_at is None:
        content.hidden_at = utcnow()
    content.reports_count = 0
    db.session.flush()
    log(
        # content hidden by its reports: the moderator confirms the hiding and closes them
        "moderation.hidden" if before["hidden_at"] is None else "moderation.hide_confirmed",
        content,
        actor=moderator,
        process_id=process_of(content).id,
        before=before,
        after=_snapshot(content) | {"reports_resolved": resolved},
    )
    if before["hidden_at"] is None or resolved:
        with platform_language():
            _tell_author(content)
    _redact_published(content)
    return resolved


def _redact_published(content: Content) -> None:
    """A proposal a moderator hid (or whose automatic hiding a moderator confirmed) leaves
    the open data versions already published, once the decision is committed (the view then
    calls ``opendata.tasks.queue_redactions``). Comments are never published."""
    if isinstance(content, Proposal):
        request_redaction(content.process_id)


def restore(content: Content, moderator: User) -> int:
    """A moderator finds nothing wrong: the content is shown again and its pending reports
    are resolved as ``restored``. Logged with the values before and after. Returns how
    many reports were resolved."""
    _require_moderator(moderator)
    _lock(content)
    before = _snapshot(content)
    resolved = _resolve(content, moderator, ReportState.RESTORED)
    if not isinstance(content, Project):
        content.hidden_at = None
        content.reports_count = 0
    db.session.flush()
    log(
        "moderation.restored",
        content,
        actor=moderator,
        process_id=process_of(content).id,
        before=before,
        after=_snapshot(content) | {"reports_resolved": resolved},
    )
    return resolved


def block(account: User, moderator: User) -> int:
    """A moderator blocks a resident's account: it can no longer sign in, and every one
    of its sessions ends at once. Staff accounts are not blocked here (an administrator
    changes their role first). Logged; returns how many sessions ended."""
    _require_moderator(moderator)
    if account.role != Role.RESIDENT:
        raise NotAllowed(
            _(
                "Solo se bloquean cuentas de residentes; pide a la administración que "
                "cambie primero el rol de esta cuenta."
            )
        )
    db.session.refresh(account, with_for_update=True)
    if account.blocked_at is not None:
        return 0
    account.blocked_at = utcnow()
    ended = close_all_sessions(account)
    log(
        "accounts.blocked",
        account,
        actor=moderator,
        before={"blocked_at": None},
        after={"blocked_at": account.blocked_at.isoformat(), "sessions_ended": ended},
    )
    return ended


def unblock(account: User, moderator: User) -> bool:
    """A moderator lets a blocked account sign in again. Logged; False if not blocked."""
    _require_moderator(moderator)
    db.session.refresh(account, with_for_update=True)
    if account.blocked_at is None:
        return False
    before = {"blocked_at": account.blocked_at.isoformat()}
    account.blocked_at = None
    db.session.flush()
    log("accounts.unblocked", account, actor=moderator, before=before, after={"blocked_at": None})
    return True


def blocked_accounts() -> list[User]:
    """The blocked accounts, the latest first, for the moderation page."""
    return list(
        db.session.scalars(
            select(User).where(User.blocked_at.is_not(None)).order_by(User.blocked_at.desc())
        )
    )


def _require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise NotAllowed(_("Solo las personas moderadoras pueden decidir sobre los reportes."))


def _lock(content: Content) -> None:
    """Hold the content's row (PostgreSQL) so a report arriving meanwhile is either
    resolved by this decision or counted after it, never half of each."""
    if not isinstance(content, Project):
        db.session.refresh(content, with_for_update=True)


def _snapshot(content: Content) -> dict[str, Any]:
    if isinstance(content, Project):
        return {"pending_reports": _pending_of(content)}
    hidden_at = content.hidden_at
    return {
        "hidden_at": hidden_at.isoformat() if hidden_at else None,
        "reports_count": content.reports_count,
    }


def _pending_of(content: Content) -> int:
    return db.session.scalars(
        select(func.count(Report.id)).where(
            Report.content_type == content_type_of(content),
            Report.content_id == content.id,
            Report.state == ReportState.PENDING,
        )
    ).one()


def _resolve(content: Content, moderator: User, state: ReportState) -> int:
    result = db.session.execute(
        update(Report)
        .where(
            Report.content_type == content_type_of(content),
            Report.content_id == content.id,
            Report.state == ReportState.PENDING,
        )
        .values(state=state, resolved_at=utcnow(), resolved_by_id=moderator.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]  # DML: a CursorResult


def _tell_author(content: Proposal | Comment) -> None:
    if isinstance(content, Proposal):
        subject = _("Tu propuesta fue ocultada por moderación")
        body = _(
            "Tu propuesta «%(title)s» fue ocultada por moderación después de revisar los "
            "reportes que recibió. Si crees que es un error, comunícate con el municipio.",
            title=content.title,
        )
    else:
        subject = _("Tu comentario fue ocultado por moderación")
        body = _(
            "Tu comentario fue ocultado por moderación después de revisar los reportes que "
            "recibió. Si crees que es un error, comunícate con el municipio."
        )
    notify([content.author_id], "content_hidden", subject, body)
