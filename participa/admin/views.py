"""Administration: processes, phases, budgets, projects, proposal answers and tallies."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from participa.admin.edit_forms import show_error
from participa.admin.forms import (
    AnswerForm,
    BudgetForm,
    CompareForm,
    ConfirmForm,
    DistrictForm,
    OpenPhaseForm,
    PhaseForm,
    ProcessForm,
    ProjectForm,
    SettingsForm,
)
from participa.budgets import services as budget_services
from participa.budgets.models import Ballot, Budget, Project
from participa.categories import queries as categories
from participa.errors import DomainError
from participa.extensions import db
from participa.guards import guard_blueprint, is_admin
from participa.processes import services as process_services
from participa.processes.models import District, Phase, Process
from participa.proposals import services as proposal_services
from participa.proposals.models import Proposal, ProposalState
from participa.results import services as result_services
from participa.results.models import TallyRun
from participa.results.queries import budgets_due_for_tally
from participa.results.tasks import enqueue_tally
from participa.unit_of_work import after_commit
from participa.views_common import district_choices, parse_id, query_int, refuse

bp = Blueprint("admin", __name__, url_prefix="/admin")


guard_blueprint(bp, is_admin)


def _process(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


def _budget(budget_id: int) -> Budget:
    return db.get_or_404(Budget, budget_id)


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
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("admin/process_form.html", form=form), error.status_code
        db.session.commit()
        flash(
            _(
                "Proceso creado como borrador: solo el personal lo ve hasta que lo publiques. "
                "Ahora agrega sus fases."
            ),
            "success",
        )
        return redirect(url_for("admin.process", process_id=process.id), code=303)
    return render_template("admin/process_form.html", form=form), 422 if form.errors else 200


@bp.get("/procesos/<int:process_id>")
def process(process_id: int):
    process = db.first_or_404(  # budgets, their projects and districts: one query each
        select(Process)
        .where(Process.id == process_id)
        .options(
            selectinload(Process.budgets).options(
                selectinload(Budget.projects), joinedload(Budget.district)
            )
        )
    )
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.process_id == process.id)
        .options(joinedload(Proposal.district))
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
        settings_form=SettingsForm(obj=process),
        voting_closed=process.voting_closed(),
    )


def _voting_rules(form: BudgetForm) -> dict:
    """The voting rules typed into a budget form, as ``budgets.services.voting_rules`` takes
    them (empty optional numbers: their defaults)."""
    return {
        "amount": form.amount.data,
        "ballot_type": form.ballot_type.data,
        "min_projects": form.min_projects.data or 0,
        "max_projects": form.max_projects.data,
        "min_spend_percent": form.min_spend_percent.data or 0,
        "rule": form.rule.data,
        "min_score": form.min_score.data,
        "min_points": form.min_points.data or 0,
        "max_points": form.max_points.data,
        "max_total_points": form.max_total_points.data,
    }


def _budget_form(obj: Budget | None = None) -> BudgetForm:
    form = BudgetForm(obj=obj)
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
            allows_comment=form.allows_comment.data,
            allows_vote=form.allows_vote.data,
            shows_vote_counts=form.shows_vote_counts.data,
            shows_results=form.shows_results.data,
            actor=current_user,
            reason=form.reason.data or "",
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
    if not ConfirmForm().validate():
        abort(400)
    try:
        process_services.delete_phase(phase, actor=current_user)
    except DomainError as error:
        return refuse(error, "admin.process", process_id=process_id)
    db.session.commit()
    flash(_("Fase eliminada."), "info")
    return redirect(url_for("admin.process", process_id=process_id), code=303)


@bp.post("/fases/<int:phase_id>/<any(abrir, cerrar):move>")
def move_phase(phase_id: int, move: str):
    """Open a future phase now, or close the current one now (logged publicly)."""
    phase = db.get_or_404(Phase, phase_id)
    form = OpenPhaseForm()
    if not form.validate():
        abort(400)
    try:
        if move == "abrir":
            process_services.open_phase_now(phase, current_user, form.reason.data or "")
        else:
            process_services.close_phase_now(phase, current_user)
    except DomainError as error:
        return refuse(error, "admin.process", process_id=phase.process_id)
    db.session.commit()
    flash(_("Fase «%(title)s» actualizada.", title=phase.title), "success")
    return redirect(url_for("admin.process", process_id=phase.process_id), code=303)


@bp.post("/procesos/<int:process_id>/ajustes")
def process_settings(process_id: int):
    """Vote scope and verification requirements of a process."""
    process = _process(process_id)
    form = SettingsForm()
    if not form.validate():
        return _form_errors(form, "admin.process", process_id=process_id)
    try:
        process_services.update_settings(
            process,
            current_user,
            vote_scope=form.vote_scope.data,
            verification_to_vote=form.verification_to_vote.data,
            verification_to_propose=form.verification_to_propose.data,
            in_person_voting=form.in_person_voting.data,
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=process_id)
    db.session.commit()
    flash(_("Ajustes guardados."), "success")
    return redirect(url_for("admin.process", process_id=process_id), code=303)


@bp.route("/distritos", methods=["GET", "POST"])
def districts():
    """The municipality's territories, as a tree, and a form to add one."""
    form = DistrictForm()
    form.parent_id.choices = district_choices(_("Ninguno (nivel superior)"))
    if form.validate_on_submit():
        try:
            process_services.create_district(
                form.name.data, form.parent_id.data or None, form.level.data, current_user
            )
        except DomainError as error:
            return refuse(error, "admin.districts")
        db.session.commit()
        flash(_("Distrito creado."), "success")
        return redirect(url_for("admin.districts"), code=303)
    all_districts = db.session.scalars(select(District).order_by(District.name)).all()
    return render_template("admin/districts.html", form=form, districts=all_districts), (
        422 if form.errors else 200
    )


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
            **_voting_rules(form),
            currency=form.currency.data,
            district_id=form.district_id.data or None,
            actor=current_user,
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=process_id)
    db.session.commit()
    flash(_("Presupuesto creado."), "success")
    return redirect(url_for("admin.budget", budget_id=budget.id), code=303)


