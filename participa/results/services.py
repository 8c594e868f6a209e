"""Tallying a budget's ballots and storing the explained outcome.

Greedy rules only need each project's score, which the database adds up. Equal Shares
needs whole ballots: they are streamed from the database in batches of ballots (plain
rows, never one ORM object per item), folded into identical ballots with a weight, and
the run's progress is reported while it goes.
"""

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Project
from participa.db import utcnow
from participa.errors import Conflict
from participa.extensions import db
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.tallying import Ballot as TallyBallot
from participa.tallying import Election, Outcome, TallyProject, tally
from participa.tallying.rules import APPROVAL_ONLY

BATCH_BALLOTS = 50_000
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


def enqueue_tally(run: TallyRun) -> bool:
    """Send the committed ``run`` to the worker; False if the broker cannot be reached.

    An unsent run is marked failed (with why) and committed, so it blocks nothing: the
    scheduler tallies an official one again on its next pass (see
    :func:`budgets_due_for_tally`); a preview must be asked for again.
    """
    from participa.results.tasks import tally_budget

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


def published_run(budget: Budget) -> TallyRun | None:
    """The outcome the public sees: the latest finished tally with the declared rule,
    started after voting closed."""
    closes = budget.process.voting_closes_at()
    stmt = select(TallyRun).where(
        TallyRun.budget_id == budget.id,
        TallyRun.status == RunStatus.DONE,
        TallyRun.preview.is_(False),
        TallyRun.rule == budget.rule,
    )
    if closes is not None:
        stmt = stmt.where(TallyRun.created_at >= closes)
    return db.session.scalar(stmt.order_by(TallyRun.id.desc()).limit(1))


def latest_run(budget: Budget, rule: str | None = None) -> TallyRun | None:
    """The latest finished run of ``budget`` (with ``rule`` if given), previews included."""
    stmt = select(TallyRun).where(
        TallyRun.budget_id == budget.id, TallyRun.status == RunStatus.DONE
    )
    if rule:
        stmt = stmt.where(TallyRun.rule == rule)
    return db.session.scalar(stmt.order_by(TallyRun.id.desc()).limit(1))


def _stale(now: datetime):
    """The condition of an official run presumed lost: queued for longer than
    ``TALLY_STALE_AFTER`` (its message was lost), or running without a heartbeat for
    ``TALLY_HEARTBEAT_TIMEOUT`` (its worker died), however long it has been counting."""
    config = current_app.config
    queued_before = now - timedelta(seconds=config["TALLY_STALE_AFTER"])
    silent_since = now - timedelta(seconds=config["TALLY_HEARTBEAT_TIMEOUT"])
    beat = func.coalesce(TallyRun.heartbeat_at, TallyRun.started_at, TallyRun.created_at)
    return ((TallyRun.status == RunStatus.QUEUED) & (TallyRun.created_at <= queued_before)) | (
        (TallyRun.status == RunStatus.RUNNING) & (beat <= silent_since)
    )


def give_up_stale_runs(now: datetime | None = None) -> list[int]:
    """Mark the official runs presumed lost as failed (so a new one may be queued); their
    ids. A worker still counting one of them stores nothing (see :func:`run_tally`)."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(TallyRun.id).where(TallyRun.preview.is_(False), _stale(now)).with_for_update()
    ).all()
    if ids:
        db.session.execute(
            update(TallyRun)
            .where(TallyRun.id.in_(ids), _stale(now))
            .values(
                status=RunStatus.FAILED,
                error="given up: no sign of life from its worker",
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        logger.warning("tally runs %s presumed lost and given up", ids)
    return list(ids)


def budgets_due_for_tally(now=None) -> list[Budget]:
    """Budgets whose voting has closed and that have no official tally since: none queued,
    running (unless stale, see :func:`_stale`) or done after the close. Failed tallies,
    unsent ones included, are due again."""
    now = now or utcnow()
    budgets = db.session.scalars(select(Budget)).all()
    due = []
    for budget in budgets:
        closes = budget.process.voting_closes_at()
        if closes is None or closes > now:
            continue
        blocking = select(TallyRun.id).where(
            TallyRun.budget_id == budget.id,
            TallyRun.preview.is_(False),
            TallyRun.created_at >= closes,
            (TallyRun.status == RunStatus.DONE)
            | (TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]) & ~_stale(now)),
        )
        if db.session.scalar(blocking.limit(1)) is None:
            due.append(budget)
    return due


def ballot_count(budget_id: int) -> int:
    return db.session.scalars(
        select(func.count(Ballot.id)).where(Ballot.budget_id == budget_id)
    ).one()


def scores(budget: Budget) -> dict[int, int]:
    """Each project's score, added up by the database: votes (approval, choose-1),
    points (cumulative) or k..1 points per ballot of k ranked projects (ordinal)."""
    items = BallotItem.__table__.c
    where = items.budget_id == budget.id
    if budget.ballot_type == BallotType.CUMULATIVE:
        stmt = select(items.project_id, func.sum(items.points)).where(where)
    elif budget.ballot_type == BallotType.ORDINAL:
        sizes = (
            select(items.ballot_id, func.count().label("k"))
            .where(where)
            .group_by(items.ballot_id)
            .subquery()
        )
        stmt = (
            select(items.project_id, func.sum(sizes.c.k - items.rank + 1))
            .join(sizes, sizes.c.ballot_id == items.ballot_id)
            .where(where)
        )
    else:
        stmt = select(items.project_id, func.count()).where(where)
    return {pid: int(total) for pid, total in db.session.execute(stmt.group_by(items.project_id))}


def tally_projects(budget: Budget) -> list[TallyProject]:
    """The budget's projects as the rules see them, in ballot order."""
    rows = db.session.execute(
        select(Project.id, Project.cost)
        .where(Project.budget_id == budget.id)
        .order_by(Project.position, Project.id)
    ).all()
    return [TallyProject(id=pid, cost=cost, position=i) for i, (pid, cost) in enumerate(rows)]


