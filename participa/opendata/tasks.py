"""Celery tasks of open data: publish a process after its tally, and every process daily.

They take ids, and are safe to run twice: a publication whose data did not change since
the last version is skipped.
"""

import logging

from celery import shared_task
from sqlalchemy import select

from participa.extensions import db
from participa.opendata import services
from participa.processes.models import Process

logger = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def publish_process(process_id: int, trigger: str = "manual") -> dict:
    """Publish a new version of process ``process_id``'s open data if anything changed.

    A failure is logged and reported, never raised: the tally that queued it has already
    succeeded, and tomorrow's run tries again."""
    try:
        process = db.session.get(Process, process_id)
        if process is None:
            return {"process_id": process_id, "status": "missing", "version": None}
        publication = services.publish(process, trigger)
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("open data publication of process %s failed", process_id)
        return {"process_id": process_id, "status": "failed", "version": None}
    if publication is None:
        return {"process_id": process_id, "status": "unchanged", "version": None}
    return {"process_id": process_id, "status": "published", "version": publication.version}


@shared_task(ignore_result=False)
def publish_all(trigger: str = "daily") -> list[dict]:
    """The daily publication: every process, one after the other."""
    ids = db.session.scalars(select(Process.id).order_by(Process.id)).all()
    return [publish_process(pid, trigger) for pid in ids]
