"""Exactly one official tally of a budget at a time, whoever asks and however many
schedulers run; a lost run is recognised by its silent heartbeat, not by its age."""

import threading
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participa.db import utcnow
from participa.extensions import db
from participa.processes.tasks import run_scheduler
from participa.results import services
from participa.results.models import RunStatus, TallyRun
from participa.results.tasks import run_tally
from tests import factories as f
from tests.conftest import need
from tests.support.ballots import cast_ballot
from tests.support.parallel import run_together


@pytest.fixture
def closed_budget(ctx):
    """A budget whose vote (the process's past phase) has closed, with three ballots."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    for selection in ([0, 1], [1], [2, 3]):
        ids = f.project_ids(budget)
        cast_ballot(budget, f.user(), [ids[i] for i in selection])
    for phase in process.phases:
        if phase.allows_vote:
            phase.ends_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    return budget


def official_runs(budget) -> list[TallyRun]:
    return list(
        db.session.scalars(
            select(TallyRun)
            .where(TallyRun.budget_id == budget.id, TallyRun.preview.is_(False))
            .order_by(TallyRun.id)
        )
    )


def test_the_database_holds_one_active_official_run_per_budget(closed_budget):
    def run(**values):
        return TallyRun(budget_id=closed_budget.id, rule="greedy", **values)

    db.session.add_all([run(status=RunStatus.QUEUED), run(status=RunStatus.DONE)])
    db.session.add(run(status=RunStatus.RUNNING, preview=True))  # previews do not count
    db.session.commit()
    db.session.add(run(status=RunStatus.RUNNING))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_second_official_request_is_refused_while_one_is_active(closed_budget):
    services.request_tally(closed_budget)
    db.session.commit()
    with pytest.raises(services.TallyInProgress):
        services.request_tally(closed_budget)
    db.session.rollback()
    preview = services.request_tally(closed_budget, rule="equalshares")  # another rule: fine
    assert preview.preview
    assert len(official_runs(closed_budget)) == 1


def test_two_schedulers_at_the_same_minute_tally_once(closed_budget, is_postgres):
    need(is_postgres, "two schedulers in parallel need PostgreSQL")
    app = current_app._get_current_object()
    now = utcnow()

    def beat(wait):
        with app.app_context():
            try:
                wait()
                return run_scheduler(now)
            finally:
                db.session.remove()

    outcomes = run_together([beat, beat])  # raises what a scheduler raised
    (run,) = official_runs(closed_budget)
    assert run.status == RunStatus.DONE
    assert sorted(len(o["tallies"]) for o in outcomes) == [0, 1]


def test_a_long_tally_with_a_fresh_heartbeat_is_not_given_up(closed_budget):
    long_ago = utcnow() - timedelta(hours=3)  # far beyond TALLY_STALE_AFTER
    run = TallyRun(
        budget_id=closed_budget.id,
        rule="greedy",
        status=RunStatus.RUNNING,
        created_at=long_ago,
        started_at=long_ago,
        heartbeat_at=utcnow() - timedelta(seconds=20),
    )
    db.session.add(run)
    db.session.commit()
    assert run_scheduler()["tallies"] == []
    assert [r.status for r in official_runs(closed_budget)] == [RunStatus.RUNNING]


def test_a_silent_run_is_given_up_and_its_late_outcome_discarded(closed_budget):
    silent = utcnow() - timedelta(seconds=current_app.config["TALLY_HEARTBEAT_TIMEOUT"] + 60)
    lost = TallyRun(
        budget_id=closed_budget.id,
        rule="greedy",
        status=RunStatus.RUNNING,
        created_at=silent,
        started_at=silent,
        heartbeat_at=silent,
    )
    db.session.add(lost)
    db.session.commit()
    (new_id,) = run_scheduler()["tallies"]  # queued and (eager) tallied
    db.session.expire_all()
    assert db.session.get(TallyRun, lost.id).status == RunStatus.FAILED
    assert db.session.get(TallyRun, new_id).status == RunStatus.DONE
    late = run_tally(lost.id)  # its worker was alive after all, and finishes now
    assert late.status == RunStatus.FAILED and late.outcomes == []
    assert [r.status for r in official_runs(closed_budget)] == ["failed", "done"]


def test_the_worker_writes_a_heartbeat_while_it_counts(closed_budget, monkeypatch):
    """The heartbeat is written during a computation that reports no progress (wait for
    it: the tally blocks until a heartbeat newer than its start is committed)."""
    monkeypatch.setitem(current_app.config, "TALLY_HEARTBEAT_EVERY", 0.05)
    run = services.request_tally(closed_budget)
    db.session.commit()
    compute = services.compute_outcome
    seen = []

    def slow_compute(budget, rule, progress):
        deadline = threading.Event()
        for _ in range(200):  # at most 10 s: the heartbeat comes within 0.05 s
            with db.engine.connect() as connection:
                started, beat = connection.execute(
                    select(TallyRun.started_at, TallyRun.heartbeat_at).where(TallyRun.id == run.id)
                ).one()
            if beat > started:
                seen.append(beat)
                break
            deadline.wait(0.05)
        return compute(budget, rule, progress)

    monkeypatch.setattr(services, "compute_outcome", slow_compute)
    done = run_tally(run.id)
    assert done.status == RunStatus.DONE
    assert seen, "no heartbeat was written while the tally was counting"


def test_stale_queued_runs_are_given_up_by_age_of_their_message(closed_budget):
    old = utcnow() - timedelta(seconds=current_app.config["TALLY_STALE_AFTER"] + 60)
    db.session.add(
        TallyRun(budget_id=closed_budget.id, rule="greedy", status=RunStatus.QUEUED, created_at=old)
    )
    db.session.commit()
    assert len(run_scheduler()["tallies"]) == 1
    assert [r.status for r in official_runs(closed_budget)] == ["failed", "done"]
    assert db.session.scalar(select(func.count(TallyRun.id))) == 2
