"""The tally travels through Redis to a real Celery worker, which stores the outcome."""

import time

from celery.result import EagerResult
from sqlalchemy import select

from participa.extensions import db
from participa.processes.tasks import advance_phases
from participa.results import services
from participa.results.models import RunStatus, TallyRun
from participa.results.tasks import tally_budget
from participa.tallying import Election, TallyProject, greedy
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.worker import tasks_ended, wait_until


def wait_for_runs(budget_id: int, count: int = 1, timeout: float = 60) -> list[TallyRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        runs = db.session.scalars(select(TallyRun).where(TallyRun.budget_id == budget_id)).all()
        finished = [r for r in runs if r.status in (RunStatus.DONE, RunStatus.FAILED)]
        if len(finished) >= count:
            return finished
        time.sleep(0.2)
    raise AssertionError(f"no finished tally run for budget {budget_id} after {timeout}s")


def test_tally_task_runs_on_the_worker_and_stores_the_outcome(ctx, celery_worker):
    budget = f.budget(
        f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 500, 300, 200)
    )
    p1, p2, p3, p4 = f.project_ids(budget)
    for selection in ([p1, p3], [p1], [p2, p3], [p3, p4], [p4]):
        cast_ballot(budget, f.user(), selection)
    run = services.request_tally(budget)
    db.session.commit()

    async_result = tally_budget.delay(run.id)
    assert not isinstance(async_result, EagerResult)  # sent through Redis, not run here
    (done,) = wait_for_runs(budget.id)

    assert done.status == RunStatus.DONE, done.error
    assert done.ballots_counted == 5
    projects = [
        TallyProject(p, c, i)
        for i, (p, c) in enumerate(zip((p1, p2, p3, p4), (600, 500, 300, 200), strict=True))
    ]
    expected = greedy(Election.from_scores(1000, projects, {p1: 2, p2: 1, p3: 3, p4: 2}))
    assert [o.project_id for o in done.selected] == list(expected.selected)
    assert f"Task participa.results.tasks.tally_budget[{async_result.id}]" in (
        celery_worker["log"].read_text()
    )


def test_scheduled_task_tallies_closed_budgets_once(ctx, celery_worker):
    process = f.process()
    process.phases[0].allows_vote = True  # voting was the phase that already ended
    budget = f.budget(process)
    db.session.commit()

    advance_phases.delay()  # what beat sends every minute
    wait_for_runs(budget.id)
    second = advance_phases.delay()  # a second beat finds nothing left to do
    name = "participa.processes.tasks.advance_phases"
    log = celery_worker["log"]
    # once it has ended, any run it queued is committed (queued before it is sent)
    wait_until(lambda: tasks_ended(log, [(name, second.id)]), 60, "the second advance_phases")
    db.session.expire_all()
    runs = db.session.scalars(select(TallyRun).where(TallyRun.budget_id == budget.id)).all()
    assert [r.status for r in runs] == [RunStatus.DONE]


def test_equal_shares_tally_streams_through_the_worker(ctx, celery_worker):
    budget = f.budget(
        f.process(now_allows=("allows_vote",)),
        amount=900,
        costs=(600, 300, 300),
        ballot_type="approval",
        rule="equalshares/add1",
    )
    p1, p2, p3 = f.project_ids(budget)
    for selection in [[p1]] * 6 + [[p2, p3]] * 4:
        cast_ballot(budget, f.user(), selection)
    run = services.request_tally(budget)
    db.session.commit()
    tally_budget.delay(run.id)
    (done,) = wait_for_runs(budget.id)
    assert done.status == RunStatus.DONE, done.error
    assert done.progress == 100 and done.ballots_counted == 10
    # add1 raises each voter's 90 until p1's supporters can pay 600 (100 each): then p1,
    # and with 100 each p2's and p3's four supporters can still pay 300 for one of them.
    expected = services.compute_outcome(budget, "equalshares/add1", lambda done: None)
    assert [o.project_id for o in done.selected] == list(expected.selected)
    assert p1 in expected.selected
