"""The rows of the open datasets of a process, streamed from the database.

Each function here yields plain tuples (ints, strings, dates, booleans, None) in the order
of its dataset's fields (declared in :mod:`participa.opendata.catalogue`), reading the
database in batches: nothing holds a whole table in memory. What a phase hides is never
yielded: hidden proposals are left out, support counts are empty while the current phase
hides vote counts, and a budget's results and ballots appear as
:func:`participa.results.visibility.public_disclosure` says: nothing before results are
public, the funded projects without any count while the phase hides vote counts, everything
(ballots included) after.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select

from participa.accountability.models import ExecutionItem, ExecutionStatus, Milestone
from participa.budgets.models import Ballot, BallotType, Budget, Project
from participa.budgets.rules_text import RULE_LABELS
from participa.extensions import db
from participa.processes.models import District, Phase, Process
from participa.proposals.models import CATEGORIES, Proposal
from participa.results.anonymous_ballots import ballot_batches
from participa.results.models import TallyRun
from participa.results.visibility import results_access, visible_run

BATCH = 10_000


# --- visibility --------------------------------------------------------------------------


def counts_public(process: Process) -> bool:
    """Vote counts, and the ballots that carry them, are published (``EVERYTHING``)."""
    return results_access(process).counts  # as anyone: published files are public


def ballots_public(process: Process) -> bool:
    """The anonymous ballots (and the .pb files) are published: only with the counts."""
    return counts_public(process)


def published_budgets(process: Process) -> list[tuple[Budget, TallyRun]]:
    """The budgets whose official outcome is public, with that tally run."""
    access = results_access(process)  # as anyone: published files are public
    if not access.outcome:
        return []
    out = []
    for budget in _budgets(process):
        run = visible_run(budget, access)
        if run is not None:
            out.append((budget, run))
    return out


def _budgets(process: Process) -> list[Budget]:
    return list(
        db.session.scalars(
            select(Budget)
            .where(Budget.process_id == process.id)
            .order_by(Budget.position, Budget.id)
        )
    )


def _district_names() -> dict[int, str]:
    return dict(db.session.execute(select(District.id, District.name)).all())


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


# --- processes and phases ----------------------------------------------------------------


def process_rows(process: Process) -> Iterator[tuple]:
    districts = _district_names()
    yield (
        process.id,
        process.slug,
        process.title,
        process.description,
        process.municipality,
        districts.get(process.district_id) if process.district_id else None,
        process.vote_scope,
        process.support_threshold,
        results_access(process).outcome,
        _day(process.created_at),
    )


def phase_rows(process: Process) -> Iterator[tuple]:
    for phase in db.session.scalars(
        select(Phase).where(Phase.process_id == process.id).order_by(Phase.position)
    ):
        yield (
            phase.id,
            process.id,
            phase.position,
            phase.title,
            phase.description,
            phase.starts_at,
            phase.ends_at,
            phase.allows_propose,
            phase.allows_support,
            phase.allows_comment,
            phase.allows_vote,
            phase.shows_vote_counts,
            phase.shows_results,
        )


# --- proposals ---------------------------------------------------------------------------


def proposal_rows(process: Process) -> Iterator[tuple]:
    """Public fields of the proposals that are not hidden; never the author."""
    districts = _district_names()
    counts = process.vote_counts_visible()
    columns = (
        Proposal.id,
        Proposal.title,
        Proposal.body,
        Proposal.category,
        Proposal.district_id,
        Proposal.state,
        Proposal.cost_estimate,
        Proposal.supports_count,
        Proposal.created_at,
        Proposal.answer,
        Proposal.answered_at,
        Proposal.withdrawn_at,
    )
    last = 0
    while True:
        batch = db.session.execute(
            select(*columns)
            .where(
                Proposal.process_id == process.id,
                Proposal.hidden_at.is_(None),
                Proposal.id > last,
            )
            .order_by(Proposal.id)
            .limit(BATCH)
        ).all()
        for r in batch:
            yield (
                r.id,
                process.id,
                r.title,
                r.body,
                r.category,
                CATEGORIES.get(r.category, r.category),
                districts.get(r.district_id) if r.district_id else None,
                r.state,
                r.cost_estimate,
                r.supports_count if counts else None,
                _day(r.created_at),
                r.answer,
                _day(r.answered_at),
                _day(r.withdrawn_at),
            )
        if len(batch) < BATCH:
            return
        last = batch[-1].id


def proposal_keywords(process: Process) -> list[str]:
    used = db.session.scalars(
        select(Proposal.category)
        .where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None))
        .distinct()
    ).all()
    return sorted(CATEGORIES.get(c, c) for c in used)


# --- budgets and projects ----------------------------------------------------------------


def budget_rows(process: Process) -> Iterator[tuple]:
    districts = _district_names()
    runs = {b.id: run for b, run in published_budgets(process)}
    public_ballots = counts_public(process)
    for b in _budgets(process):
        run = runs.get(b.id)
        yield (
            b.id,
            process.id,
            b.title,
            b.description,
            districts.get(b.district_id) if b.district_id else None,
            b.amount,
            b.currency,
            b.ballot_type,
            str(BallotType(b.ballot_type).vote_type),
            b.min_projects,
            b.max_projects,
            b.min_spend_percent,
            b.min_points,
            b.max_points,
            b.max_total_points,
            b.rule,
            str(RULE_LABELS.get(b.rule, b.rule)),
            b.min_score,
            run.id if run else None,
            run.ballots_counted if run and public_ballots else None,
            run.total_cost if run else None,
            run.finished_at if run else None,
            pb_name(b) if run and public_ballots else None,
        )


def budget_keywords(process: Process) -> list[str]:
    districts = _district_names()
    words = {b.title for b in _budgets(process)}
    words |= {districts[b.district_id] for b in _budgets(process) if b.district_id}
    return sorted(words)


def pb_name(budget: Budget) -> str:
    return f"presupuesto-{budget.id}.pb"


def project_rows(process: Process) -> Iterator[tuple]:
    hidden = set(
        db.session.scalars(
            select(Proposal.id).where(
                Proposal.process_id == process.id, Proposal.hidden_at.is_not(None)
            )
        )
    )
    for p in db.session.scalars(
        select(Project)
        .join(Budget, Budget.id == Project.budget_id)
        .where(Budget.process_id == process.id, Project.archived_at.is_(None))
        .order_by(Budget.position, Budget.id, Project.position, Project.id)
    ):
        yield (
            p.id,
            p.budget_id,
            p.code,
            p.position,
            p.title,
            p.description,
            p.cost,
            None if p.proposal_id in hidden else p.proposal_id,
        )


# --- ballots -----------------------------------------------------------------------------


def ballot_rows_of_budget(budget: Budget, batch: int = BATCH) -> Iterator[tuple]:
    """Every ballot of ``budget``, ordered by its random public id (keyset pagination):
    (public id, budget id, day, project ids, points). Never its receipt hash: whoever
    holds a code could find the ballot's choices (see :func:`receipt_rows`)."""
    for rows in ballot_batches(budget, batch):
        for public_id, day, projects, points in rows:
            yield (public_id, budget.id, day, projects, points)


