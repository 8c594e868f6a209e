"""A finished process with a published tally, as the API serves it (shared by the API tests and
their schemathesis run)."""

from datetime import timedelta

from participa.db import utcnow
from participa.extensions import db
from participa.processes import services as processes
from participa.proposals.models import Proposal
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from tests import factories as f


def proposal(process, author, **fields) -> Proposal:
    values = {
        "title": "Parque",
        "body": "Un parque con árboles",
        "category": "espacio-publico",
        "state": "submitted",
        "supports_count": 3,
    }
    values.update(fields)
    item = Proposal(process_id=process.id, author_id=author.id, **values)
    db.session.add(item)
    db.session.flush()
    return item


def finished_process():
    """A process whose voting closed yesterday and whose results phase has begun."""
    now = utcnow()
    p = processes.create_process(
        title="Presupuesto 2025",
        slug="pp-2025",
        description="",
        municipality="Santa Lucía",
        district_id=None,
        published=True,
    )
    processes.add_phase(
        p,
        title="Votación",
        reason="Datos de prueba con historia",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=1),
        allows_vote=True,
    )
    processes.add_phase(
        p,
        title="Resultados",
        reason="Datos de prueba con historia",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        shows_results=True,
    )
    return p


def publish_run(budget, *, created_at=None):
    ids = f.project_ids(budget)
    run = TallyRun(
        budget_id=budget.id,
        rule=budget.rule,
        preview=False,
        status=RunStatus.DONE,
        ballots_counted=7,
        total_cost=700,
        created_at=created_at or utcnow(),
        finished_at=utcnow(),
    )
    db.session.add(run)
    db.session.flush()
    for rank, pid in enumerate(ids, start=1):
        db.session.add(
            ProjectOutcome(
                run_id=run.id,
                project_id=pid,
                rank=rank,
                votes=10 - rank,
                selected=rank <= 2,
                remaining_before=1000,
                reason="selected" if rank <= 2 else "does_not_fit",
            )
        )
    db.session.flush()
    return run
