from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from participa.admin.forms import ConfirmForm
from participa.audit.described import latest_public
from participa.budgets.models import Budget
from participa.db import utcnow
from participa.extensions import db
from participa.notifications import services as notifications
from participa.notifications.services import followers
from participa.processes.models import Process
from participa.processes.queries import public_processes, visible_to
from participa.proposals.models import Proposal, ProposalState

bp = Blueprint("processes", __name__)
LATEST_CHANGES = 5  # configuration changes on the process page; the rest on their own page


def get_process_or_404(slug: str) -> Process:
    """The process of a public page: a draft only for an administrator (a preview),
    404 for everyone else."""
    return db.first_or_404(
        select(Process)
        .where(Process.slug == slug, visible_to(current_user))
        .options(selectinload(Process.phases))
    )


@bp.get("/")
def index():
    processes = db.session.scalars(
        public_processes().options(selectinload(Process.phases)).order_by(Process.created_at.desc())
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
        .where(Budget.process_id == process.id, Budget.archived_at.is_(None))
        .options(selectinload(Budget.projects), joinedload(Budget.district))
        .order_by(Budget.position, Budget.id)
    ).all()
    proposal_count = db.session.scalar(
        select(func.count(Proposal.id)).where(
            Proposal.process_id == process.id,
            Proposal.state != ProposalState.WITHDRAWN,
            Proposal.hidden_at.is_(None),
        )
    )
    following = current_user.is_authenticated and current_user.id in followers(process.id)
    changes, changes_total = latest_public(process.id, LATEST_CHANGES)
    return render_template(
        "processes/show.html",
        changes=changes,
        changes_total=changes_total,
        following=following,
        process=process,
        phase=process.current_phase(now),
        now=now,
        budgets=budgets,
        proposal_count=proposal_count,
    )


@bp.post("/procesos/<slug>/<any(seguir, dejar):what>")
@login_required
def follow(slug: str, what: str):
    """Follow a process (hear when its phases open), or stop following it."""
    process = get_process_or_404(slug)
    if not ConfirmForm().validate():
        abort(400)
    if what == "seguir":
        notifications.follow(current_user.id, process.id)
        message = _("Te avisaremos cuando empiece cada fase de este proceso.")
    else:
        notifications.unfollow(current_user.id, process.id)
        message = _("Ya no sigues este proceso.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("processes.show", slug=slug), code=303)
