from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participa.accounts.access import require_confirmed
from participa.budgets import ballot_box, ballots
from participa.budgets.forms import (
    BallotForm,
    instructions,
    marks_of,
    rank_choices,
    read_ballot,
)
from participa.budgets.models import Budget
from participa.errors import DomainError, Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, Process
from participa.processes.queries import sees_drafts, visible_to
from participa.views_common import refuse

bp = Blueprint("budgets", __name__, url_prefix="/procesos/<slug>/presupuestos/<int:budget_id>")


def get_budget_or_404(slug: str, budget_id: int, archived: bool = False) -> Budget:
    """The budget of the process ``slug``; an archived one only if ``archived`` (its results
    stay public, its ballot does not)."""
    kept = () if archived else (Budget.archived_at.is_(None),)
    return db.first_or_404(
        select(Budget)
        .join(Process)
        .where(Budget.id == budget_id, Process.slug == slug, visible_to(current_user), *kept)
        .options(
            selectinload(Budget.projects), selectinload(Budget.process).selectinload(Process.phases)
        )
    )


@bp.get("/")
def show(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    ballot = ballots.ballot_of(budget, current_user)
    marks = marks_of(budget, ballot)
    return render_template(
        "budgets/show.html",
        process=budget.process,
        budget=budget,
        ballot=ballot,
        chosen=set(marks),
        marks=marks,
        instructions=instructions(budget),
        voting_open=budget.process.allows(Action.VOTE),
    )


def render_ballot(budget: Budget, marks: dict[int, int], error: DomainError | None = None):
    """The ballot page, filled in with ``marks`` and, after a refusal, its reasons (4xx)."""
    db.session.rollback()
    page = render_template(
        "budgets/ballot.html",
        process=budget.process,
        budget=budget,
        form=BallotForm(),
        existing=ballots.ballot_of(budget, current_user),
        marks=marks,
        chosen=set(marks),
        places=rank_choices(budget),
        instructions=instructions(budget),
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
    try:  # said before the ballot is filled in, not after
        require_confirmed(current_user, "vote")
    except NotAllowed as error:
        return refuse(error, "budgets.show", slug=slug, budget_id=budget_id)
    # Coming back from the review page keeps the unconfirmed selection.
    pending = read_ballot(ballot_box.ballot_rules(budget), len(budget.projects), request.args)
    marks = pending.marks or marks_of(budget, ballots.ballot_of(budget, current_user))
    if pending.problems:
        return render_ballot(budget, marks, Invalid(*pending.problems))
    return render_ballot(budget, marks)


@bp.post("/boleta/revisar")
@login_required
def review(slug: str, budget_id: int):
    budget = get_budget_or_404(slug, budget_id)
    form = BallotForm()
    entry = read_ballot(ballot_box.ballot_rules(budget), len(budget.projects), request.form)
    try:
        ballot_box.require_voting_open(budget)
        ballot_box.validate_selection(budget, *entry.selection())
    except DomainError as error:  # the ballot again, as marked, with the reason
        db.session.rollback()
        return render_ballot(budget, entry.marks, error)
    projects = {p.id: p for p in budget.projects}
    rows = [(projects[pid], mark) for pid, mark in entry.ordered()]
    if not entry.ordinal:  # the ballot's own order
        rows.sort(key=lambda row: (row[0].position, row[0].id))
    return render_template(
        "budgets/review.html",
        process=budget.process,
        budget=budget,
        form=form,
        rows=rows,
        total=sum(project.cost for project, _mark in rows),
        points=sum(mark for _project, mark in rows) if entry.cumulative else None,
        fields=entry.fields(),
        change_args=entry.query(),
    )


@bp.post("/boleta/confirmar")
@login_required
def confirm(slug: str, budget_id: int):
    # The busiest request of a vote: the budget is read as plain values (BallotBox); the
    # ORM budget is loaded only to draw the ballot again after a refusal.
    box = ballot_box.ballot_box(slug, budget_id)
    if box is None or not (box.published or sees_drafts(current_user)):
        abort(404)
    # CSRFProtect has checked the form's token before any view runs (a 400 otherwise).
    entry = read_ballot(box.rules, len(box.costs), request.form)
    try:
        ballot_box.require_voting_open(box)  # before reading the selection, as on review
        ballot = ballots.confirm_ballot(box, current_user, *entry.selection())
    except DomainError as error:  # the ballot again, as marked, with the reason
        db.session.rollback()
        return render_ballot(get_budget_or_404(slug, budget_id), entry.marks, error)
    db.session.commit()
    if ballot.receipt_code is None:  # the same ballot confirmed again: nothing changed
        flash(
            _(
                "Tu voto ya estaba registrado con esta misma selección y no cambió. Tu código "
                "de comprobante sigue siendo el que te dimos al confirmarlo (también te lo "
                "enviamos por correo)."
            ),
            "success",
        )
        return redirect(url_for("budgets.show", slug=slug, budget_id=budget_id), code=303)
    flash(_("¡Tu voto quedó registrado! Puedes cambiarlo hasta que cierre la votación."), "success")
    flash(
        _(
            "Tu código de comprobante es %(code)s. Guárdalo: con él podrás comprobar que tu "
            "boleta se registró y se contó (también te lo enviamos por correo).",
            code=ballot.receipt_code,
        ),
        "receipt",
    )
    return redirect(url_for("budgets.show", slug=slug, budget_id=budget_id), code=303)
