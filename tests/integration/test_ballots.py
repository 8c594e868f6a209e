"""Ballots on the real database: rules, replacement, and the constraints behind them."""

import dataclasses

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from participa.budgets.ballot_box import ballot_box
from participa.budgets.ballots import confirm_ballot
from participa.budgets.models import Ballot, BallotItem, BallotType
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from tests import factories as f
from tests.support.ballots import cast_ballot, selected_ids


def test_cast_then_change_keeps_one_ballot(ctx):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    voter = f.user()
    p1, p2, p3, _p4 = f.project_ids(budget)
    first = cast_ballot(budget, voter, [p1, p2])
    db.session.commit()
    second = cast_ballot(budget, voter, [p2, p3])
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    assert selected_ids(second) == sorted([p2, p3])


def test_over_budget_ballot_is_refused_and_nothing_stored(ctx):
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    with pytest.raises(Invalid) as refused:
        cast_ballot(budget, f.user(), f.project_ids(budget))
    assert "1,200" in refused.value.message
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_voting_outside_the_voting_phase_is_refused(ctx):
    budget = f.budget(f.process(now_allows=("allows_propose",)))
    with pytest.raises(NotAllowed):
        cast_ballot(budget, f.user(), f.project_ids(budget)[:1])


def test_approval_limits_are_checked_on_the_server(ctx):
    budget = f.budget(
        f.process(now_allows=("allows_vote",)),
        ballot_type=BallotType.APPROVAL,
        min_projects=2,
        max_projects=2,
    )
    ids = f.project_ids(budget)
    voter = f.user()
    with pytest.raises(Invalid):
        cast_ballot(budget, voter, ids[:1])
    with pytest.raises(Invalid):
        cast_ballot(budget, voter, ids[:3])
    cast_ballot(budget, voter, ids[:2])


def test_project_of_another_budget_is_refused(ctx):
    process = f.process(now_allows=("allows_vote",))
    budget, other = f.budget(process), f.budget(process)
    with pytest.raises(Invalid):
        cast_ballot(budget, f.user(), [f.project_ids(other)[0]])


def test_database_refuses_a_second_ballot_for_the_same_voter(ctx):
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    voter = f.user()
    db.session.add(Ballot(budget_id=budget.id, user_id=voter.id))
    db.session.commit()
    db.session.add(Ballot(budget_id=budget.id, user_id=voter.id))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_database_refuses_an_item_from_another_budget(ctx):
    process = f.process(now_allows=("allows_vote",))
    budget, other = f.budget(process), f.budget(process)
    ballot = Ballot(budget_id=budget.id, user_id=f.user().id)
    db.session.add(ballot)
    db.session.commit()
    foreign = f.project_ids(other)[0]
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(BallotItem).values(ballot_id=ballot.id, budget_id=budget.id, project_id=foreign)
        )
        db.session.commit()


def test_database_refuses_negative_costs(ctx):
    budget = f.budget(f.process())
    project = budget.projects[0]
    project.cost = -5
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_constraint_violation_while_storing_a_ballot_is_an_integrity_error(ctx):
    """The statements of a confirmation run through SQLAlchemy: the database's refusal is
    SQLAlchemy's ``IntegrityError`` like any other, never a driver's own class."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    voter = f.user()
    db.session.commit()
    box = ballot_box(process.slug, budget.id)
    assert box is not None and box.voting_open
    # A box whose rules take a project the database does not hold on this budget: the
    # ballot item's foreign key refuses it.
    forged = dataclasses.replace(box, costs={**box.costs, 999_999: 1})
    with pytest.raises(IntegrityError):
        confirm_ballot(forged, voter, [999_999])
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
