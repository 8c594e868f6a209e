"""Celery tasks of tallying. They take ids, never objects, and are safe to run twice.

This layer owns the transactions: :func:`run_tally` commits the claim, then the outcome
(or the failure); the services it calls only flush.
"""

import logging
import time
from functools import partial

from celery import shared_task
from sqlalchemy import select

from participa.budgets.models import Budget
from participa.db import utcnow
from participa.extensions import db
from participa.ops.counters import TALLY_DURATION
from participa.results import ballots_file, services
from participa.results.models import RunStatus, TallyRun
from participa.results.queries import published_run
from participa.signals import results_opened, tally_finished
from participa.unit_of_work import abandon, after_commit

logger = logging.getLogger(__name__)


# Acknowledged only once finished: if the worker dies mid-tally (killed, out of memory, the
# machine restarts) the message is not lost. A prefork child's death requeues it at once
# (reject_on_worker_lost); a dead worker's message goes back to the queue after the broker's
# visibility_timeout, and another worker tallies the same run from the start.
@shared_task(ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def tally_budget(run_id: int) -> dict:
    """Tally the budget of tally run ``run_id`` and store its outcome.

    A failure is recorded on the run (status ``failed`` and the error) and logged; the
    administrator sees it and can ask again. A second delivery of a finished run counts
    nothing again (its outcome stays as stored) and only makes sure it is published, which
    is a no-op when the open data did not change.
    """
    run = db.session.get(TallyRun, run_id)
    if run is not None and run.status == RunStatus.DONE:
        logger.info("tally run %s is already done; not counted again", run_id)
    else:
        try:
            run = run_tally(run_id)
        except Exception:
            logger.exception("tally run %s failed", run_id)
            return {"run_id": run_id, "status": "failed", "selected": []}
    if not run.preview and run.status == RunStatus.DONE:
        tally_finished.send(run.id, process_id=run.budget.process_id)  # open data publishes
    return {
        "run_id": run.id,
        "status": run.status,
        "selected": [o.project_id for o in run.selected],
    }


def run_tally(run_id: int) -> TallyRun:
    """Count the ballots of the run's budget and store the outcome; idempotent (the entry
    point of the task, the command line and the tests).

    The run is claimed if it is queued, or running (a redelivery after its worker died),
    and the claim is committed before counting; a done or failed run (given up as stale
    meanwhile) is returned as it is. The outcome rows are replaced in the same transaction
    that marks the run done, so a reader sees either the previous outcome or the whole new
    one; a run given up meanwhile stores nothing. An error marks the run failed only if it
    is still this call's claim (running, since this call's start), and is raised again.
    """
    now = utcnow()
    run = services.claim_run(run_id, now)
    db.session.commit()
    if run is None:
        run = db.session.get_one(TallyRun, run_id)
        logger.info("tally run %s is %s; not counted", run_id, run.status)
        return run
    started = time.perf_counter()
    try:
        outcome, total = services.count_run(run)
        done = services.store_outcome(run_id, outcome, total)
        if done is None:
            logger.warning("tally run %s was given up while counting; outcome discarded", run_id)
            db.session.rollback()
            return db.session.get_one(TallyRun, run_id)
        db.session.commit()
        TALLY_DURATION.observe(time.perf_counter() - started)
    except Exception as error:  # SoftTimeLimitExceeded included: the run is never left running
        abandon()
        services.mark_failed(run_id, now, error)
        db.session.commit()
        raise
    return done


def enqueue_tally(run_id: int) -> bool:
    """Send the committed run to the worker; False if the broker cannot be reached. Run it
    after the commit that recorded the run (``unit_of_work.after_commit``).

    An unsent run is marked failed (with why) in a transaction of its own, so it blocks
    nothing: the scheduler tallies an official one again on its next pass (see
    :func:`participa.results.queries.budgets_due_for_tally`); a preview must be asked for again.
    """
    try:
        tally_budget.delay(run_id)
        return True
    except Exception as error:  # broker down: never a 500, never a run stuck "queued"
        logger.exception("could not queue tally run %s", run_id)
        with db.engine.begin() as connection:  # not the request's unit of work: it committed
            connection.execute(services.unqueued(run_id, error))
        return False


# --- the stored ballots CSV (participa.results.ballots_file) -----------------------------


@shared_task(ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def store_ballots_file(run_id: int) -> dict:
    """Write the ballots CSV of official run ``run_id`` to storage, once (idempotent, one
    writer per run). A failure is logged, never raised: the next request queues it again."""
    status = "failed"
    try:
        status = ballots_file.store(run_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("ballots file of tally run %s not written", run_id)
    finally:
        run = db.session.get(TallyRun, run_id)
        if status not in ("busy", "written", "stored") and run is not None:
            ballots_file.clear_queued(run)  # a request may queue it again at once
    return {"run_id": run_id, "status": status}


def queue_ballots_file(run: TallyRun) -> None:
    """Send the writing of ``run``'s ballots CSV to the worker unless it was queued a
    moment ago (eager: write it now). Never raises: the next request tries again."""
    if ballots_file.recently_queued(run):
        return
    try:
        ballots_file.mark_queued(run)
        store_ballots_file.delay(run.id)
    except Exception:  # broker or storage down: the page says "being prepared" all the same
        logger.exception("could not queue the ballots file of tally run %s", run.id)
        ballots_file.clear_queued(run)


@tally_finished.connect
def _store_ballots_after_tally(run_id: int, *, process_id: int) -> None:
    """An official tally was stored: write its ballots CSV now (a task of its own), served
    once the phase shows ballots."""
    try:
        store_ballots_file.delay(run_id)
    except Exception:  # broker down: the first request queues it
        logger.exception("could not queue the ballots file of tally run %s", run_id)


@results_opened.connect
def _store_ballots_when_results_open(_phase_id: int, *, process_id: int) -> None:
    """A phase showing results opened: once committed, write the ballots CSV of every
    budget's official run that has none yet (runs tallied before files were stored)."""
    after_commit(partial(_queue_missing_files, process_id))


def _queue_missing_files(process_id: int) -> None:
    budgets = db.session.scalars(select(Budget).where(Budget.process_id == process_id))
    for budget in budgets:
        run = published_run(budget)
        if run is not None and not ballots_file.is_stored(run):
            queue_ballots_file(run)
