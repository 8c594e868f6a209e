"""Tallying a budget's ballots and storing the explained outcome.

Commands that flush, never commit: :func:`participa.results.tasks.run_tally` owns the
transactions of a run (claim, outcome, failure).

Greedy rules only need each project's score, which the database adds up. Equal Shares
needs whole ballots: they are streamed from the database in batches of ballots (plain
rows, never one ORM object per item), folded into identical ballots with a weight, and
the run's progress is reported while it goes.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from participa.budgets.models import BallotType, Budget
from participa.db import utcnow
from participa.errors import Conflict
from participa.extensions import db
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.results.queries import (
    ballot_count,
    scores,
    stale_condition,
    stream_ballots,
    tally_projects,
)
from participa.tallying import Election, Outcome, tally
from participa.tallying.rules import APPROVAL_ONLY

logger = logging.getLogger(__name__)


class TallyInProgress(Conflict):
    """An official tally of the budget is already queued or running."""


def request_tally(budget: Budget, rule: str | None = None, now=None) -> TallyRun:
    """Record a queued tally run of ``budget``; the caller commits, then enqueues
    :func:`participa.results.tasks.tally_budget` with the run's id.

    The run is a *preview*, never published, when it uses another rule than the declared
    one or when voting is still open. At most one official run of a budget is queued or
    running at a time (a partial unique index decides between parallel requests):
    otherwise ``TallyInProgress``.
    """
    rule, now = rule or budget.rule, now or utcnow()
    preview = rule != budget.rule or not budget.process.voting_closed(now)
    run = TallyRun(
        budget_id=budget.id,
        rule=rule,
        preview=preview,
        status=RunStatus.QUEUED,
        created_at=now,
        heartbeat_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(run)
            db.session.flush()
    except IntegrityError:
        raise TallyInProgress(
            _("Ya hay un conteo oficial de este presupuesto en curso; espera a que termine.")
        ) from None
    return run


def give_up_stale_runs(now: datetime | None = None) -> list[int]:
    """Mark the official runs presumed lost as failed (so a new one may be queued); their
    ids. A worker still counting one of them stores nothing (see :func:`store_outcome`)."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(TallyRun.id)
        .where(TallyRun.preview.is_(False), stale_condition(now))
        .with_for_update()
    ).all()
    if ids:
        db.session.execute(
            update(TallyRun)
            .where(TallyRun.id.in_(ids), stale_condition(now))
            .values(
                status=RunStatus.FAILED,
                error="given up: no sign of life from its worker",
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        logger.warning("tally runs %s presumed lost and given up", ids)
    return list(ids)


def compute_outcome(budget: Budget, rule: str, progress: Callable[[int], None]) -> Outcome:
    """Apply ``rule`` to ``budget``'s ballots, reading from the database what it needs."""
    projects = tally_projects(budget)
    vote_type = BallotType(budget.ballot_type).vote_type
    if rule in APPROVAL_ONLY:
        election = Election(
            budget.amount,
            tuple(projects),
            tuple(stream_ballots(budget, projects, progress)),
            vote_type=vote_type,
        )
    else:
        election = Election.from_scores(
            budget.amount,
            projects,
            scores(budget),
            vote_type=vote_type,
            min_score=budget.min_score,
        )
    return tally(election, rule)


def claim_run(run_id: int, now: datetime) -> TallyRun | None:
    """Claim the run for counting if it is queued, or running (a redelivery after its
    worker died): it becomes running since ``now``. The claimed run, or None (a done or
    failed run, e.g. given up as stale meanwhile). Flushes; the task commits the claim
    before counting (see :func:`participa.results.tasks.run_tally`)."""
    claimed = db.session.execute(
        update(TallyRun)
        .where(TallyRun.id == run_id, TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        .values(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, error=None, progress=0)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # DML: a CursorResult
    run = db.session.get(TallyRun, run_id, populate_existing=True)
    if run is None:
        raise LookupError(f"tally run {run_id} does not exist")
    return run if claimed else None


def count_run(run: TallyRun) -> tuple[Outcome, int]:
    """Count the ballots of the claimed ``run``'s budget (reading only; the progress and a
    heartbeat every ``TALLY_HEARTBEAT_EVERY`` seconds go on connections of their own): the
    outcome and how many ballots were counted."""
    budget = db.session.get_one(Budget, run.budget_id)
    total = ballot_count(budget.id)
    with _heartbeat(db.engine, run.id, current_app.config["TALLY_HEARTBEAT_EVERY"]):
        outcome = compute_outcome(budget, run.rule, _progress_reporter(run.id, total))
    return outcome, total


def store_outcome(run_id: int, outcome: Outcome, total: int) -> TallyRun | None:
    """Replace the run's outcome rows and mark it done, if it is still running (locked);
    None if it was given up while counting (nothing stored). Flushes; the caller commits,
    so a reader sees either the previous outcome or the whole new one."""
    run = db.session.scalars(
        select(TallyRun)
        .where(TallyRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if run.status != RunStatus.RUNNING:
        return None
    db.session.execute(delete(ProjectOutcome).where(ProjectOutcome.run_id == run.id))
    db.session.execute(
        insert(ProjectOutcome),
        [
            {
                "run_id": run.id,
                "project_id": d.project_id,
                "rank": d.rank,
                "votes": d.score,
                "selected": d.selected,
                "remaining_before": d.remaining_before,
                "reason": str(d.reason),
                "tied": d.tied,
                "price": None if d.price is None else str(d.price),
                "effective_votes": None if d.effective_votes is None else str(d.effective_votes),
            }
            for d in outcome.decisions
        ],
    )
    run.ballots_counted, run.total_cost = total, outcome.total_cost
    run.status, run.finished_at, run.progress = RunStatus.DONE, utcnow(), 100
    db.session.flush()
    db.session.expire(run, ["outcomes"])
    return run


def mark_failed(run_id: int, started_at: datetime, error: BaseException) -> None:
    """Record ``error`` on the run, only if it is still the claim made at ``started_at``
    (running since then): a duplicate delivery failing after another worker finished (or
    re-claimed) the run must not unpublish its outcome. Flushes; the caller commits."""
    db.session.execute(
        update(TallyRun)
        .where(
            TallyRun.id == run_id,
            TallyRun.status == RunStatus.RUNNING,
            TallyRun.started_at == started_at,
        )
        .values(status=RunStatus.FAILED, error=repr(error)[:2000], finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def unqueued(run_id: int, error: BaseException):
    """The statement marking a run that could not be sent to the worker failed (if it is
    still queued), for :func:`participa.results.tasks.enqueue_tally` to run in a
    transaction of its own."""
    return (
        update(TallyRun)
        .where(TallyRun.id == run_id, TallyRun.status == RunStatus.QUEUED)
        .values(
            status=RunStatus.FAILED,
            error=f"not queued, the task broker is unreachable: {error!r}"[:2000],
            finished_at=utcnow(),
        )
    )


@contextmanager
def _heartbeat(engine: Engine, run_id: int, every: float) -> Iterator[None]:
    """Write the run's heartbeat every ``every`` seconds from a thread, on connections of
    its own, while the block runs (a long Equal Shares computation reports no progress)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        update(TallyRun)
                        .where(TallyRun.id == run_id, TallyRun.status == RunStatus.RUNNING)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is retried; the tally itself decides
                logger.exception("tally run %s: heartbeat not written", run_id)

    thread = threading.Thread(target=beat, name=f"tally-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _progress_reporter(run_id: int, total: int) -> Callable[[int], None]:
    """Store a run's progress (0–99 %) and heartbeat on its own connection, visible at
    once to the admin page, without touching the tally's transaction."""

    def report(done: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        with db.engine.begin() as connection:
            connection.execute(
                update(TallyRun)
                .where(TallyRun.id == run_id)
                .values(progress=percent, heartbeat_at=utcnow())
            )

    return report


SCHEDULER_LOCK = 0x7061727469636970  # "particip": the scheduler's advisory lock key


def take_scheduler_lock() -> bool:
    """Whether this transaction holds the scheduler's lock (PostgreSQL: an advisory lock,
    released at commit or rollback). Two beats at the same minute: the second one skips
    its pass. SQLite has one writer at a time; the partial unique index still decides."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SCHEDULER_LOCK})
    )