@bp.route("/presupuestos/<int:budget_id>/editar", methods=["GET", "POST"])
def edit_budget(budget_id: int):
    """Change a budget's rules; refused once voting has started. A refusal is shown beside
    its field, with what was typed."""
    budget = _budget(budget_id)
    form = _budget_form(obj=budget)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            budget_services.update_budget(
                budget,
                current_user,
                title=form.title.data,
                district_id=form.district_id.data or None,
                description=form.description.data or "",
                **_voting_rules(form),
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Presupuesto actualizado."), "success")
            return redirect(url_for("admin.budget", budget_id=budget_id), code=303)
    locked = budget.process.voting_started() or budget.archived_at is not None
    return render_template(
        "admin/budget_form.html", form=form, budget=budget, process=budget.process, locked=locked
    ), status


@bp.post("/propuestas/<int:proposal_id>/respuesta")
def answer_proposal(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    form = AnswerForm()
    if not form.validate():
        return _form_errors(form, "admin.process", process_id=proposal.process_id)

    try:  # recorded and published at once (participa.review.services), author notified
        proposal_services.answer(
            proposal,
            state=form.state.data,
            cost=form.cost.data,
            reason=form.reason.data,
            actor=current_user,
        )
    except DomainError as error:
        return refuse(error, "admin.process", process_id=proposal.process_id)
    db.session.commit()
    flash(_("Respuesta publicada: «%(title)s».", title=proposal.title), "success")
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
    withdrawn = db.session.scalars(  # off the ballot (Budget.projects), kept for the record
        select(Project)
        .where(Project.budget_id == budget.id, Project.archived_at.is_not(None))
        .order_by(Project.position, Project.id)
    ).all()
    return render_template(
        "admin/budget.html",
        budget=budget,
        process=budget.process,
        project_form=_project_form(),
        candidates=budget_services.accepted_without_project(budget.process),
        runs=runs,
        ballots=ballots,
        withdrawn=withdrawn,
        confirm=ConfirmForm(),
        compare_form=CompareForm(),
    )


def _project_form() -> ProjectForm:
    form = ProjectForm()
    form.category.choices = [SelectChoice("", _("Sin categoría")), *categories.choices()]
    return form


@bp.post("/presupuestos/<int:budget_id>/proyectos")
def add_project(budget_id: int):
    budget = _budget(budget_id)
    form = _project_form()
    if not form.validate():
        return _form_errors(form, "admin.budget", budget_id=budget_id)
    try:
        budget_services.create_project(
            budget,
            title=form.title.data,
            cost=form.cost.data,
            description=form.description.data,
            actor=current_user,
            category=form.category.data or None,
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
    chosen = {i for v in request.form.getlist("proposal") if (i := parse_id(v)) is not None}
    from participa.review.services import proposals_to_projects

    try:  # budget_services.projects_from_proposals, logged as one bulk action
        added = proposals_to_projects(budget, chosen, current_user)
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
    try:
        run = result_services.request_tally(budget, form.rule.data or None)
    except DomainError as error:
        return refuse(error, "admin.budget", budget_id=budget_id)
    run_id, queued = run.id, []
    after_commit(lambda: queued.append(enqueue_tally(run_id)))
    db.session.commit()
    if queued != [True]:  # the broker is down: logged, run marked failed
        if budget in budgets_due_for_tally():  # the scheduler will retry it
            flash(
                _(
                    "El servicio de tareas no responde. El conteo oficial se hará solo en "
                    "cuanto vuelva; no hace falta pedirlo otra vez."
                ),
                "info",
            )
        else:
            flash(
                _("El servicio de tareas no responde: vuelve a pedir el conteo más tarde."),
                "error",
            )
    elif run.preview:
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
        for run_id in (query_int("a"), query_int("b"))
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
