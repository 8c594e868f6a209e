"""1,000 residents vote at the same time (32 at once, each in its own application context
and database session) on PostgreSQL; the worker tallies them when voting closes. Every
ballot is stored exactly as cast, and the tally is the pure tally of the expected ballots.
"""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from participa.accounts.models import User
from participa.budgets.models import Ballot, BallotItem, Budget
from participa.db import utcnow
from participa.extensions import db
from participa.processes.tasks import advance_phases
from participa.results.models import RunStatus
from participa.tallying import Ballot as TallyBallot
from participa.tallying import Election, TallyProject, tally
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.reliability import decision_rows, finished_runs, outcome_rows, publications
from tests.support.worker import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

VOTERS = 1000
THREADS = 32
RULE = "equalshares"  # needs every whole ballot: a lost or mixed-up one changes the outcome


def residents(n: int) -> list[int]:
    """``n`` accounts, inserted at once (one password hash for all: hashing is not tested)."""
    password_hash = generate_password_hash(f.PASSWORD)
    now = utcnow()
    rows = [
        {
            "email": f"vecina{i}@example.org",
            "name": f"Vecina {i}",
            "password_hash": password_hash,
            "role": "resident",
            "created_at": now,
            "email_confirmed_at": now,  # voting needs a confirmed e-mail
        }
        for i in range(n)
    ]
    return list(db.session.scalars(insert(User).returning(User.id), rows))


def test_1000_parallel_voters_are_counted_exactly(pg, worker):
    rng = random.Random(20260611)
    costs = tuple(rng.randrange(100, 600) for _ in range(12))
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(
        process, amount=sum(costs) // 3, costs=costs, ballot_type="approval", rule=RULE
    )
    ids = f.project_ids(budget)
    voters = residents(VOTERS)
    db.session.commit()
    expected = {uid: sorted(rng.sample(ids, rng.randint(1, 6))) for uid in voters}
    app, budget_id = pg, budget.id

    def vote(uid: int) -> None:
        with app.app_context():  # a session of its own, like a request
            ballot = cast_ballot(
                db.session.get(Budget, budget_id), db.session.get(User, uid), expected[uid]
            )
            assert ballot.receipt_code
            db.session.commit()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(vote, voters))  # re-raises the first failure

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ballot.id))) == VOTERS
    stored: dict[int, list[int]] = {}
    for uid, pid in db.session.execute(
        select(Ballot.user_id, BallotItem.project_id).join(BallotItem.ballot)
    ):
        stored.setdefault(uid, []).append(pid)
    assert {uid: sorted(pids) for uid, pids in stored.items()} == expected
    votes = dict(
        db.session.execute(
            select(BallotItem.project_id, func.count()).group_by(BallotItem.project_id)
        ).all()
    )
    assert votes == Counter(pid for selection in expected.values() for pid in selection)

    # Voting closes; beat's next run records it and the worker tallies.
    now = utcnow()
    process.phases[1].ends_at = now - timedelta(seconds=1)
    process.phases[2].starts_at = now - timedelta(seconds=1)
    db.session.commit()
    advance_phases.delay()
    (run,) = wait_until(lambda: finished_runs(budget.id), 60, "the tally")
    assert run.status == RunStatus.DONE, run.error
    assert not run.preview and run.ballots_counted == VOTERS

    projects = [
        TallyProject(pid, cost, i) for i, (pid, cost) in enumerate(zip(ids, costs, strict=True))
    ]
    pure = tally(
        Election(
            budget.amount,
            tuple(projects),
            tuple(TallyBallot(projects=tuple(s)) for s in expected.values()),
        ),
        RULE,
    )
    assert outcome_rows(run.id) == decision_rows(pure)
    assert [o.project_id for o in run.selected] == list(pure.selected)
    assert pure.selected  # a tally that funds nothing would prove little
    (publication,) = wait_until(lambda: publications(process.id), 60, "the open data")
    assert publication.trigger == "tally"
