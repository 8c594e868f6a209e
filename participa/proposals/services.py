"""Creating, listing, supporting and withdrawing proposals."""

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, UnaryExpression, delete, or_, select, update
from sqlalchemy.orm import joinedload

from participa.accounts.access import require_confirmed
from participa.accounts.models import User
from participa.categories.services import require_offered
from participa.census.verification import require_verified
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, Process
from participa.proposals.models import Proposal, ProposalState, Support
from participa.sql import insert_ignoring_conflicts

SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "recientes": (Proposal.created_at.desc(), Proposal.id.desc()),
    "apoyos": (Proposal.supports_count.desc(), Proposal.id.desc()),
    "titulo": (Proposal.title.asc(), Proposal.id.asc()),
}


@dataclass(frozen=True)
class ProposalFilters:
    """What the proposal list is narrowed and ordered by (all optional)."""

    q: str = ""
    district_id: int | None = None
    category: str = ""
    state: str = ""
    sort: str = "recientes"


def proposals_query(process: Process, filters: ProposalFilters) -> Select:
    """Proposals of ``process`` matching ``filters``; withdrawn ones only when asked for,
    hidden ones (by moderation) never."""
    stmt = select(Proposal).where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None))
    if filters.state:
        stmt = stmt.where(Proposal.state == filters.state)
    else:
        stmt = stmt.where(Proposal.state != ProposalState.WITHDRAWN)
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(  # ILIKE on PostgreSQL: the trigram index ix_proposals_search
            or_(
                Proposal.title.icontains(text, autoescape=True),
                Proposal.body.icontains(text, autoescape=True),
            )
        )
    if filters.district_id:
        stmt = stmt.where(Proposal.district_id == filters.district_id)
    if filters.category:
        stmt = stmt.where(Proposal.category == filters.category)
    order = SORTS.get(filters.sort, SORTS["recientes"])
    if filters.sort == "apoyos" and not process.vote_counts_visible():
        order = SORTS["recientes"]  # sorting would reveal the hidden counts
    return stmt.options(joinedload(Proposal.district)).order_by(*order)


def create_proposal(
    process: Process,
    author: User,
    *,
    title: str,
    body: str,
    category: str,
    district_id: int | None,
    cost_estimate: int | None,
) -> Proposal:
    """Submit a proposal, if the current phase of ``process`` allows proposing."""
    if not process.allows(Action.PROPOSE):
        raise NotAllowed(_("Este proceso no recibe propuestas en esta fase."))
    require_confirmed(author, "propose")  # a confirmed e-mail, unless the setting says no
    require_verified(process.verification_to_propose, author, Action.PROPOSE)  # census
    require_offered(category)  # an administrator's category, not archived
    if cost_estimate is not None and cost_estimate < 0:
        raise Invalid(_("El costo estimado no puede ser negativo."), field="cost_estimate")
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title=title.strip(),
        body=body.strip(),
        category=category,
        district_id=district_id,
        cost_estimate=cost_estimate,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def has_supported(proposal: Proposal, user: User) -> bool:
    return (
        db.session.scalar(
            select(Support.id).where(Support.proposal_id == proposal.id, Support.user_id == user.id)
        )
        is not None
    )


def supported_ids(user: User, proposal_ids: list[int]) -> set[int]:
    """Which of ``proposal_ids`` ``user`` supports (one query for a whole list page)."""
    if not proposal_ids or not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            select(Support.proposal_id).where(
                Support.user_id == user.id, Support.proposal_id.in_(proposal_ids)
            )
        )
    )


def support(proposal: Proposal, user: User) -> bool:
    """Support ``proposal`` once. Returns False if ``user`` already supported it.

    The unique (proposal, user) constraint decides races; the counter moves only when a row
    was really inserted.
    """
    _require_supportable(proposal)
    require_confirmed(user, "support")
    inserted = db.session.scalar(
        insert_ignoring_conflicts(Support, ["proposal_id", "user_id"])
        .values(proposal_id=proposal.id, user_id=user.id, created_at=utcnow())
        .returning(Support.id)
    )
    if inserted is None:
        return False
    _bump(proposal, +1)
    return True


def unsupport(proposal: Proposal, user: User) -> bool:
    """Take back a support while supports are open. Returns False if there was none."""
    _require_supportable(proposal)
    deleted = db.session.scalar(
        delete(Support)
        .where(Support.proposal_id == proposal.id, Support.user_id == user.id)
        .returning(Support.id)
    )
    if deleted is None:
        return False
    _bump(proposal, -1)
    return True


def withdraw(proposal: Proposal, user: User) -> None:
    """The author withdraws a proposal that has not been answered yet."""
    if proposal.author_id != user.id:
        raise NotAllowed(_("Solo quien la propuso puede retirar esta propuesta."))
    if proposal.state not in (ProposalState.SUBMITTED, ProposalState.EVALUATING):
        raise NotAllowed(_("Una propuesta ya respondida o retirada no se puede retirar."))
    proposal.state = ProposalState.WITHDRAWN
    proposal.withdrawn_at = utcnow()
    db.session.flush()


def answer(
    proposal: Proposal,
    *,
    state: str,
    cost: int | None,
    reason: str,
    actor: User | None = None,
) -> None:
    """Accept (feasible, with a cost) or reject (with a reason) a proposal, published at once.

    A thin wrapper of :mod:`participa.review.services`: the evaluation is recorded and
    published together (the author is notified; call ``notifications.services.dispatch()``
    after the commit). Accepting without ``cost`` uses the proposal's own estimate.
    ``actor`` is the administrator answering (None: the system).
    """
    from participa.review import services as review

    if state == ProposalState.ACCEPTED and cost is None:
        cost = proposal.cost_estimate or None
    review.answer_now(proposal, actor, state=state, cost=cost, reason=reason)


def _require_supportable(proposal: Proposal) -> None:
    if not proposal.process.allows(Action.SUPPORT):
        raise NotAllowed(_("Los apoyos no están abiertos en esta fase."))
    if proposal.state in (ProposalState.WITHDRAWN, ProposalState.REJECTED):
        raise NotAllowed(_("Esta propuesta ya no recibe apoyos."))


def _bump(proposal: Proposal, delta: int) -> None:
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(supports_count=Proposal.supports_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(proposal, ["supports_count"])
