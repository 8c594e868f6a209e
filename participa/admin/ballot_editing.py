"""Correcting, removing and restoring budgets and the projects on their ballots (their
voting rules are edited at admin.edit_budget). Each removal asks first
(:mod:`participa.confirmation`), on a page of its own that the budget's page links to; what
has public history is refused with the reason, and archiving (or withdrawing) is offered.
What was archived or withdrawn is listed per process (admin.archived) and can be restored
while the ballot can still change: until a voting phase of the process begins."""

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.fields import SelectChoice

from participa.admin.edit_forms import ProjectEditForm, show_error
from participa.admin.forms import ConfirmForm
from participa.admin.views import bp
from participa.budgets import editing
from participa.budgets.models import Budget, Project
from participa.categories import queries as categories
from participa.confirmation import Question, carry_out, confirm_first
from participa.errors import DomainError
from participa.extensions import db
from participa.processes.models import Process


def _crumbs(budget: Budget) -> tuple[tuple[str | None, str], ...]:
    return (
        (url_for("admin.dashboard"), _("Administración")),
        (url_for("admin.process", process_id=budget.process_id), budget.process.title),
        (url_for("admin.budget", budget_id=budget.id), budget.title),
        (None, _("Confirmar")),
    )


def _budget_refusal(budget: Budget) -> str | None:
    history = editing.budget_history(budget)
    if not history:
        return None
    return _(
        "El presupuesto «%(title)s» tiene historia pública (%(what)s): no se puede eliminar. "
        "Puedes archivarlo: sale de la boleta y de las listas públicas, y sus boletas, "
        "resultados y datos abiertos se conservan.",
        title=budget.title,
        what=", ".join(history),
    )


def _ask_delete_budget(budget_id: int) -> Question:
    budget = db.get_or_404(Budget, budget_id)
    archive = url_for("admin.archive_budget", budget_id=budget.id)
    return Question(
        _("¿Eliminar el presupuesto «%(title)s»?", title=budget.title),
        _("Eliminar el presupuesto"),
        url_for("admin.budget", budget_id=budget.id),
        consequences=(
            _("El presupuesto y los proyectos de su boleta se borran."),
            _("El cambio queda en el registro público del proceso."),
        ),
        refusal=_budget_refusal(budget),
        alternatives=() if budget.archived_at else ((archive, _("Archivar el presupuesto")),),
        crumbs=_crumbs(budget),
    )


@bp.route("/presupuestos/<int:budget_id>/eliminar", methods=["GET", "POST"])
@confirm_first(_ask_delete_budget)
def delete_budget(budget_id: int):
    """Delete a budget without public history (with its projects), after confirming."""
    budget = db.get_or_404(Budget, budget_id)
    return carry_out(
        _ask_delete_budget(budget_id),
        url_for("admin.delete_budget", budget_id=budget_id),
        partial(editing.delete_budget, budget, current_user),
        done=_("Presupuesto eliminado."),
        then=url_for("admin.process_budgets", process_id=budget.process_id),
    )


def _ask_archive_budget(budget_id: int) -> Question:
    budget = db.get_or_404(Budget, budget_id)
    return Question(
        _("¿Archivar el presupuesto «%(title)s»?", title=budget.title),
        _("Archivar el presupuesto"),
        url_for("admin.budget", budget_id=budget.id),
        consequences=(
            _("Sale de la boleta: nadie más puede votar en él."),
            _("Deja de aparecer en la página del proceso y en la API."),
            _("Sus boletas, resultados y datos abiertos se conservan."),
            _(
                "Se puede restaurar mientras la votación no haya empezado; después, queda "
                "archivado."
            ),
            _("El cambio queda en el registro público del proceso."),
        ),
        refusal=_("El presupuesto «%(title)s» ya está archivado.", title=budget.title)
        if budget.archived_at
        else None,
        irreversible=not budget.process.voting_started(),
        crumbs=_crumbs(budget),
    )


@bp.route("/presupuestos/<int:budget_id>/archivar", methods=["GET", "POST"])
@confirm_first(_ask_archive_budget)
def archive_budget(budget_id: int):
    """Take a budget off the ballot and the public lists, after confirming."""
    budget = db.get_or_404(Budget, budget_id)
    return carry_out(
        _ask_archive_budget(budget_id),
        url_for("admin.archive_budget", budget_id=budget_id),
        partial(editing.archive_budget, budget, current_user),
        done=_("Presupuesto archivado."),
        then=url_for("admin.budget", budget_id=budget_id),
    )


def _project(project_id: int) -> Project:
    return db.get_or_404(Project, project_id)


def _locked_reason(project: Project, withdrawn_too: bool = True) -> str | None:
    """Why ``project`` can no longer change (None if it can): voting began, or (unless
    ``withdrawn_too`` is False) it was withdrawn."""
    if withdrawn_too and project.archived_at is not None:
        return _("El proyecto «%(title)s» ya se retiró de la boleta.", title=project.title)
    if project.budget.process.voting_started():
        return _(
            "La votación ya empezó: la boleta quedó fija y el proyecto «%(title)s» no se "
            "puede cambiar ni retirar.",
            title=project.title,
        )
    return None


