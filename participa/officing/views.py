"""In-person booth pages: check a person in, record their paper ballot, bulk entry."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participa.accounts.models import Role
from participa.budgets.ballot_box import ballot_rules
from participa.budgets.forms import instructions, rank_choices, read_ballot
from participa.budgets.models import Budget
from participa.csvfiles import read_upload
from participa.errors import DomainError, Invalid
from participa.extensions import db
from participa.guards import acts_as, guard_blueprint, require_process_role
from participa.officing import services
from participa.officing.forms import BulkForm, CheckInForm, PaperBallotForm
from participa.processes.models import Action, Process
from participa.staff import access
from participa.views_common import keep_form

bp = Blueprint("officing", __name__, url_prefix="/casilla")


guard_blueprint(bp, acts_as(Role.OFFICER))


def _budget(budget_id: int) -> Budget:
    """The budget, if the current officer keeps a booth of its process (else 403)."""
    budget = db.first_or_404(
        select(Budget)
        .where(Budget.id == budget_id, Budget.archived_at.is_(None))
        .options(
            selectinload(Budget.projects), selectinload(Budget.process).selectinload(Process.phases)
        )
    )
    require_process_role(Role.OFFICER, budget.process_id)
    return budget


@bp.get("")
def index():
    """The budgets open for voting in this officer's processes, with their ballots so far."""
    scope = access.scope(current_user, Role.OFFICER)
    budgets = services.open_budgets(scope)
    return render_template(
        "officing/index.html",
        budgets=budgets,
        counts=services.booth_counts(budgets, current_user),
        everywhere=scope.everywhere,
    )


def paper_instructions(budget: Budget) -> list[str]:
    """The online ballot's rules, without "you can change your vote": paper is final."""
    change = _(
        "Puedes cambiar tu voto mientras la votación esté abierta; "
        "solo cuenta el último que confirmes."
    )
    return [line for line in instructions(budget) if line != change]


def _booth(budget: Budget, status: int = 200, **context):
    """The booth page: the check-in form, or the paper ballot of a checked-in person."""
    context.setdefault("form", CheckInForm())
    page = render_template(
        "officing/booth.html",
        budget=budget,
        process=budget.process,
        voting_open=budget.process.allows(Action.VOTE),
        instructions=paper_instructions(budget),
        places=rank_choices(budget),
        **context,
    )
    return page, status


def _ballot_page(budget, person, document, marks=None, error=None):
    ballot_form = PaperBallotForm(formdata=None, document=document)
    marks = marks or {}
    return _booth(
        budget,
        error.status_code if error else 200,
        person=person,
        ballot_form=ballot_form,
        marks=marks,
        chosen=set(marks),
        error=error,
    )


@bp.route("/<int:budget_id>", methods=["GET", "POST"])
def booth(budget_id: int):
    budget = _budget(budget_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        return _booth(budget, 422 if form.errors else 200, form=form)
    try:
        person = services.check_in(current_user, budget, form.document.data)
    except DomainError as error:
        db.session.rollback()
        return _booth(budget, error.status_code, form=form, check_in_error=error)
    return _ballot_page(budget, person, form.document.data)


@bp.post("/<int:budget_id>/boleta")
def record(budget_id: int):
    budget = _budget(budget_id)
    form = PaperBallotForm()
    entry = read_ballot(ballot_rules(budget), len(budget.projects), request.form)
    try:
        if not form.validate():
            raise Invalid(_("La sesión expiró o el formulario no es válido; vuelve a intentarlo."))
        services.record_paper_ballot(current_user, budget, form.document.data, *entry.selection())
    except DomainError as error:
        db.session.rollback()
        try:  # is the person still allowed to vote? then only the ballot needs fixing
            person = services.check_in(current_user, budget, form.document.data or "")
        except DomainError as refusal:
            db.session.rollback()
            check_in_form = CheckInForm(formdata=None)
            return _booth(budget, refusal.status_code, form=check_in_form, check_in_error=refusal)
        return _ballot_page(budget, person, form.document.data, entry.marks, error)
    db.session.commit()
    flash(_("Boleta en papel registrada. Siguiente persona."), "success")
    return redirect(url_for("officing.booth", budget_id=budget.id), code=303)


@bp.route("/<int:budget_id>/lote", methods=["GET", "POST"])
def bulk(budget_id: int):
    budget = _budget(budget_id)
    form = BulkForm()
    context = {
        "budget": budget,
        "process": budget.process,
        "voting_open": budget.process.allows(Action.VOTE),
        "form": form,
    }
    if not form.validate_on_submit():
        return render_template("officing/bulk.html", **context), 422 if form.errors else 200
    try:
        upload = form.file.data
        text, note = read_upload(upload.read()) if upload else (form.text.data, None)
        result = services.bulk_paper_ballots(current_user, budget, text)
    except DomainError as error:  # beside the file (or the pasted text), as it was sent
        error.field = error.field or ("file" if form.file.data else "text")
        status = keep_form(form, error)
        return render_template("officing/bulk.html", **context), status
    if result.rejected and not result.accepted:
        db.session.rollback()  # every line refused: nothing is kept, not even the log entry
    else:
        db.session.commit()
        context["form"] = BulkForm(formdata=None)  # stored lines are not offered again
    if result.rejected:
        flash(
            _(
                "Se registraron %(accepted)d boletas; %(rejected)d líneas fueron rechazadas "
                "(ver abajo).",
                accepted=result.accepted,
                rejected=len(result.rejected),
            ),
            "error",
        )
    else:
        flash(_("Se registraron %(n)d boletas.", n=result.accepted), "success")
    if note:
        flash(note, "info")
    status = 422 if result.rejected and not result.accepted else 200
    return render_template("officing/bulk.html", result=result, **context), status
