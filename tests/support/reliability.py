"""What the reliability tests read back: finished tally runs, stored outcomes, publications,
the receipts the worker sent."""

import re
from pathlib import Path

from sqlalchemy import select

from participa.extensions import db
from participa.opendata.models import Publication
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.tallying import Outcome

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def sendings_finished(log: Path) -> bool:
    """Whether every ``send_pending`` the worker received has ended."""
    text = log.read_text()
    received = len(re.findall(r"send_pending\[[^\]]+\] received", text))
    ended = len(re.findall(r"send_pending\[[^\]]+\] (?:succeeded|raised|retry)", text))
    return ended >= received


def finished_runs(budget_id: int) -> list[TallyRun]:
    return list(
        db.session.scalars(
            select(TallyRun)
            .where(
                TallyRun.budget_id == budget_id,
                TallyRun.status.in_((RunStatus.DONE, RunStatus.FAILED)),
            )
            .order_by(TallyRun.id)
        )
    )


def outcome_rows(run_id: int) -> list[tuple]:
    """Every stored figure of a run's outcome, project by project in rank order."""
    rows = db.session.scalars(
        select(ProjectOutcome).where(ProjectOutcome.run_id == run_id).order_by(ProjectOutcome.rank)
    )
    return [
        (
            o.project_id,
            o.rank,
            o.votes,
            o.selected,
            o.remaining_before,
            o.reason,
            o.tied,
            o.price,
            o.effective_votes,
        )
        for o in rows
    ]


def decision_rows(outcome: Outcome) -> list[tuple]:
    """The same figures from a pure tally, as they would be stored."""

    def text(value) -> str | None:
        return None if value is None else str(value)

    return [
        (
            d.project_id,
            d.rank,
            d.score,
            d.selected,
            d.remaining_before,
            str(d.reason),
            d.tied,
            text(d.price),
            text(d.effective_votes),
        )
        for d in outcome.decisions
    ]


def publications(process_id: int) -> list[Publication]:
    return list(db.session.scalars(select(Publication).where(Publication.process_id == process_id)))
