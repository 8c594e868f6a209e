"""The streamed Pabulib file (``PbStream``: keyset batches, one snapshot) is byte for byte the
file the whole-in-memory writer makes (``dump(export_pb(budget))``), for every ballot type
of the platform, and its META's ``num_votes`` never disagrees with the votes below it."""

import random

import pytest
from sqlalchemy import insert

from participa.budgets.models import Ballot, BallotItem, Budget, Channel, Project
from participa.db import utcnow
from participa.extensions import db
from participa.interop.pabulib import export_pb
from participa.interop.pabulib_stream import BallotsChanged, PbStream
from participa.results.services import request_tally
from participa.results.tasks import run_tally
from participa.tallying.pabulib import dump, parse
from tests import factories as f
from tests.support.opendata import shift_phases

TYPES = {
    "approval": {"max_projects": 5},
    "knapsack": {"min_spend_percent": 10},
    "choose-1": {},
    "cumulative": {"max_points": 5, "max_total_points": 9},
    "ordinal": {"max_projects": 4},
}
TITLES = ('=HYPERLINK("x")', 'Parque "Central"; fase 2', "-Luminarias", "Biblioteca\nnueva")


def _items(ballot_type: str, ids: list[int], rng: random.Random) -> list[dict]:
    """The items of one random ballot of ``ballot_type`` (possibly none: a blank ballot)."""
    if rng.random() < 0.05:
        return []
    if ballot_type == "choose-1":
        return [{"project_id": rng.choice(ids)}]
    chosen = rng.sample(ids, rng.randint(1, 4))
    if ballot_type == "cumulative":
        return [{"project_id": p, "points": rng.randint(1, 2)} for p in chosen]
    if ballot_type == "ordinal":
        return [{"project_id": p, "rank": r} for r, p in enumerate(chosen, start=1)]
    return [{"project_id": p} for p in chosen]


def add_ballots(budget: Budget, n: int, seed: int = 7) -> None:
    """``n`` random ballots of the budget's type, inserted as a booth or an import would."""
    rng = random.Random(seed)
    ids = f.project_ids(budget)
    for i in range(n):
        now = utcnow()
        ballot_id = db.session.scalar(
            insert(Ballot)
            .values(
                budget_id=budget.id,
                voter_ref=f"r{budget.id}-{i}-{rng.random()}",
                channel=rng.choice([Channel.BOOTH, Channel.IMPORT]),
                public_id=f"{rng.getrandbits(64):016x}",
                created_at=now,
                updated_at=now,
            )
            .returning(Ballot.id)
        )
        rows = _items(budget.ballot_type, ids, rng)
        if rows:
            db.session.execute(
                insert(BallotItem),
                [
                    {"ballot_id": ballot_id, "budget_id": budget.id, "points": None, "rank": None}
                    | r
                    for r in rows
                ],
            )


def tallied_budget(ballot_type: str, ballots: int = 157) -> Budget:
    """A budget of ``ballot_type`` with projects whose titles a spreadsheet or the format
    would trip on, one imported code, one withdrawn project, ``ballots`` ballots, voting
    closed and an official tally (so the file has its ``selected`` column)."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(
        process,
        amount=2000,
        costs=(600, 500, 300, 200, 100, 700),
        ballot_type=ballot_type,
        **TYPES[ballot_type],
    )
    projects = f.projects(budget)
    for project, title in zip(projects, TITLES, strict=False):
        project.title = title
    projects[4].code = "imp-5"
    db.session.add(Project(budget_id=budget.id, title="Retirado", cost=50, archived_at=utcnow()))
    db.session.flush()
    add_ballots(budget, ballots)
    shift_phases(process, 15)
    run = request_tally(budget)
    db.session.commit()
    assert run_tally(run.id).status == "done"
    return budget


@pytest.mark.parametrize("ballot_type", list(TYPES))
def test_streamed_pb_is_the_same_file_as_the_one_in_memory(ctx, ballot_type):
    budget = tallied_budget(ballot_type)
    whole = export_pb(budget)
    expected = dump(whole)

    stream = PbStream(budget, batch=10)  # sixteen batches: every boundary crossed
    chunks = list(stream)

    assert "".join(chunks) == expected
    assert stream.votes == len(whole.votes) == int(whole.meta["num_votes"])
    assert 130 < stream.votes < 157  # blank ballots are not Pabulib votes
    assert len(chunks) > 10
    parse(expected)  # and it is a valid file
    assert "selected" in whole.project_columns


def _cast_one_more(budget_id: int) -> None:
    """A ballot committed by another connection (as a booth would), while the file is
    being written."""
    with db.engine.begin() as connection:
        now = utcnow()
        ballot_id = connection.scalar(
            insert(Ballot)
            .values(
                budget_id=budget_id,
                voter_ref="late",
                channel=Channel.BOOTH,
                public_id="0" * 16,  # first in the file's order: before any batch read
                created_at=now,
                updated_at=now,
            )
            .returning(Ballot.id)
        )
        project_id = connection.scalar(
            Project.__table__.select()
            .with_only_columns(Project.id)
            .where(Project.budget_id == budget_id)
            .limit(1)
        )
        connection.execute(
            insert(BallotItem).values(
                ballot_id=ballot_id, budget_id=budget_id, project_id=project_id
            )
        )


def test_a_ballot_stored_while_writing_never_makes_a_wrong_count(ctx, is_postgres):
    budget = tallied_budget("approval", ballots=40)
    before = dump(export_pb(budget))
    stream = iter(PbStream(budget, batch=10))
    head = next(stream)  # META (num_votes) and PROJECTS are written
    assert "num_votes;" in head

    _cast_one_more(budget.id)

    if is_postgres:  # one snapshot: the file is the one of the moment it started
        assert head + "".join(stream) == before
    else:  # SQLite: the file fails (a storage write keeps nothing of it)
        with pytest.raises(BallotsChanged):
            list(stream)
