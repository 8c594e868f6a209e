"""Tallies go to a queue of their own, served by a worker with one slot, and a tally that
outlives its time limit is stopped and recorded as failed, never left "running"."""

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from celery.signals import after_task_publish
from sqlalchemy import create_engine, text

from participa.db import utcnow
from participa.extensions import db
from participa.results import services
from participa.results.models import RunStatus, TallyRun
from participa.results.tasks import tally_budget
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.worker import (
    sending_to,
    start_worker,
    stop_worker,
    tally_queue,
    wait_until,
)


@pytest.fixture
def tally_worker(app, database_url, redis_url, tmp_path) -> Iterator[dict]:
    """A prefork worker (the production pool: time limits are enforced in its child) that
    consumes the tally queue of this test and not its default queue; the test app sends
    to them."""
    queue = f"participa-tallyq-{os.getpid()}"
    log = tmp_path / "worker.log"
    process = start_worker(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        log=log,
        instance=tmp_path / "instance",
        pool="prefork",
        queues=(tally_queue(queue),),
    )
    worker = {"process": process, "log": log, "queue": queue, "redis_url": redis_url}
    try:
        with sending_to(app, worker):
            yield worker
    finally:
        stop_worker(process)
        # what the worker sent to the default queue nobody here consumes
        redis.Redis.from_url(redis_url).delete(queue, tally_queue(queue))


@pytest.fixture
def routing_keys() -> Iterator[list[tuple[str, str]]]:
    """(task name, routing key) of each task this process sends."""
    sent: list[tuple[str, str]] = []

    def record(sender=None, routing_key=None, **_kwargs) -> None:
        sent.append((sender, routing_key))

    after_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(record)


def _requested_tally(voters: int = 3) -> int:
    budget = f.budget(f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 300))
    first, second = f.project_ids(budget)
    for _ in range(voters):
        cast_ballot(budget, f.user(), [first, second])
    # counted as if voting had closed: an official run, which publishes the open data
    run = services.request_tally(budget, now=utcnow() + timedelta(days=3650))
    db.session.commit()
    assert not run.preview
    return run.id


def test_a_tally_goes_to_the_tally_queue_and_its_worker_counts_it(ctx, tally_worker, routing_keys):
    run_id = _requested_tally()
    tally_budget.delay(run_id)

    done = wait_until(
        lambda: (run := db.session.get(TallyRun, run_id)).status == RunStatus.DONE and run,
        60,
        "the tally worker to count the run",
    )
    assert done.ballots_counted == 3
    tally = tally_queue(tally_worker["queue"])
    assert ("participa.results.tasks.tally_budget", tally) in routing_keys
    # the publication the worker sends after it (a heavy task too) goes the same way: this
    # worker, which consumes nothing else, receives it
    wait_until(
        lambda: "participa.opendata.tasks.publish_process[" in tally_worker["log"].read_text(),
        60,
        "the publication to reach the tally worker",
    )


def test_a_tally_past_its_time_limit_is_stopped_and_marked_failed(ctx, tally_worker):
    """The count waits on a lock this test holds on the ballots until the (lowered) soft
    time limit interrupts it: the run is recorded as failed, and the worker goes on. The
    limits travel in the message (the sender's settings: web and workers share them), so
    the test lowers them on the send."""
    run_id = _requested_tally()
    blocker = create_engine(db.engine.url)
    try:
        with blocker.connect() as connection:
            connection.execute(text("LOCK TABLE ballots IN ACCESS EXCLUSIVE MODE"))
            tally_budget.apply_async((run_id,), soft_time_limit=1, time_limit=60)
            failed = wait_until(
                lambda: (
                    (run := db.session.get(TallyRun, run_id)).status == RunStatus.FAILED and run
                ),
                60,
                "the time limit to stop the tally",
            )
            assert failed.started_at is not None  # it had been claimed and was counting
            connection.rollback()  # the lock goes
    finally:
        blocker.dispose()
    assert "SoftTimeLimitExceeded" in failed.error
    log = tally_worker["log"].read_text()
    assert "Soft time limit (1s) exceeded" in log

    second = _requested_tally(voters=2)  # the same worker counts the next one
    tally_budget.delay(second)
    done = wait_until(
        lambda: (run := db.session.get(TallyRun, second)).status == RunStatus.DONE and run,
        60,
        "the next tally",
    )
    assert done.ballots_counted == 2
