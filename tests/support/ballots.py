"""A budget on the ballot of each ballot type, and what a voter's stored ballot holds (shared
by the functional and browser ballot tests); casting a ballot on a loaded budget."""

from sqlalchemy import select

from participa.accounts.models import User
from participa.budgets.ballot_box import BallotBox
from participa.budgets.ballots import confirm_ballot
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


def cast_ballot(
    budget: Budget, user: User, project_ids: list[int], points: list[int] | None = None
) -> Ballot:
    """:func:`confirm_ballot` on a loaded budget."""
    return confirm_ballot(BallotBox.of(budget), user, project_ids, points)


def selected_ids(ballot: Ballot | None) -> list[int]:
    """The ballot's project ids: ranked best first on ordinal ballots, else by id."""
    if not ballot:
        return []
    items = sorted(ballot.items, key=lambda i: (i.rank or 0, i.project_id))
    return [i.project_id for i in items]
