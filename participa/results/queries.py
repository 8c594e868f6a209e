"""Read-only questions about tallies: which run the public sees, which budgets are due,
and the ballots and scores a tally reads. Nothing here writes; commands are in
:mod:`participa.results.services`, and other domains (open data, Pabulib, follow-up) read
results through this module only."""

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Project
from participa.db import utcnow
from participa.extensions import db
from participa.results.models import RunStatus, TallyRun
from participa.tallying import Ballot as TallyBallot
from participa.tallying import TallyProject

BATCH_BALLOTS = 50_000


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


def stale_condition(now: datetime):
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


def official_tally_pending(process_id: int, now: datetime | None = None) -> bool:
    """Whether an official tally of a budget of process ``process_id`` is queued or
    running (and not presumed lost): its own publication will follow it."""
    now = now or utcnow()
    return (
        db.session.scalar(
            select(TallyRun.id)
            .join(Budget, Budget.id == TallyRun.budget_id)
            .where(
                Budget.process_id == process_id,
                TallyRun.preview.is_(False),
                TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
                ~stale_condition(now),
            )
            .limit(1)
        )
        is not None
    )


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
            | (TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]) & ~stale_condition(now)),
        )
        if db.session.scalar(blocking.limit(1)) is None:
            due.append(budget)
    return due


def ballot_count(budget_id: int) -> int:
    return db.session.scalars(
        select(func.count(Ballot.id)).where(Ballot.budget_id == budget_id)
    ).one()


def scores(budget: Budget, on: Any = None) -> dict[int, int]:
    """Each project's score, added up by the database: votes (approval, choose-1),
    points (cumulative) or k..1 points per ballot of k ranked projects (ordinal); read
    with ``on`` (the session, or a connection holding a snapshot)."""
    on = db.session if on is None else on
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
    return {pid: int(total) for pid, total in on.execute(stmt.group_by(items.project_id))}


def tally_projects(budget: Budget) -> list[TallyProject]:
    """The budget's projects as the rules see them, in ballot order."""
    rows = db.session.execute(
        select(Project.id, Project.cost)
        .where(Project.budget_id == budget.id, Project.archived_at.is_(None))
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
        current: int | None = None
        chosen: list[int] = []
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
