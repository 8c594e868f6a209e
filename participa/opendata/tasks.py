"""Celery tasks of open data: publish a process after its tally, and every process daily;
redact a process's published versions after moderation hides content they hold; prune old
versions daily (``retention``).

They take ids, and are safe to run twice: a publication whose data did not change since
the last version is skipped, and a redaction with nothing left to take out changes nothing.
"""

import logging
from functools import partial

from celery import shared_task
from sqlalchemy import select

from participa.extensions import db
from participa.opendata import redaction, retention, services
from participa.opendata.models import Publication
from participa.processes.models import Process
from participa.processes.queries import published
from participa.results.queries import official_tally_pending
from participa.signals import results_opened, tally_finished
from participa.unit_of_work import abandon, after_commit

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
    except Exception:  # SoftTimeLimitExceeded included
        abandon()
        logger.exception("open data publication of process %s failed", process_id)
        return {"process_id": process_id, "status": "failed", "version": None}
    if publication is None:
        return {"process_id": process_id, "status": "unchanged", "version": None}
    return {"process_id": process_id, "status": "published", "version": publication.version}


@tally_finished.connect
def _publish_after_tally(_run_id: int, *, process_id: int) -> None:
    """An official tally was stored: publish the process's open data (a task of its own,
    so a failing publication never fails the tally)."""
    publish_process.delay(process_id, "tally")


@results_opened.connect
def _publish_when_results_open(_phase_id: int, *, process_id: int) -> None:
    """A phase showing results opened: once that is committed, publish the process's open
    data (the results just became public; the tally's own publication, before, found them
    hidden)."""
    after_commit(partial(_publish_opened_results, process_id))


def _publish_opened_results(process_id: int) -> None:
    """After the commit that opened the results phase. When voting closed in the same pass,
    the official tally was just queued: its own publication (``tally_finished``) follows
    with the results, so none is made now, whose results would still be empty."""
    if official_tally_pending(process_id):
        return
    queue_publication(process_id, "results")


def queue_publication(process_id: int, trigger: str) -> None:
    """Send a publication to the worker (eager: run it now); run after a commit. Never
    raises: what asked for it is committed, and the daily publication catches up."""
    try:
        publish_process.delay(process_id, trigger)
    except Exception:  # broker down: the daily publication catches up
        logger.exception("could not queue the publication of process %s", process_id)


@shared_task(ignore_result=False)
def publish_all(trigger: str = "daily") -> list[dict]:
    """The daily publication: every process, one after the other, each first redacted
    (a hiding whose redaction task was lost is caught here)."""
    ids = db.session.scalars(select(Process.id).where(published()).order_by(Process.id)).all()
    for pid in ids:
        redact_process(pid)
    return [publish_process(pid, trigger) for pid in ids]


@shared_task(ignore_result=False)
def redact_process(process_id: int) -> dict:
    """Take the proposals hidden by moderation out of every published version of process
    ``process_id`` (see :mod:`participa.opendata.redaction`). Idempotent; a failure is
    logged and reported, and the daily run tries again."""
    try:
        process = db.session.get(Process, process_id)
        if process is None:
            return {"process_id": process_id, "status": "missing", "versions": []}
        changed = redaction.redact(process)
        db.session.commit()
    except Exception:  # SoftTimeLimitExceeded included
        abandon()
        logger.exception("redaction of the open data of process %s failed", process_id)
        return {"process_id": process_id, "status": "failed", "versions": []}
    versions = sorted(p.version for p in changed)
    return {
        "process_id": process_id,
        "status": "redacted" if versions else "unchanged",
        "versions": versions,
    }


def queue_redactions() -> int:
    """After a commit that hid published content: send the redactions it asked for to the
    worker (eager: run them now). Never raises: the hiding is committed, and the daily
    publication redacts what a lost task did not."""
    pending = redaction.take_requested()
    for process_id in pending:
        try:
            redact_process.delay(process_id)
        except Exception:  # broker down: the daily run redacts it
            logger.exception("could not queue the redaction of process %s", process_id)
    return len(pending)


@shared_task(ignore_result=False)
def prune_versions() -> list[dict]:
    """Beat, daily: apply the retention policy to every process with published versions
    (:mod:`participa.opendata.retention`), each in its own transaction, the files deleted
    after its commit. A failure is logged and the next run tries again."""
    ids = db.session.scalars(select(Publication.process_id).distinct()).all()
    db.session.rollback()
    done = []
    for pid in sorted(ids):
        try:
            process = db.session.get_one(Process, pid)
            pruned = retention.prune(process)
            db.session.commit()
            swept = retention.sweep(process)
        except Exception:
            db.session.rollback()
            logger.exception("pruning the open data of process %s failed", pid)
            done.append({"process_id": pid, "status": "failed", "pruned": [], "swept": []})
            continue
        done.append({"process_id": pid, "status": "ok", "pruned": pruned, "swept": swept})
    return done