@bp.route("/proyectos/<int:project_id>/editar", methods=["GET", "POST"])
def edit_project(project_id: int):
    """A project's name, description, cost and budget, until voting opens."""
    project = _project(project_id)
    budget = project.budget
    form = ProjectEditForm(obj=project)
    form.budget_id.choices = [
        SelectChoice(
            b.id, f"{b.title} · {b.district.name if b.district else _('Todo el municipio')}"
        )
        for b in budget.process.budgets
        if b.archived_at is None
    ]
    offered = categories.choices()
    if project.category and project.category not in {c.value for c in offered}:
        kept = categories.by_slug(project.category)  # archived since: it may stay
        offered += categories.choices([kept] if kept else [])
    form.category.choices = [SelectChoice("", _("Sin categoría")), *offered]
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = editing.update_project(
                project,
                current_user,
                title=form.title.data,
                description=form.description.data or "",
                cost=form.cost.data,
                budget_id=form.budget_id.data,
                category=form.category.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Proyecto actualizado.") if changed else _("No hubo cambios."), "success")
            return redirect(url_for("admin.budget", budget_id=project.budget_id), code=303)
    return render_template(
        "admin/edit_project.html",
        form=form,
        project=project,
        budget=budget,
        process=budget.process,
        locked=_locked_reason(project),
    ), status


def _ask_remove_project(project_id: int, what: str) -> Question:
    project = _project(project_id)
    budget = project.budget
    alternatives: tuple[tuple[str, str], ...]
    if what == "retirar":
        title = _("¿Retirar el proyecto «%(title)s» de la boleta?", title=project.title)
        consequences = [
            _("Sale de la boleta y de la página pública del presupuesto."),
            _("Se conserva, con sus comentarios, en el registro del proceso."),
            _("Se puede restaurar mientras la votación no haya empezado."),
        ]
        button, alternatives = _("Retirar el proyecto"), ()
    else:
        title = _("¿Eliminar el proyecto «%(title)s»?", title=project.title)
        consequences = [
            _(
                "El proyecto se borra. Si nació de una propuesta, esta vuelve a estar "
                "disponible para la boleta."
            )
        ]
        button = _("Eliminar el proyecto")
        alternatives = (
            ()
            if project.archived_at
            else (
                (
                    url_for("admin.remove_project", project_id=project.id, what="retirar"),
                    _("Retirar el proyecto de la boleta"),
                ),
            )
        )
    consequences.append(_("El cambio queda en el registro público del proceso."))
    return Question(
        title,
        button,
        url_for("admin.budget", budget_id=budget.id),
        consequences=tuple(consequences),
        refusal=_locked_reason(project, withdrawn_too=what == "retirar"),
        alternatives=alternatives,
        irreversible=what == "eliminar",
        crumbs=_crumbs(budget),
    )


@bp.route("/proyectos/<int:project_id>/<any(retirar, eliminar):what>", methods=["GET", "POST"])
@confirm_first(_ask_remove_project)
def remove_project(project_id: int, what: str):
    """Withdraw a project from the ballot (it is kept for the record) or delete one typed
    by mistake, after confirming; both only before voting opens."""
    project = _project(project_id)
    withdraw = what == "retirar"
    return carry_out(
        _ask_remove_project(project_id, what),
        url_for("admin.remove_project", project_id=project_id, what=what),
        partial(
            editing.withdraw_project if withdraw else editing.delete_project, project, current_user
        ),
        done=_("Proyecto retirado de la boleta.") if withdraw else _("Proyecto eliminado."),
        then=url_for("admin.budget", budget_id=project.budget_id),
    )


# --- what was archived, and restoring it --------------------------------------------------


def _archived_page(
    process: Process, status: int = 200, refused: tuple[str, int, str] | None = None
):
    """The archived budgets and withdrawn projects of ``process``, each with its restore
    button; ``refused`` is (kind, id, reason) of a refused restore, said beside its item."""
    budgets = db.session.scalars(
        select(Budget)
        .where(Budget.process_id == process.id, Budget.archived_at.is_not(None))
        .order_by(Budget.archived_at.desc(), Budget.id)
    ).all()
    projects = db.session.scalars(
        select(Project)
        .join(Budget, Project.budget_id == Budget.id)
        .where(Budget.process_id == process.id, Project.archived_at.is_not(None))
        .options(joinedload(Project.budget))
        .order_by(Project.archived_at.desc(), Project.id)
    ).all()
    return render_template(
        "admin/archived.html",
        process=process,
        budgets=budgets,
        projects=projects,
        locked=process.voting_started(),
        refused=refused,
        form=ConfirmForm(),
    ), status


@bp.get("/procesos/<int:process_id>/archivados")
def archived(process_id: int):
    """What was archived or withdrawn in a process, to restore while the ballot can change."""
    return _archived_page(db.get_or_404(Process, process_id))


@bp.post("/presupuestos/<int:budget_id>/restaurar")
def restore_budget(budget_id: int):
    """Put an archived budget back (:func:`participa.budgets.editing.restore_budget`)."""
    budget = db.get_or_404(Budget, budget_id)
    process = budget.process
    try:
        editing.restore_budget(budget, current_user)
    except DomainError as error:
        db.session.rollback()
        return _archived_page(process, error.status_code, ("budget", budget_id, error.message))
    db.session.commit()
    flash(
        _("Presupuesto «%(title)s» restaurado: vuelve a la boleta.", title=budget.title), "success"
    )
    return redirect(url_for("admin.archived", process_id=process.id), code=303)


@bp.post("/proyectos/<int:project_id>/restaurar")
def restore_project(project_id: int):
    """Put a withdrawn project back on its ballot."""
    project = _project(project_id)
    process = project.budget.process
    try:
        editing.restore_project(project, current_user)
    except DomainError as error:
        db.session.rollback()
        return _archived_page(process, error.status_code, ("project", project_id, error.message))
    db.session.commit()
    flash(_("Proyecto «%(title)s» restaurado a la boleta.", title=project.title), "success")
    return redirect(url_for("admin.archived", process_id=process.id), code=303)