def stream_ballots(
    budget: Budget, projects: list[TallyProject], progress: Callable[[int], None]
) -> list[TallyBallot]:
    """The budget's ballots, folded (identical ballots become one with a weight), read in
    batches of ``BATCH_BALLOTS`` ballots; ``progress`` receives the count read so far."""
    position = {p.id: p.position for p in projects}
    folded: Counter = Counter()
    last, done = 0, 0
    items = BallotItem.__table__.c
    while True:
        upper = db.session.scalar(
            select(Ballot.id)
            .where(Ballot.budget_id == budget.id, Ballot.id > last)
            .order_by(Ballot.id)
            .offset(BATCH_BALLOTS - 1)
            .limit(1)
        )
        bounds = items.ballot_id > last
        if upper is not None:
            bounds &= items.ballot_id <= upper
        rows = db.session.execute(
            select(items.ballot_id, items.project_id)
            .where(items.budget_id == budget.id, bounds)
            .order_by(items.ballot_id)
        ).all()
        current, chosen = None, list[int]()
        for ballot_id, project_id in rows:
            if ballot_id != current:
                if chosen:
                    folded[tuple(sorted(chosen, key=position.__getitem__))] += 1
                current, chosen = ballot_id, []
                done += 1
            chosen.append(project_id)
        if chosen:
            folded[tuple(sorted(chosen, key=position.__getitem__))] += 1
        progress(done)
        if upper is None:
            break
        last = upper
    return [TallyBallot(projects=ids, weight=n) for ids, n in folded.items()]


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


def run_tally(run_id: int) -> TallyRun:
    """Count the ballots of the run's budget and store the outcome; idempotent.

    The run is claimed if it is queued, or running (a redelivery after its worker died);
    a done or failed run (given up as stale meanwhile) is returned as it is. While it
    counts, a heartbeat is written every ``TALLY_HEARTBEAT_EVERY`` seconds. The outcome
    rows are replaced in the same transaction that marks the run done, so a reader sees
    either the previous outcome or the whole new one; a run given up meanwhile stores
    nothing.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(TallyRun)
        .where(TallyRun.id == run_id, TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        .values(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, error=None, progress=0)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # DML: a CursorResult
    db.session.commit()
    run = db.session.get(TallyRun, run_id, populate_existing=True)
    if run is None:
        raise LookupError(f"tally run {run_id} does not exist")
    if not claimed:
        logger.info("tally run %s is %s; not counted", run_id, run.status)
        return run
    try:
        budget = db.session.get_one(Budget, run.budget_id)
        total = ballot_count(budget.id)
        with _heartbeat(db.engine, run_id, current_app.config["TALLY_HEARTBEAT_EVERY"]):
            outcome = compute_outcome(budget, run.rule, _progress_reporter(run_id, total))
        run = db.session.scalars(
            select(TallyRun)
            .where(TallyRun.id == run_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if run.status != RunStatus.RUNNING:
            logger.warning("tally run %s was given up while counting; outcome discarded", run_id)
            db.session.rollback()
            return db.session.get_one(TallyRun, run_id)
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
                    "effective_votes": None
                    if d.effective_votes is None
                    else str(d.effective_votes),
                }
                for d in outcome.decisions
            ],
        )
        run.ballots_counted, run.total_cost = total, outcome.total_cost
        run.status, run.finished_at, run.progress = RunStatus.DONE, utcnow(), 100
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        run = db.session.get_one(TallyRun, run_id)
        run.status, run.error, run.finished_at = RunStatus.FAILED, repr(error)[:2000], utcnow()
        db.session.commit()
        raise
    db.session.expire(run, ["outcomes"])
    return run


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
