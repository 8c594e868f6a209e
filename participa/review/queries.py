"""The evaluators' queue, read-only: the proposals waiting for an answer that a person may
review, filtered, counted, and what waits in each process of their reach. The transitions
(assigning, evaluating, publishing) are :mod:`participa.review.services`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, or_, select

from participa.accounts.models import Role, User
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState
from participa.review.services import REVIEWABLE
from participa.staff import access

# Waiting for an answer and listed (hidden content waits for moderation, not review).
_REVIEWABLE = (Proposal.state.in_(REVIEWABLE), Proposal.hidden_at.is_(None))


def _reviewable_by(user: User) -> tuple[ColumnElement[bool], ...]:
    """Waiting for an answer, in a process ``user`` evaluates."""
    return (*_REVIEWABLE, access.scope(user, Role.EVALUATOR).where(Proposal.process_id))


#: Queue filters: what each ``estado`` value of the queue shows.
QUEUE_STATES = ("submitted", "evaluating", "held")
#: Queue scopes: ``mias`` (assigned to me), ``libres`` (unassigned), ``todas`` (admins only).
QUEUE_SCOPES = ("mias", "libres", "todas")


def processes_in_review(user: User) -> list[Process]:
    """The processes of ``user``'s reach with proposals waiting for an answer, newest first."""
    waiting = select(Proposal.process_id).where(*_REVIEWABLE)
    return list(
        db.session.scalars(
            select(Process)
            .where(Process.id.in_(waiting), access.scope(user, Role.EVALUATOR).where(Process.id))
            .order_by(Process.created_at.desc())
        )
    )


def queue_query(
    user: User, *, process_id: int | None = None, state: str = "", scope: str = ""
) -> Select:
    """The proposals waiting for an answer that ``user`` may review, filtered.

    Evaluators see those assigned to them and the unassigned ones, of the processes they
    evaluate (all, or those they are assigned to); administrators see all.
    ``state`` is one of :data:`QUEUE_STATES` (``held``: answer recorded, not published).
    """
    stmt = select(Proposal).where(*_reviewable_by(user))
    if not user.is_admin:
        stmt = stmt.where(or_(Proposal.evaluator_id.is_(None), Proposal.evaluator_id == user.id))
    if scope == "mias":
        stmt = stmt.where(Proposal.evaluator_id == user.id)
    elif scope == "libres":
        stmt = stmt.where(Proposal.evaluator_id.is_(None))
    if process_id:
        stmt = stmt.where(Proposal.process_id == process_id)
    if state == "held":
        stmt = stmt.where(Proposal.pending_state.is_not(None))
    elif state in REVIEWABLE:
        stmt = stmt.where(Proposal.state == state)
    return stmt.order_by(
        case((Proposal.evaluator_id == user.id, 0), else_=1),
        Proposal.supports_count.desc(),
        Proposal.id,
    )


def queue_counts(user: User) -> dict[str, int]:
    """How many proposals of ``user``'s queue are assigned to them, and unassigned."""
    base = select(func.count(Proposal.id)).where(*_reviewable_by(user))
    return {
        "mias": db.session.scalar(base.where(Proposal.evaluator_id == user.id)) or 0,
        "libres": db.session.scalar(base.where(Proposal.evaluator_id.is_(None))) or 0,
    }


@dataclass(frozen=True)
class Waiting:
    """What waits for review in one process: proposals not started yet, under evaluation
    (of them, assigned to the viewer), and answers recorded but held."""

    process: Process
    submitted: int
    evaluating: int
    mine: int
    held: int


def waiting_by_process(user: User) -> list[Waiting]:
    """Per process of ``user``'s reach, what waits for review (one grouped query)."""
    rows = db.session.execute(
        select(
            Proposal.process_id,
            func.count(case((Proposal.state == ProposalState.SUBMITTED, 1))),
            func.count(case((Proposal.state == ProposalState.EVALUATING, 1))),
            func.count(case((Proposal.evaluator_id == user.id, 1))),
            func.count(case((Proposal.pending_state.is_not(None), 1))),
        )
        .where(*_reviewable_by(user))
        .group_by(Proposal.process_id)
    ).all()
    if not rows:
        return []
    processes = {
        p.id: p
        for p in db.session.scalars(select(Process).where(Process.id.in_([r[0] for r in rows])))
    }
    waiting = [Waiting(processes[r[0]], r[1], r[2], r[3], r[4]) for r in rows]
    return sorted(waiting, key=lambda w: w.process.created_at, reverse=True)
