"""The moderators' decisions: hide or restore reported content, block or unblock accounts.

A decision (hide or restore) resolves every pending report of the content and sets its
counter back to zero, so content that was restored needs that many new reports to be
hidden again. The reports themselves stay, with their state, as the record. Projects are
the municipality's own ballot entries: a moderator cannot hide them (that is an
administrator's correction of the ballot); reports of a project are resolved by restoring
it. Every decision is logged with the values before and after.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from participa.accounts.models import Role, User
from participa.accounts.services import close_all_sessions
from participa.audit.services import log
from participa.budgets.models import Project
from participa.conversation.content import (
    Content,
    content_type_of,
    moderates,
    moderates_everywhere,
    process_of,
)
from participa.conversation.models import Comment, Report, ReportState
from participa.db import utcnow
from participa.errors import NotAllowed
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.services import notify
from participa.opendata.redaction import request_redaction
from participa.proposals.models import Proposal


def hide(content: Content, moderator: User) -> int:
    """A moderator hides a proposal or comment from the public and resolves its pending
    reports as ``hidden``; on content its reports already hid, this confirms the hiding
    and closes the case. Logged with the values before and after; the author is told.
    Returns how many reports were resolved."""
    _require_moderator(moderator, content)
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
    _require_moderator(moderator, content)
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
    changes their role first). Only moderators of every process block (it reaches every
    process). Logged; returns how many sessions ended."""
    _require_global_moderator(moderator)
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
    _require_global_moderator(moderator)
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


def _require_moderator(user: User, content: Content) -> None:
    if not moderates(user, process_of(content).id):
        raise NotAllowed(
            _("Solo quien modera este proceso puede decidir sobre los reportes de su contenido.")
        )


def _require_global_moderator(user: User) -> None:
    if not moderates_everywhere(user):
        raise NotAllowed(
            _(
                "Solo quien modera todos los procesos puede bloquear o desbloquear cuentas: "
                "el bloqueo vale en todo el sitio."
            )
        )


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
