"""Deleting one's own account (the ARCO right of cancellation).

The ``users`` row stays as a tombstone emptied of every personal datum (``deleted_at`` set,
the e-mail an unusable unique value, the name empty, the password unusable, district and
census link cleared): the ballots and supports it cast keep pointing to it, so **ballots
already cast stay counted** and the published open data (which never names anyone) does not
change. A ballot keeps its ``identity_id``: the same person registering again and verifying
with the same document cannot vote twice in the same budget.

The person chooses, for their proposals and comments, to keep them under "Cuenta eliminada"
or to remove them where allowed (:func:`plan` says which stay, and why). Everything else
held about the account goes: sessions, mailed links, follows, notifications, archives of
its data. Others add what their own tables hold about a person to :data:`ERASERS`.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import delete, exists, select, update

from participa.accountability.models import ItemFollow
from participa.accounts.export_models import DataExport
from participa.accounts.exports import forget_exports
from participa.accounts.models import AccountToken, Role, User, UserSession
from participa.audit.services import log
from participa.budgets.models import Project
from participa.census.models import IdentityConflict
from participa.conversation.models import Comment, ContentType, Report
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed, about
from participa.extensions import db
from participa.legal.models import Consent, DataRequest
from participa.notifications.models import Follow, Notification, NotificationOptOut
from participa.opendata.models import Publication
from participa.proposals.models import Proposal, ProposalState
from participa.staff.models import ProcessRole

DELETED_DOMAIN = "cuenta-eliminada.invalid"  # .invalid never resolves: no mail can reach it


class ContentChoice(StrEnum):
    KEEP = "keep"  # proposals and comments stay, under "Cuenta eliminada"
    REMOVE = "remove"  # removed where allowed; the others stay, anonymised


@dataclass
class Plan:
    """What deleting the account does to the person's proposals and comments."""

    refusal: str | None = None
    removable_proposals: list[Proposal] = field(default_factory=list)
    kept_proposals: list[tuple[Proposal, list[str]]] = field(default_factory=list)
    removable_comments: list[Comment] = field(default_factory=list)
    kept_comments: list[Comment] = field(default_factory=list)  # others replied to them


#: What other modules hold about a person and erase with the account: ``eraser(user)``
#: deletes or anonymises it (flushing, never committing).
ERASERS: list[Callable[[User], None]] = []


def refusal(user: User) -> str | None:
    """Why ``user`` cannot delete the account now (None: they can)."""
    if user.role != Role.RESIDENT:
        return _(
            "Tu cuenta tiene un rol del equipo municipal (administración, evaluación, "
            "moderación o casilla). Pide a la administración que te lo quite antes de "
            "eliminarla: así el municipio nunca se queda sin quien atienda el sitio."
        )
    if db.session.scalar(select(exists().where(ProcessRole.user_id == user.id))):
        return _(
            "Tienes un rol del equipo en algún proceso. Pide a la administración que te "
            "lo quite antes de eliminar tu cuenta."
        )
    return None


def _proposal_reasons(proposal: Proposal, others_commented: set[int]) -> list[str]:
    reasons = []
    if proposal.supports_count > 0:
        reasons.append(_("tiene apoyos de otras personas"))
    answered = proposal.answered_at is not None or proposal.pending_state is not None
    if answered or proposal.state not in (ProposalState.SUBMITTED, ProposalState.WITHDRAWN):
        reasons.append(_("ya fue evaluada o respondida por el municipio"))
    elif proposal.evaluator_id is not None:
        reasons.append(_("está en evaluación"))
    if db.session.scalar(select(exists().where(Project.proposal_id == proposal.id))):
        reasons.append(_("se convirtió en un proyecto"))
    published = select(Publication.id).where(
        Publication.process_id == proposal.process_id,
        Publication.published_at >= proposal.created_at,
    )
    if db.session.scalar(select(exists(published))):
        reasons.append(_("está en los datos abiertos ya publicados"))
    if proposal.id in others_commented:
        reasons.append(_("tiene comentarios de otras personas"))
    return reasons


def _comment_trees(user: User) -> tuple[list[Comment], list[Comment], set[int]]:
    """The person's comments that can go (no one else's reply under them) and those that
    stay; and the proposals that other people commented on."""
    mine = list(db.session.scalars(select(Comment).where(Comment.author_id == user.id)))
    if not mine:
        threads: list[Comment] = []
    else:
        targets = {(c.target_type, c.target_id) for c in mine}
        threads = [
            c
            for c in db.session.scalars(
                select(Comment).where(
                    Comment.target_id.in_({t[1] for t in targets}),
                    Comment.target_type.in_({t[0] for t in targets}),
                )
            )
            if (c.target_type, c.target_id) in targets
        ]
    children: dict[int, list[Comment]] = defaultdict(list)
    for comment in threads:
        if comment.parent_id is not None:
            children[comment.parent_id].append(comment)

    def others_below(comment: Comment) -> bool:
        return any(c.author_id != user.id or others_below(c) for c in children[comment.id])

    removable = [c for c in mine if not others_below(c)]
    kept = [c for c in mine if others_below(c)]
    proposal_ids = select(Proposal.id).where(Proposal.author_id == user.id)
    others_commented = set(
        db.session.scalars(
            select(Comment.target_id).where(
                Comment.target_type == ContentType.PROPOSAL,
                Comment.target_id.in_(proposal_ids),
                Comment.author_id != user.id,
            )
        )
    )
    return removable, kept, others_commented


