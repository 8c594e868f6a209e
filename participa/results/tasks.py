"""Celery tasks of tallying. They take ids, never objects, and are safe to run twice."""

import logging

from celery import shared_task
from sqlalchemy import update

from participa.db import utcnow
from participa.extensions import db
from participa.results import services
from participa.results.models import RunStatus, TallyRun
from participa.signals import tally_finished

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
            run = services.run_tally(run_id)
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


def enqueue_tally(run: TallyRun) -> bool:
    """Send the committed ``run`` to the worker; False if the broker cannot be reached.

    An unsent run is marked failed (with why) and committed, so it blocks nothing: the
    scheduler tallies an official one again on its next pass (see
    :func:`participa.results.queries.budgets_due_for_tally`); a preview must be asked for again.
    """
    try:
        tally_budget.delay(run.id)
        return True
    except Exception as error:  # broker down: never a 500, never a run stuck "queued"
        logger.exception("could not queue tally run %s", run.id)
        db.session.execute(
            update(TallyRun)
            .where(TallyRun.id == run.id, TallyRun.status == RunStatus.QUEUED)
            .values(
                status=RunStatus.FAILED,
                error=f"not queued, the task broker is unreachable: {error!r}"[:2000],
                finished_at=utcnow(),
            )
        )
        db.session.commit()
        return False
