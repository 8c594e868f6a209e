"""The vote scope of a process with district budgets: whether a person may vote in a
district budget (their own district only, or a single district of their choice), judged
from their district and their other ballots, online and at a booth alike
(:func:`scope_refusal`); and its check on an online vote (:func:`require_vote_scope`)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import false, or_, select

from participa.accounts.models import User
from participa.budgets.models import Ballot, Budget
from participa.errors import NotAllowed
from participa.extensions import db
from participa.processes.models import District, VoteScope


def vote_refusal(budget: Budget, user: User) -> str | None:
    """Why ``user`` may not vote in ``budget`` under the process's vote scope, or None."""
    return scope_refusal(budget, user.district, user_id=user.id, identity_id=user.identity_id)


def require_vote_scope(budget: Budget, user: User) -> None:
    """Refuse a vote outside the process's vote scope."""
    if budget.district_id is None or budget.process.vote_scope == VoteScope.ALL:
        return  # nothing to check (and no need to load the voter's district)
    # Serialise this person's confirmations (and paper ballots, which lock the same row):
    # two at once in two district budgets would both pass the check.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    refusal = vote_refusal(budget, user)
    if refusal:
        raise NotAllowed(refusal)


def scope_refusal(
    budget: Budget, home: District | None, *, user_id: int | None, identity_id: int | None
) -> str | None:
    """Why a person living in ``home`` (their account's or their census district) may not
    vote in ``budget`` under the process's vote scope, or None. Their ballots in other
    district budgets are found by account and by identity: online and booth ballots alike."""
    process = budget.process
    if budget.district_id is None or process.vote_scope == VoteScope.ALL:
        return None
    voters = [Ballot.user_id == user_id] if user_id else []
    if identity_id:
        voters.append(Ballot.identity_id == identity_id)
    others = (  # this person's ballots in the process's other district budgets
        select(Budget.title)
        .join(Ballot, Ballot.budget_id == Budget.id)
        .where(
            Budget.process_id == process.id,
            Budget.district_id.is_not(None),
            Budget.id != budget.id,
            or_(false(), *voters),
        )
        .limit(1)
    )
    if process.vote_scope == VoteScope.OWN:
        if home is None:
            return _(
                "Este presupuesto es de un distrito: indica o verifica tu distrito para "
                "votar en él."
            )
        lineage = {d.id for d in home.lineage()}
        if budget.district_id not in lineage:
            return _(
                "Solo puedes votar en los presupuestos de tu distrito (%(name)s).", name=home.name
            )
        # A move (a census re-import, a changed district) gives no second district vote.
        moved = (
            db.session.scalar(others.where(Budget.district_id.not_in(lineage))) if voters else None
        )
        if moved:
            return _(
                "Ya votaste en «%(title)s», del distrito donde vivías: un cambio de domicilio "
                "no da otro voto en este proceso.",
                title=moved,
            )
        return None
    if not voters:
        return None
    elsewhere = db.session.scalar(others)
    if elsewhere:
        return _(
            "Ya votaste en «%(title)s»: en este proceso se vota en un solo distrito.",
            title=elsewhere,
        )
    return None