def plan(user: User) -> Plan:
    """What :func:`delete_account` would do to ``user``'s proposals and comments, and
    whether it is refused."""
    removable_comments, kept_comments, others_commented = _comment_trees(user)
    result = Plan(
        refusal=refusal(user),
        removable_comments=removable_comments,
        kept_comments=kept_comments,
    )
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id)
    )
    for proposal in proposals:
        reasons = _proposal_reasons(proposal, others_commented)
        if reasons:
            result.kept_proposals.append((proposal, reasons))
        else:
            result.removable_proposals.append(proposal)
    return result


def _remove_content(found: Plan) -> None:
    """Delete what may go: the proposals (with the person's own comments on them and
    every report about them) and the comments no one else answered."""
    proposal_ids = [p.id for p in found.removable_proposals]
    comment_ids = [c.id for c in found.removable_comments]
    if proposal_ids:
        on_them = select(Comment.id).where(
            Comment.target_type == ContentType.PROPOSAL, Comment.target_id.in_(proposal_ids)
        )
        comment_ids += list(db.session.scalars(on_them))
    if comment_ids:
        db.session.execute(
            delete(Report).where(
                Report.content_type == ContentType.COMMENT, Report.content_id.in_(comment_ids)
            )
        )
        # replies first: a comment goes once nothing hangs from it
        db.session.execute(
            delete(Comment)
            .where(Comment.id.in_(comment_ids), Comment.parent_id.is_not(None))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(Comment)
            .where(Comment.id.in_(comment_ids))
            .execution_options(synchronize_session=False)
        )
    if proposal_ids:
        db.session.execute(
            delete(Report).where(
                Report.content_type == ContentType.PROPOSAL, Report.content_id.in_(proposal_ids)
            )
        )
        db.session.execute(
            delete(Proposal)
            .where(Proposal.id.in_(proposal_ids))
            .execution_options(synchronize_session=False)
        )


def _erase(user: User) -> None:
    """The account's personal data and everything attached to it, erased."""
    erased = (UserSession, AccountToken, Follow, ItemFollow, Notification, NotificationOptOut)
    for model in (*erased, IdentityConflict, Consent):
        db.session.execute(delete(model).where(model.user_id == user.id))
    # requests about the person's data: the municipality keeps that it answered each one,
    # when and how (its record of the ARCO rights), never what the person wrote or was told
    db.session.execute(
        update(DataRequest).where(DataRequest.user_id == user.id).values(details="", answer="")
    )
    # the reports the person made keep counting (moderation), without what they wrote
    db.session.execute(update(Report).where(Report.reporter_id == user.id).values(reason=""))
    forget_exports(user)
    db.session.execute(delete(DataExport).where(DataExport.user_id == user.id))
    for eraser in ERASERS:
        eraser(user)
    user.email = f"{user.id}-{secrets.token_hex(8)}@{DELETED_DOMAIN}"
    user.stored_name = ""
    user.password_hash = "!"  # no hash matches it: no password signs in
    user.district_id = None
    user.locale = None
    user.identity_id = None  # the census link released; the ballots keep their identity
    user.email_confirmed_at = None
    user.deleted_at = utcnow()


def delete_account(user: User, password: str, choice: ContentChoice) -> int:
    """Delete ``user``'s account, asking its current password (``Invalid`` about
    ``password`` if wrong; ``NotAllowed`` for staff). One unit of work: flushes, the caller
    commits (and ends the browser's session). Returns the account number, for the log."""
    reason = refusal(user)
    if reason is not None:
        raise NotAllowed(reason)
    if not user.check_password(password):
        raise about("password", Invalid(_("Tu contraseña actual no es esa.")))
    # an archive being built keeps its row locked until its file and notice are committed:
    # wait for it first, so that they are erased below (and before locking the account,
    # which the notice's row refers to: the other order deadlocks)
    db.session.execute(select(DataExport.id).where(DataExport.user_id == user.id).with_for_update())
    db.session.refresh(user, with_for_update=True)
    if choice == ContentChoice.REMOVE:
        _remove_content(plan(user))
    _erase(user)
    db.session.flush()
    log("accounts.deleted", user, actor=user, after={"account": user.id})
    db.session.flush()
    return user.id
