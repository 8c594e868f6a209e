"""Phases run themselves: the scheduler records openings and closings as their dates come.

The dates are the single source of truth for what a phase allows (``Process.allows``).
Every minute beat calls :func:`advance_phases`, which *claims* each due transition with a
conditional ``UPDATE ... WHERE opened_at IS NULL`` (so two schedulers, or a re-run, record it
once), logs it, tells the process's followers that a phase opened (not for a draft), has open
data publish when a phase showing results opens, and records the tally of the budgets whose
voting just closed; the task commits the pass and only then sends the
notifications and the tallies (:mod:`participa.processes.tasks`).

A pass holds the scheduler's lock (a PostgreSQL advisory lock of its transaction): a second
beat firing at the same minute skips its pass instead of queueing a second official tally;
the database's partial unique index on active official runs holds even without the lock.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from participa.audit.services import log
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.links import path_for
from participa.notifications.services import followers, notify
from participa.processes.models import Phase
from participa.processes.publication import phase_opened
from participa.results.queries import budgets_due_for_tally
from participa.results.services import (
    TallyInProgress,
    give_up_stale_runs,
    request_tally,
    take_scheduler_lock,
)


def advance_phases(now: datetime | None = None) -> dict:
    """Record due openings and closings and the tally runs due; returns the phase ids
    opened and closed and the tally run ids recorded (``skipped`` if another scheduler
    holds the lock). Flushes: the task (:func:`participa.processes.tasks.run_scheduler`)
    commits, then the notifications are sent and the runs sent to the worker."""
    now = now or utcnow()
    if not take_scheduler_lock():  # another scheduler is making this pass
        return {"opened": [], "closed": [], "tallies": [], "skipped": True}
    opened = _claim(Phase.opened_at, Phase.starts_at <= now, now)
    closed = _claim(Phase.closed_at, Phase.ends_at <= now, now)
    for phase_id in opened:
        phase = db.session.get_one(Phase, phase_id)
        log(
            "phase.opened",
            phase,
            process_id=phase.process_id,
            public=True,
            after={"title": phase.title, "at": now.isoformat()},
        )
        # drafts are seen by staff only: nobody hears of them, nothing of them is published
        if not phase.process.is_published:
            continue
        phase_opened(phase)  # a results phase: open data publishes after the commit
        if phase.ends_at > now:  # only tell people about a phase they can still take part in
            notify(
                followers(phase.process_id),
                "phase_opened",
                _("Empezó la fase «%(phase)s»", phase=phase.title),
                _(
                    "En «%(process)s» empezó la fase «%(phase)s».",
                    process=phase.process.title,
                    phase=phase.title,
                ),
                link=path_for("processes.show", slug=phase.process.slug),
            )
    for phase_id in closed:
        phase = db.session.get_one(Phase, phase_id)
        log(
            "phase.closed",
            phase,
            process_id=phase.process_id,
            public=True,
            after={"title": phase.title, "at": now.isoformat()},
        )
    give_up_stale_runs(now)
    runs = []
    for budget in budgets_due_for_tally(now):
        try:
            runs.append(request_tally(budget, now=now))
        except TallyInProgress:  # queued meanwhile by an administrator
            continue
    db.session.flush()
    return {"opened": opened, "closed": closed, "tallies": [run.id for run in runs]}


def _claim(marker, due, now: datetime) -> list[int]:
    """Set ``marker`` on the due phases that lack it; the ids this call set."""
    ids = db.session.scalars(select(Phase.id).where(due, marker.is_(None))).all()
    claimed = []
    for phase_id in ids:
        result = db.session.execute(
            update(Phase)
            .where(Phase.id == phase_id, marker.is_(None))
            .values({marker: now})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]  # DML: a CursorResult
            claimed.append(phase_id)
    return claimed