def ballot_rows(process: Process) -> Iterator[tuple]:
    if not ballots_public(process):
        return
    for budget, _run in published_budgets(process):
        yield from ballot_rows_of_budget(budget)


def receipt_rows(process: Process, batch: int = BATCH) -> Iterator[tuple]:
    """(budget id, receipt hash) of every counted ballot, ordered by the hash: a voter finds
    their code's SHA-256 among the counted ballots, but nothing ties it to a ballot's row
    (no id, no day, not the ballots' order), so the code proves that the ballot was
    counted, never how its voter voted."""
    if not ballots_public(process):
        return
    for budget, _run in published_budgets(process):
        last: str | None = ""  # receipt hashes (none is NULL here)
        while True:
            hashes = db.session.scalars(
                select(Ballot.receipt_hash)
                .where(
                    Ballot.budget_id == budget.id,
                    Ballot.receipt_hash.is_not(None),
                    Ballot.receipt_hash > last,
                )
                .order_by(Ballot.receipt_hash)
                .limit(batch)
            ).all()
            for receipt in hashes:
                yield (budget.id, receipt)
            if len(hashes) < batch:
                break
            last = hashes[-1]


# --- results -----------------------------------------------------------------------------


def result_rows(process: Process) -> Iterator[tuple]:
    counts = counts_public(process)
    for budget, run in published_budgets(process):
        cost = dict(
            db.session.execute(
                select(Project.id, Project.cost).where(Project.budget_id == budget.id)
            ).all()
        )
        for o in sorted(run.outcomes, key=lambda o: o.rank):
            yield (
                budget.id,
                run.id,
                run.rule,
                o.project_id,
                cost.get(o.project_id),
                o.votes if counts else None,
                o.rank,
                o.selected,
                o.remaining_before,
                o.reason,
                o.tied,
                (o.price or None) if counts else None,
                (o.effective_votes or None) if counts else None,
            )


# --- execution ---------------------------------------------------------------------------


def execution_rows(process: Process) -> Iterator[tuple]:
    statuses: dict[int | None, ExecutionStatus] = {
        s.id: s
        for s in db.session.scalars(
            select(ExecutionStatus).where(ExecutionStatus.process_id == process.id)
        )
    }
    for item in db.session.scalars(
        select(ExecutionItem)
        .where(ExecutionItem.process_id == process.id)
        .order_by(ExecutionItem.id)
    ):
        status = statuses.get(item.status_id)
        yield (
            item.id,
            process.id,
            item.project_id,
            item.parent_id,
            item.code,
            item.title,
            item.description,
            status.key if status else None,
            status.name if status else None,
            item.progress,
            item.office,
            item.budgeted,
            item.spent,
            item.starts_on,
            item.ends_on,
            _day(item.updated_at),
        )


def milestone_rows(process: Process) -> Iterator[tuple]:
    for m in db.session.scalars(
        select(Milestone)
        .join(ExecutionItem, ExecutionItem.id == Milestone.item_id)
        .where(ExecutionItem.process_id == process.id)
        .order_by(Milestone.item_id, Milestone.happened_on, Milestone.id)
    ):
        yield (m.id, m.item_id, m.happened_on, m.text)
