"""Tallying a budget's ballots, storing the outcome, and reading it back as CSV."""

import csv
import hashlib
import hmac
import io
from collections.abc import Iterator
from itertools import groupby

from flask import current_app
from sqlalchemy import delete, func, insert, select

from participa.budgets.models import Ballot, BallotItem, Budget, Project
from participa.db import utcnow
from participa.extensions import db
from participa.processes.models import Process
from participa.processes.services import voting_closed
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.tallying import Election, Outcome, TallyProject, tally


def request_tally(budget: Budget) -> TallyRun:
    """Record a queued tally run of ``budget`` with its declared rule. The caller commits,
    then enqueues :func:`participa.results.tasks.tally_budget` with the run's id."""
    run = TallyRun(budget_id=budget.id, rule=budget.rule, status=RunStatus.QUEUED)
    db.session.add(run)
    db.session.flush()
    return run


def vote_counts(budget_id: int) -> tuple[int, dict[int, int]]:
    """Number of ballots of a budget and approvals per project, aggregated by the database."""
    ballots = db.session.scalar(select(func.count(Ballot.id)).where(Ballot.budget_id == budget_id))
    counts = dict(
        db.session.execute(
            select(BallotItem.project_id, func.count())
            .where(BallotItem.budget_id == budget_id)
            .group_by(BallotItem.project_id)
        ).all()
    )
    return ballots or 0, counts


def compute_outcome(budget: Budget, scores: dict[int, int]) -> Outcome:
    """Apply ``budget``'s rule; projects are ordered on the ballot by (position, id)."""
    projects = db.session.execute(
        select(Project.id, Project.cost)
        .where(Project.budget_id == budget.id)
        .order_by(Project.position, Project.id)
    ).all()
    tally_projects = [
        TallyProject(id=pid, cost=cost, position=i) for i, (pid, cost) in enumerate(projects)
    ]
    return tally(Election.from_scores(budget.amount, tally_projects, scores), budget.rule)


def run_tally(run_id: int) -> TallyRun:
    """Count the ballots of the run's budget and store the outcome; idempotent.

    The outcome rows are replaced in the same transaction that marks the run done, so a
    reader sees either the previous outcome or the whole new one.
    """
    run = db.session.get(TallyRun, run_id)
    if run is None:
        raise LookupError(f"tally run {run_id} does not exist")
    run.status, run.started_at, run.error = RunStatus.RUNNING, utcnow(), None
    db.session.commit()
    try:
        budget = db.session.get(Budget, run.budget_id)
        ballots, scores = vote_counts(budget.id)
        outcome = compute_outcome(budget, scores)
        run = db.session.scalars(
            select(TallyRun).where(TallyRun.id == run_id).with_for_update()
        ).one()
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
                }
                for d in outcome.decisions
            ],
        )
        run.rule, run.ballots_counted, run.total_cost = outcome.rule, ballots, outcome.total_cost
        run.status, run.finished_at = RunStatus.DONE, utcnow()
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        run = db.session.get(TallyRun, run_id)
        run.status, run.error, run.finished_at = RunStatus.FAILED, repr(error)[:2000], utcnow()
        db.session.commit()
        raise
    db.session.expire(run, ["outcomes"])
    return run


def latest_run(budget: Budget, *, done_only: bool = True) -> TallyRun | None:
    """The most recent tally run of ``budget`` (by default, the most recent finished one)."""
    stmt = select(TallyRun).where(TallyRun.budget_id == budget.id)
    if done_only:
        stmt = stmt.where(TallyRun.status == RunStatus.DONE)
    return db.session.scalar(stmt.order_by(TallyRun.id.desc()).limit(1))


def budgets_due_for_tally(now=None) -> list[Budget]:
    """Budgets whose voting has closed and that have never been tallied."""
    now = now or utcnow()
    untallied = db.session.scalars(
        select(Budget)
        .join(Process)
        .where(~select(TallyRun.id).where(TallyRun.budget_id == Budget.id).exists())
    ).all()
    return [b for b in untallied if voting_closed(b.process, now)]


RESULTS_COLUMNS = {
    "project_id": "Identificador del proyecto en Participa",
    "title": "Nombre del proyecto",
    "cost": "Costo en unidades enteras de la moneda del presupuesto",
    "votes": "Boletas que aprobaron el proyecto",
    "rank": "Lugar por votos (empates: orden en la boleta)",
    "selected": "1 si el proyecto resultó financiado, 0 si no",
    "remaining_before": "Dinero que quedaba cuando le tocó su turno",
    "reason": "selected = financiado; does_not_fit = su costo superaba lo que quedaba",
}
BALLOTS_COLUMNS = {
    "ballot": "Identificador anónimo de la boleta (no permite saber quién votó)",
    "date": "Día en que se confirmó la boleta (AAAA-MM-DD)",
    "projects": "Identificadores de los proyectos elegidos, separados por comas",
}


def results_csv(run: TallyRun) -> str:
    """The outcome of ``run`` as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULTS_COLUMNS)
    for o in run.outcomes:
        writer.writerow(
            [
                o.project_id,
                o.project.title,
                o.project.cost,
                o.votes,
                o.rank,
                int(o.selected),
                o.remaining_before,
                o.reason,
            ]
        )
    return buffer.getvalue()


def anonymous_ballot_id(ballot_id: int) -> str:
    """A stable opaque id: a keyed hash, so published ids reveal neither order nor voter."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ballot:{ballot_id}".encode(), hashlib.sha256).hexdigest()[:16]


def ballots_csv(budget: Budget) -> Iterator[str]:
    """Stream the anonymised ballots of ``budget`` as CSV lines, in batches from the database."""
    yield ",".join(BALLOTS_COLUMNS) + "\n"
    rows = db.session.execute(
        select(Ballot.id, Ballot.created_at, BallotItem.project_id)
        .join(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(Ballot.budget_id == budget.id)
        .order_by(Ballot.id, BallotItem.project_id)
        .execution_options(yield_per=5000)
    )
    for (ballot_id, created_at), items in groupby(rows, key=lambda r: (r[0], r[1])):
        projects = ",".join(str(item[2]) for item in items)
        yield f'{anonymous_ballot_id(ballot_id)},{created_at.date().isoformat()},"{projects}"\n'
