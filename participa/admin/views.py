"""Administration: processes, phases, budgets, projects, proposal answers and tallies."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participa.admin.forms import (
    AnswerForm,
    BudgetForm,
    CompareForm,
    ConfirmForm,
    PhaseForm,
    ProcessForm,
    ProjectForm,
)
from participa.budgets import services as budget_services
from participa.budgets.models import Ballot, Budget
from participa.errors import DomainError
from participa.extensions import db
from participa.processes import services as process_services
from participa.processes.models import Phase, Process
from participa.proposals import services as proposal_services
from participa.proposals.models import Proposal, ProposalState
from participa.results import services as result_services
from participa.results.models import TallyRun
from participa.results.tasks import tally_budget
from participa.views_common import district_choices, parse_id, refuse

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path))
    if not current_user.is_admin:
        abort(403)
    return None


def _process(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


def _budget(budget_id: int) -> Budget:
    return db.get_or_404(Budget, budget_id)


@bp.get("/")
def dashboard():
    processes = db.session.scalars(
        select(Process).options(selectinload(Process.phases)).order_by(Process.created_at.desc())
    ).all()
    return render_template("admin/dashboard.html", processes=processes)


@bp.route("/procesos/nuevo", methods=["GET", "POST"])
def new_process():
    form = ProcessForm()
    form.district_id.choices = district_choices(_("Todo el municipio"))
    if form.validate_on_submit():
        try:
            process = process_services.create_process(
                title=form.title.data,
                slug=form.slug.data.strip() or None,
                description=form.description.data,
                municipality=form.municipality.data,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("admin/process_form.html", form=form), error.status_code
        db.session.commit()
        flash(_("Proceso creado. Ahora agrega sus fases."), "success")
        return redirect(url_for("admin.process", process_id=process.id), code=303)
    return render_template("admin/process_form.html", form=form), 422 if form.errors else 200


@bp.get("/procesos/<int:process_id>")
def process(process_id: int):
    process = _process(process_id)
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.process_id == process.id)
        .order_by(Proposal.supports_count.desc(), Proposal.id)
    ).all()
    return render_template(
        "admin/process.html",
        process=process,
        phase_form=PhaseForm(),
        budget_form=_budget_form(),
        proposals=proposals,
        answer_form=AnswerForm(),
        states=ProposalState,
        confirm=ConfirmForm(),
    )


def _budget_form() -> BudgetForm:
    form = BudgetForm()
    form.district_id.choices = district_choices(_("Todo el municipio"))
    return form


@bp.post("/procesos/<int:process_id>/fases")
def add_phase(process_id: int):
    process = _process(process_id)
    form = PhaseForm()
    if not form.validate():
        return _form_errors(form, "admin.process", process_id=process_id)
    try:
        process_services.add_phase(
            process,
            title=form.title.data,
            description=form.description.data,
            starts_at=to_utc(form.starts_at.data).replace(tzinfo=None),
            ends_at=to_utc(form.ends_at.data).replace(tzinfo=None),
            allows_propose=form.allows_propose.data,
            allows_support=form.allows_support.data,
            allows_vote=form.allows_vote.data,
            shows_results=form.shows_results.data,
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=process_id)
    db.session.commit()
    flash(_("Fase agregada."), "success")
    return redirect(url_for("admin.process", process_id=process_id), code=303)


@bp.post("/fases/<int:phase_id>/eliminar")
def delete_phase(phase_id: int):
    phase = db.get_or_404(Phase, phase_id)
    process_id = phase.process_id
    if ConfirmForm().validate():
        process_services.delete_phase(phase)
        db.session.commit()
        flash(_("Fase eliminada."), "info")
    return redirect(url_for("admin.process", process_id=process_id), code=303)


@bp.post("/procesos/<int:process_id>/presupuestos")
def add_budget(process_id: int):
    process = _process(process_id)
    form = _budget_form()
    if not form.validate():
        return _form_errors(form, "admin.process", process_id=process_id)
    try:
        budget = budget_services.create_budget(
            process,
            title=form.title.data,
            description=form.description.data,
            amount=form.amount.data,
            currency=form.currency.data,
            ballot_type=form.ballot_type.data,
            min_projects=form.min_projects.data or 0,
            max_projects=form.max_projects.data,
            min_spend_percent=form.min_spend_percent.data or 0,
            rule=form.rule.data,
            district_id=form.district_id.data or None,
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=process_id)
    db.session.commit()
    flash(_("Presupuesto creado."), "success")
    return redirect(url_for("admin.budget", budget_id=budget.id), code=303)


@bp.post("/propuestas/<int:proposal_id>/respuesta")
def answer_proposal(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    form = AnswerForm()
    if not form.validate():
        return _form_errors(form, "admin.process", process_id=proposal.process_id)
    try:
        proposal_services.answer(
            proposal, state=form.state.data, cost=form.cost.data, reason=form.reason.data
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=proposal.process_id)
    db.session.commit()
    flash(_("Respuesta guardada: «%(title)s».", title=proposal.title), "success")
    return redirect(
        url_for("admin.process", process_id=proposal.process_id, _anchor="propuestas"), code=303
    )


@bp.get("/presupuestos/<int:budget_id>")
def budget(budget_id: int):
    budget = _budget(budget_id)
    runs = db.session.scalars(
        select(TallyRun)
        .where(TallyRun.budget_id == budget.id)
        .order_by(TallyRun.id.desc())
        .limit(10)
    ).all()
    ballots = db.session.scalar(select(func.count(Ballot.id)).where(Ballot.budget_id == budget.id))
    return render_template(
        "admin/budget.html",
        budget=budget,
        process=budget.process,
        project_form=ProjectForm(),
        candidates=budget_services.accepted_without_project(budget.process),
        runs=runs,
        ballots=ballots,
        confirm=ConfirmForm(),
        compare_form=CompareForm(),
    )


@bp.post("/presupuestos/<int:budget_id>/proyectos")
def add_project(budget_id: int):
    budget = _budget(budget_id)
    form = ProjectForm()
    if not form.validate():
        return _form_errors(form, "admin.budget", budget_id=budget_id)
    try:
        budget_services.create_project(
            budget, title=form.title.data, cost=form.cost.data, description=form.description.data
        )
    except DomainError as error:
        return refuse(error, "admin.budget", budget_id=budget_id)
    db.session.commit()
    flash(_("Proyecto agregado a la boleta."), "success")
    return redirect(url_for("admin.budget", budget_id=budget_id), code=303)


@bp.post("/presupuestos/<int:budget_id>/desde-propuestas")
def projects_from_proposals(budget_id: int):
    budget = _budget(budget_id)
    if not ConfirmForm().validate():
        abort(400)
    chosen = {parse_id(v) for v in request.form.getlist("proposal")} - {None}
    try:
        added = budget_services.projects_from_proposals(budget, chosen)
    except DomainError as error:
        return refuse(error, "admin.budget", budget_id=budget_id)
    db.session.commit()
    flash(_("%(n)d propuestas pasaron a la boleta.", n=len(added)), "success")
    return redirect(url_for("admin.budget", budget_id=budget_id), code=303)


@bp.post("/presupuestos/<int:budget_id>/contar")
def tally(budget_id: int):
    """Tally with the declared rule, or preview the outcome under another rule."""
    budget = _budget(budget_id)
    form = CompareForm()
    if not form.validate():
        abort(400)
    run = result_services.request_tally(budget, form.rule.data or None)
    db.session.commit()
    tally_budget.delay(run.id)
    if run.preview:
        flash(_("Vista previa solicitada: no se publica."), "success")
    else:
        flash(_("Conteo solicitado. El resultado aparecerá en cuanto termine."), "success")
    return redirect(url_for("admin.budget", budget_id=budget_id), code=303)


@bp.get("/presupuestos/<int:budget_id>/comparar")
def compare(budget_id: int):
    """Two finished tallies of one budget side by side (e.g. greedy and equal shares)."""
    budget = _budget(budget_id)
    runs = [
        run
        for run_id in (parse_id(request.args.get("a")), parse_id(request.args.get("b")))
        if run_id and (run := db.session.get(TallyRun, run_id)) and run.budget_id == budget.id
    ]
    if len(runs) != 2:
        abort(404)
    return render_template("admin/compare.html", budget=budget, process=budget.process, runs=runs)


@bp.get("/presupuestos/<int:budget_id>/progreso.json")
def tally_progress(budget_id: int):
    """The latest runs of a budget as JSON, polled by the admin page's progress bars."""
    budget = _budget(budget_id)
    runs = db.session.scalars(
        select(TallyRun)
        .where(TallyRun.budget_id == budget.id)
        .order_by(TallyRun.id.desc())
        .limit(10)
    ).all()
    return jsonify(
        [{"id": r.id, "status": r.status, "progress": r.progress, "rule": r.rule} for r in runs]
    )


def _form_errors(form, endpoint: str, **values):
    messages = [f"{form[name].label.text}: {errors[0]}" for name, errors in form.errors.items()]
    return refuse(DomainError(messages[0], *messages[1:]), endpoint, **values)
