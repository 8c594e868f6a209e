"""Tally runs stored in the database, and their idempotence."""

import pytest
from sqlalchemy import update

from participa.db import utcnow
from participa.extensions import db
from participa.results import queries, services
from participa.results.models import RunStatus, TallyRun
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.ballots import cast_ballot


def vote(budget, selections):
    for selection in selections:
        cast_ballot(budget, f.user(), selection)
    db.session.commit()


def outcome_rows(run):
    return [
        (o.project_id, o.rank, o.votes, o.selected, o.remaining_before, o.reason)
        for o in run.outcomes
    ]


def test_greedy_tally_is_stored_and_rerun_gives_the_same_outcome(ctx):
    budget = f.budget(
        f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 500, 300, 200)
    )
    p1, p2, p3, p4 = f.project_ids(budget)
    vote(budget, [[p1, p3], [p1, p4], [p2, p3], [p2, p3], [p2]])  # p2:3 p3:3 p1:2 p4:1
    run = services.request_tally(budget)
    db.session.commit()
    done = run_tally(run.id)
    assert done.status == RunStatus.DONE and done.ballots_counted == 5
    assert [o.project_id for o in done.selected] == [p2, p3, p4]
    assert done.total_cost == 1000
    skipped = next(o for o in done.outcomes if o.project_id == p1)
    assert (skipped.selected, skipped.reason, skipped.remaining_before) == (
        False,
        "does_not_fit",
        200,
    )
    first = outcome_rows(done)
    again = run_tally(run.id)
    assert outcome_rows(again) == first
    assert again.started_at is not None and again.finished_at >= again.started_at


def test_budgets_due_for_tally_are_those_whose_voting_closed(ctx):
    open_budget = f.budget(f.process(now_allows=("allows_vote",)))
    closed_process = f.process()
    closed_process.phases[0].allows_vote = True  # the past phase was the vote
    closed_budget = f.budget(closed_process)
    db.session.commit()
    due = queries.budgets_due_for_tally()
    assert closed_budget in due and open_budget not in due
    services.request_tally(closed_budget)
    db.session.commit()
    assert queries.budgets_due_for_tally() == []


def test_ballots_stream_in_batches_and_report_progress(ctx, monkeypatch):
    budget = f.budget(
        f.process(now_allows=("allows_vote",)),
        amount=900,
        costs=(600, 300, 300),
        ballot_type="approval",
        rule="equalshares",
    )
    p1, p2, p3 = f.project_ids(budget)
    for selection in [[p1]] * 6 + [[p2, p3]] * 3 + [[p3, p2]]:
        cast_ballot(budget, f.user(), selection)
    db.session.commit()
    seen: list[int] = []
    whole = queries.stream_ballots(budget, queries.tally_projects(budget), seen.append)
    monkeypatch.setattr(queries, "BATCH_BALLOTS", 3)
    batched_seen: list[int] = []
    batched = queries.stream_ballots(budget, queries.tally_projects(budget), batched_seen.append)
    assert (
        sorted((b.projects, b.weight) for b in batched)
        == sorted((b.projects, b.weight) for b in whole)
        == [((p1,), 6), ((p2, p3), 4)]
    )
    assert seen == [10] and batched_seen == [3, 6, 9, 10]

    run = services.request_tally(budget)
    db.session.commit()
    done = run_tally(run.id)
    assert (done.status, done.progress, done.ballots_counted) == ("done", 100, 10)
    (funded,) = done.selected  # each voter holds 90: p1's six supporters cannot pay 600
    assert (funded.project_id, funded.price, funded.effective_votes) == (p2, "75", "4")


def test_a_duplicate_failing_after_another_worker_finished_leaves_the_run_done(ctx, monkeypatch):
    budget = f.budget(f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 500))
    p1, p2 = f.project_ids(budget)
    vote(budget, [[p1], [p1], [p2]])
    run = services.request_tally(budget)
    db.session.commit()
    finished_at = utcnow()

    def finished_elsewhere_then_fails(*args, **kwargs):
        with db.engine.begin() as other_worker:  # the first delivery stores its outcome
            other_worker.execute(
                update(TallyRun)
                .where(TallyRun.id == run.id)
                .values(status=RunStatus.DONE, finished_at=finished_at, progress=100)
            )
        raise RuntimeError("this duplicate delivery fails")

    monkeypatch.setattr(services, "compute_outcome", finished_elsewhere_then_fails)
    with pytest.raises(RuntimeError, match="this duplicate delivery fails"):
        run_tally(run.id)
    db.session.expire_all()
    stored = db.session.get(TallyRun, run.id)
    assert (stored.status, stored.error, stored.finished_at) == (RunStatus.DONE, None, finished_at)


def test_a_run_that_fails_while_it_holds_its_claim_is_marked_failed(ctx, monkeypatch):
    budget = f.budget(f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 500))
    run = services.request_tally(budget)
    db.session.commit()

    def fails(*args, **kwargs):
        raise RuntimeError("the rule failed")

    monkeypatch.setattr(services, "compute_outcome", fails)
    with pytest.raises(RuntimeError):
        run_tally(run.id)
    db.session.expire_all()
    stored = db.session.get(TallyRun, run.id)
    assert stored.status == RunStatus.FAILED and "the rule failed" in stored.error
