"""A budget on the ballot of each ballot type, and what a voter's stored ballot holds (shared
by the functional and browser ballot tests)."""

from sqlalchemy import select

from participa.budgets.models import Ballot, Budget
from participa.extensions import db
from tests import factories as f

COSTS = (400, 300, 300, 200)


def voting_budget(ballot_type: str, amount: int = 1000, **rules) -> Budget:
    """A budget of ``ballot_type`` with four projects costing ``COSTS``, in a process whose
    current phase allows voting."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=amount, costs=COSTS, ballot_type=ballot_type, **rules)
    db.session.commit()
    assert process.allows("vote")
    return budget


def stored(budget: Budget) -> dict[int, tuple[int | None, int | None]]:
    """The (points, rank) of each project on the budget's only ballot, or {} if none."""
    db.session.expire_all()
    ballots = db.session.scalars(select(Ballot).where(Ballot.budget_id == budget.id)).all()
    assert len(ballots) <= 1
    if not ballots:
        return {}
    return {i.project_id: (i.points, i.rank) for i in ballots[0].items}
