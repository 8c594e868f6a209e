"""Administration: processes, phases, budgets, projects, proposal answers and tallies."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from participa.admin import sections
from participa.admin.edit_forms import show_error
from participa.admin.forms import (
    AnswerForm,
    BudgetForm,
    CompareForm,
    ConfirmForm,
    DistrictForm,
    ProcessForm,
    ProjectForm,
    SettingsForm,
)
from participa.admin.sections import budget_form as _budget_form
from participa.admin.sections import render_section
from participa.budgets import services as budget_services
from participa.budgets.models import Ballot, Budget, Project
from participa.categories import queries as categories
from participa.errors import DomainError
from participa.extensions import db
from participa.guards import guard_blueprint, is_admin
from participa.processes import services as process_services
from participa.processes.models import District, Process
from participa.proposals import services as proposal_services
from participa.proposals.models import Proposal
from participa.results import services as result_services
from participa.results.models import TallyRun
from participa.results.queries import budgets_due_for_tally
from participa.results.tasks import enqueue_tally
from participa.unit_of_work import after_commit
from participa.views_common import district_choices, parse_id, query_int

bp = Blueprint("admin", __name__, url_prefix="/admin")


guard_blueprint(bp, is_admin)


@bp.app_context_processor
def _process_sections() -> dict:
    """The tab bar of a process's administration (templates/admin/_process_tabs.html),
    drawn by this blueprint's sections and by the follow-up pages."""
    return {"process_tabs": sections.tabs, "former_anchors": sections.FORMER_ANCHORS}


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


# --- the sections of a process (participa.admin.sections) ---------------------------------


@bp.get("/procesos/<int:process_id>")
def process(process_id: int):
    """Overview and settings: publication, where the process stands, who votes where."""
    return render_section(_process(process_id), "resumen")


@bp.get("/procesos/<int:process_id>/fases")
def process_phases(process_id: int):
    return render_section(_process(process_id), "fases")


@bp.get("/procesos/<int:process_id>/presupuestos")
def process_budgets(process_id: int):
    return render_section(_process(process_id), "presupuestos")


@bp.get("/procesos/<int:process_id>/propuestas")
def process_proposals(process_id: int):
    return render_section(_process(process_id), "propuestas")


@bp.get("/procesos/<int:process_id>/revision")
def process_review(process_id: int):
    return render_section(_process(process_id), "revision")


@bp.get("/procesos/<int:process_id>/resultados")
def process_results(process_id: int):
    return render_section(_process(process_id), "resultados")


def _voting_rules(form: BudgetForm) -> dict:
    """The voting rules typed into a budget form, as ``budgets.services.voting_rules`` takes
    them (empty optional numbers: their defaults; the fields of other ballot types were
    set aside by ``BudgetForm.validate``)."""
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


@bp.post("/procesos/<int:process_id>/ajustes")
def process_settings(process_id: int):
    """Vote scope and verification requirements of a process."""
    process = _process(process_id)
    form = SettingsForm()
    if not form.validate():
        return render_section(process, "resumen", 400, settings_form=form)
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
        db.session.rollback()
        show_error(form, error)
        return render_section(process, "resumen", error.status_code, settings_form=form)
    db.session.commit()
    flash(_("Ajustes guardados."), "success")
    return redirect(url_for("admin.process", process_id=process_id, _anchor="ajustes"), code=303)


@bp.route("/distritos", methods=["GET", "POST"])
def districts():
    """The municipality's territories, as a tree, and a form to add one."""
    form = DistrictForm()
    form.parent_id.choices = district_choices(_("Ninguno (nivel superior)"))
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            process_services.create_district(
                form.name.data, form.parent_id.data or None, form.level.data, current_user
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Distrito creado."), "success")
            return redirect(url_for("admin.districts"), code=303)
    all_districts = db.session.scalars(select(District).order_by(District.name)).all()
    return render_template("admin/districts.html", form=form, districts=all_districts), status


@bp.post("/procesos/<int:process_id>/presupuestos")
def add_budget(process_id: int):
    process = _process(process_id)
    form = _budget_form()
    if not form.validate():
        return render_section(process, "presupuestos", 400, budget_form=form)
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
        db.session.rollback()
        show_error(form, error)
        return render_section(process, "presupuestos", error.status_code, budget_form=form)
    db.session.commit()
    flash(_("Presupuesto «%(title)s» creado.", title=budget.title), "success")
    return redirect(
        url_for("admin.process_budgets", process_id=process_id, _anchor=f"presupuesto-{budget.id}"),
        code=303,
    )


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
    process_id = proposal.process_id
    form = AnswerForm()
    if not form.validate():
        return render_section(_process(process_id), "propuestas", 400, answered=(proposal_id, form))
    try:  # recorded and published at once (participa.review.services), author notified
        proposal_services.answer(
            proposal,
            state=form.state.data,
            cost=form.cost.data,
            reason=form.reason.data,
            actor=current_user,
        )
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return render_section(
            _process(process_id), "propuestas", error.status_code, answered=(proposal_id, form)
        )
    db.session.commit()
    flash(_("Respuesta publicada: «%(title)s».", title=proposal.title), "success")
    return redirect(
        url_for(
            "admin.process_proposals", process_id=process_id, _anchor=f"propuesta-{proposal_id}"
        ),
        code=303,
    )


@bp.get("/presupuestos/<int:budget_id>")
def budget(budget_id: int):
    return _budget_page(_budget(budget_id))


def _budget_page(budget: Budget, status: int = 200, **context):
    """A budget's page; ``context`` holds a refused form to draw again (``project_form``,
    ``compare_form``) or a refusal said above the form it is about."""
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
    context.setdefault("project_form", _project_form(formdata=None))
    context.setdefault("compare_form", CompareForm(formdata=None))
    return render_template(
        "admin/budget.html",
        budget=budget,
        process=budget.process,
        candidates=budget_services.accepted_without_project(budget.process),
        runs=runs,
        ballots=ballots,
        withdrawn=withdrawn,
        confirm=ConfirmForm(),
        adding_refused=budget_services.projects_refusal(budget),
        **context,
    ), status


def _project_form(**kwargs) -> ProjectForm:
    form = ProjectForm(**kwargs)
    form.category.choices = [SelectChoice("", _("Sin categoría")), *categories.choices()]
    return form


@bp.post("/presupuestos/<int:budget_id>/proyectos")
def add_project(budget_id: int):
    budget = _budget(budget_id)
    form = _project_form()
    if not form.validate():
        return _budget_page(budget, 400, project_form=form)
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
        db.session.rollback()
        show_error(form, error)
        return _budget_page(_budget(budget_id), error.status_code, project_form=form)
    db.session.commit()
    flash(_("Proyecto agregado a la boleta."), "success")
    return redirect(url_for("admin.budget", budget_id=budget_id, _anchor="proyectos"), code=303)


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
        db.session.rollback()
        return _budget_page(
            _budget(budget_id), error.status_code, candidates_error=error, chosen=chosen
        )
    db.session.commit()
    flash(_("%(n)d propuestas pasaron a la boleta.", n=len(added)), "success")
    return redirect(url_for("admin.budget", budget_id=budget_id, _anchor="proyectos"), code=303)


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
        db.session.rollback()
        show_error(form, error)
        return _budget_page(_budget(budget_id), error.status_code, compare_form=form)
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
    return redirect(url_for("admin.budget", budget_id=budget_id, _anchor="conteo"), code=303)


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
