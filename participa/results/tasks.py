"""Celery tasks of tallying. They take ids, never objects, and are safe to run twice."""

import logging

from celery import shared_task

from participa.opendata.tasks import publish_process
from participa.results import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def tally_budget(run_id: int) -> dict:
    """Tally the budget of tally run ``run_id`` and store its outcome.

    A failure is recorded on the run (status ``failed`` and the error) and logged; the
    administrator sees it and can ask again.
    """
    try:
        run = services.run_tally(run_id)
    except Exception:
        logger.exception("tally run %s failed", run_id)
        return {"run_id": run_id, "status": "failed", "selected": []}
    if not run.preview:
        publish_process.delay(run.budget.process_id, "tally")
    return {
        "run_id": run.id,
        "status": run.status,
        "selected": [o.project_id for o in run.selected],
    }
