from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participa.budgets import services
from participa.budgets.forms import BallotForm
from participa.budgets.models import Budget
from participa.errors import DomainError, Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, Process
from participa.views_common import refuse

bp = Blueprint("budgets", __name__, url_prefix="/procesos/<slug>/presupuestos/<int:budget_id>")


def get_budget_or_404(slug: str, budget_id: int) -> Budget:
    return db.first_or_404(
        select(Budget)
        .join(Process)
        .where(Budget.id == budget_id, Process.slug == slug)
        .options(
            selectinload(Budget.projects), selectinload(Budget.process).selectinload(Process.phases)
        )
    )


@bp.get("/")
def show(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    ballot = services.ballot_of(budget, current_user)
    return render_template(
        "budgets/show.html",
        process=budget.process,
        budget=budget,
        ballot=ballot,
        chosen=set(services.selected_ids(ballot)),
        voting_open=budget.process.allows(Action.VOTE),
    )


def render_ballot(budget: Budget, chosen: set[int], error: DomainError | None = None):
    """The ballot page, with ``chosen`` ticked and, after a refusal, its reasons (422)."""
    db.session.rollback()
    page = render_template(
        "budgets/ballot.html",
        process=budget.process,
        budget=budget,
        form=BallotForm(),
        existing=services.ballot_of(budget, current_user),
        chosen=chosen,
        error=error,
    )
    return (page, error.status_code) if error else page


@bp.get("/boleta")
@login_required
def ballot(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    if not budget.process.allows(Action.VOTE):
        flash(_("La votación no está abierta."), "error")
        return redirect(url_for("budgets.show", slug=slug, budget_id=budget_id))
    # Coming back from the review page keeps the unconfirmed selection.
    pending = {int(v) for v in request.args.getlist("project") if v.isdigit() and len(v) < 12}
    confirmed = services.selected_ids(services.ballot_of(budget, current_user))
    return render_ballot(budget, pending or set(confirmed))


def _parseable_ids(form: BallotForm) -> set[int]:
    """The well-formed ids of a refused selection, to keep the resident's ticks."""
    return {int(v) for v in form.project.data or [] if v.isdigit() and len(v) < 12}


def _submitted_ids(form: BallotForm) -> list[int]:
    if not form.validate():
        raise Invalid(_("La sesión expiró o el formulario no es válido; vuelve a intentarlo."))
    return form.project_ids()


@bp.post("/boleta/revisar")
@login_required
def review(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    form = BallotForm()
    try:
        services.require_voting_open(budget)
        ids = services.validate_selection(budget, _submitted_ids(form))
    except NotAllowed as error:
        return refuse(error, "budgets.show", slug=slug, budget_id=budget_id)
    except DomainError as error:
        return render_ballot(budget, _parseable_ids(form), error)
    chosen = [p for p in budget.projects if p.id in set(ids)]
    return render_template(
        "budgets/review.html",
        process=budget.process,
        budget=budget,
        form=form,
        chosen=chosen,
        total=sum(p.cost for p in chosen),
    )


@bp.post("/boleta/confirmar")
@login_required
def confirm(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    form = BallotForm()
    try:
        services.cast_ballot(budget, current_user, _submitted_ids(form))
    except NotAllowed as error:
        return refuse(error, "budgets.show", slug=slug, budget_id=budget_id)
    except DomainError as error:
        return render_ballot(budget, _parseable_ids(form), error)
    db.session.commit()
    flash(_("¡Tu voto quedó registrado! Puedes cambiarlo hasta que cierre la votación."), "success")
    return redirect(url_for("budgets.show", slug=slug, budget_id=budget_id), code=303)
