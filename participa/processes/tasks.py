"""The scheduler's work on processes: phases open and close by their dates.

The task owns the pass's transaction: :func:`participa.processes.scheduler.advance_phases`
flushes, :func:`run_scheduler` commits once, and the notifications and tally runs it
recorded are sent only after that commit (``unit_of_work.after_commit``).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from celery import shared_task

from participa.extensions import db
from participa.processes import scheduler
from participa.results.tasks import enqueue_tally
from participa.unit_of_work import after_commit


def run_scheduler(now: datetime | None = None) -> dict:
    """One scheduler pass in a transaction of its own (the task's body; the command line
    and the tests call it too)."""
    done = scheduler.advance_phases(now)
    if done.get("skipped"):
        db.session.rollback()  # releases nothing it holds: another scheduler has the lock
        return done
    for run_id in done["tallies"]:
        # broker down: the run is marked failed and is due at the next pass
        after_commit(partial(enqueue_tally, run_id))
    db.session.commit()
    return done


@shared_task
def advance_phases() -> dict:
    """Record the phases whose dates have come (idempotent; run by beat every minute)."""
    return run_scheduler()
