from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participa.budgets.models import Budget
from participa.db import utcnow
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState

bp = Blueprint("processes", __name__)


def get_process_or_404(slug: str) -> Process:
    return db.first_or_404(
        select(Process).where(Process.slug == slug).options(selectinload(Process.phases))
    )


@bp.get("/")
def index():
    processes = db.session.scalars(
        select(Process).options(selectinload(Process.phases)).order_by(Process.created_at.desc())
    ).all()
    now = utcnow()
    active = [p for p in processes if p.current_phase(now)]
    others = [p for p in processes if not p.current_phase(now)]
    return render_template("processes/index.html", active=active, others=others, now=now)


@bp.get("/procesos/<slug>")
def show(slug: str):
    process = get_process_or_404(slug)
    now = utcnow()
    budgets = db.session.scalars(
        select(Budget)
        .where(Budget.process_id == process.id)
        .options(selectinload(Budget.projects))
        .order_by(Budget.position, Budget.id)
    ).all()
    proposal_count = db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.process_id == process.id, Proposal.state != ProposalState.WITHDRAWN
        )
    )
    return render_template(
        "processes/show.html",
        process=process,
        phase=process.current_phase(now),
        now=now,
        budgets=budgets,
        proposal_count=proposal_count,
    )
