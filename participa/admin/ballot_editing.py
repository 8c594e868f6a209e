"""Correcting and removing budgets and the projects on their ballots (their voting rules
are edited at admin.edit_budget). Each removal asks first on a page of its own; what has
public history is refused with the reason, and archiving (or withdrawing) is offered."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from participa.admin.edit_forms import ConfirmChangeForm, ProjectEditForm, show_error
from participa.admin.views import bp
from participa.budgets import editing
from participa.budgets.models import Budget, Project
from participa.categories import queries as categories
from participa.errors import DomainError
from participa.extensions import db


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


@bp.route("/presupuestos/<int:budget_id>/eliminar", methods=["GET", "POST"])
def delete_budget(budget_id: int):
    """Delete a budget without public history (with its projects), after confirming."""
    budget = db.get_or_404(Budget, budget_id)
    process = budget.process
    form = ConfirmChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            editing.delete_budget(budget, current_user)
        except DomainError as error:
            db.session.rollback()
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Presupuesto eliminado."), "info")
            return redirect(url_for("admin.process_budgets", process_id=process.id), code=303)
    archive = url_for("admin.archive_budget", budget_id=budget.id)
    return render_template(
        "admin/confirm.html",
        process=process,
        title=_("¿Eliminar el presupuesto «%(title)s»?", title=budget.title),
        consequences=[
            _("El presupuesto y los proyectos de su boleta se borran."),
            _("El cambio queda en el registro público del proceso."),
        ],
        refusal=_budget_refusal(budget),
        alternatives=[] if budget.archived_at else [(archive, _("Archivar el presupuesto"))],
        action=url_for("admin.delete_budget", budget_id=budget.id),
        button=_("Eliminar el presupuesto"),
        danger=True,
        back=url_for("admin.budget", budget_id=budget.id),
        form=form,
    ), status


@bp.route("/presupuestos/<int:budget_id>/archivar", methods=["GET", "POST"])
def archive_budget(budget_id: int):
    """Take a budget off the ballot and the public lists, after confirming."""
    budget = db.get_or_404(Budget, budget_id)
    form = ConfirmChangeForm()
    status = 200
    refusal = (
        _("El presupuesto «%(title)s» ya está archivado.", title=budget.title)
        if budget.archived_at
        else None
    )
    if form.validate_on_submit():
        try:
            editing.archive_budget(budget, current_user)
        except DomainError as error:
            db.session.rollback()
            status, refusal = error.status_code, error.message
        else:
            db.session.commit()
            flash(_("Presupuesto archivado."), "info")
            return redirect(url_for("admin.budget", budget_id=budget_id), code=303)
    return render_template(
        "admin/confirm.html",
        process=budget.process,
        title=_("¿Archivar el presupuesto «%(title)s»?", title=budget.title),
        consequences=[
            _("Sale de la boleta: nadie más puede votar en él."),
            _("Deja de aparecer en la página del proceso y en la API."),
            _("Sus boletas, resultados y datos abiertos se conservan."),
            _("El cambio queda en el registro público del proceso."),
        ],
        refusal=refusal,
        action=url_for("admin.archive_budget", budget_id=budget.id),
        button=_("Archivar el presupuesto"),
        danger=True,
        back=url_for("admin.budget", budget_id=budget.id),
        form=form,
    ), status


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


@bp.route("/proyectos/<int:project_id>/<any(retirar, eliminar):what>", methods=["GET", "POST"])
def remove_project(project_id: int, what: str):
    """Withdraw a project from the ballot (it is kept for the record) or delete one typed
    by mistake, after confirming; both only before voting opens."""
    project = _project(project_id)
    budget = project.budget
    form = ConfirmChangeForm()
    status = 200
    refusal = _locked_reason(project, withdrawn_too=what == "retirar")
    if form.validate_on_submit():
        remove = editing.withdraw_project if what == "retirar" else editing.delete_project
        try:
            remove(project, current_user)
        except DomainError as error:
            db.session.rollback()
            status, refusal = error.status_code, error.message
        else:
            db.session.commit()
            flash(
                _("Proyecto retirado de la boleta.")
                if what == "retirar"
                else _("Proyecto eliminado."),
                "info",
            )
            return redirect(url_for("admin.budget", budget_id=budget.id), code=303)
    if what == "retirar":
        title = _("¿Retirar el proyecto «%(title)s» de la boleta?", title=project.title)
        consequences = [
            _("Sale de la boleta y de la página pública del presupuesto."),
            _("Se conserva, con sus comentarios, en el registro del proceso."),
        ]
        button, alternatives = _("Retirar el proyecto"), []
    elif what == "eliminar":
        title = _("¿Eliminar el proyecto «%(title)s»?", title=project.title)
        consequences = [
            _(
                "El proyecto se borra. Si nació de una propuesta, esta vuelve a estar "
                "disponible para la boleta."
            )
        ]
        button = _("Eliminar el proyecto")
        alternatives = (
            []
            if project.archived_at
            else [
                (
                    url_for("admin.remove_project", project_id=project.id, what="retirar"),
                    _("Retirar el proyecto de la boleta"),
                )
            ]
        )
    else:  # pragma: no cover - the route admits only the two
        abort(404)
    consequences.append(_("El cambio queda en el registro público del proceso."))
    return render_template(
        "admin/confirm.html",
        process=budget.process,
        title=title,
        consequences=consequences,
        refusal=refusal,
        alternatives=alternatives,
        action=url_for("admin.remove_project", project_id=project.id, what=what),
        button=button,
        danger=True,
        back=url_for("admin.budget", budget_id=budget.id),
        form=form,
    ), status
