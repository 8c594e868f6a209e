"""The team of a process: who evaluates, moderates or keeps a booth there only.

An administrator assigns a person by e-mail (refusals beside the field: an unknown e-mail,
a blocked account, a role held already), and removes an assignment after confirming.
People with a global role act on every process and are listed apart. Registered on the
administration blueprint (``admin.views.bp``, whose guard admits only administrators); the
module is imported where the blueprints are registered.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participa.admin.forms import ConfirmForm
from participa.admin.views import bp
from participa.confirmation import Question, confirm_first
from participa.errors import DomainError
from participa.extensions import db
from participa.processes.models import Process
from participa.staff import queries, services
from participa.staff.forms import ROLE_NAMES, TeamForm
from participa.staff.models import ProcessRole


def _team_page(process: Process, form: TeamForm, status: int = 200):
    return render_template(
        "admin/team.html",
        process=process,
        form=form,
        team=queries.team(process.id),
        global_staff=queries.global_staff(),
        role_names=ROLE_NAMES,
        confirm=ConfirmForm(),
    ), status


@bp.route("/procesos/<int:process_id>/equipo", methods=["GET", "POST"])
def process_team(process_id: int):
    """The people assigned to the process, and the form to assign one more."""
    process = db.get_or_404(Process, process_id)
    form = TeamForm()
    if not form.validate_on_submit():
        return _team_page(process, form, 422 if form.errors else 200)
    try:
        assignment = services.assign(process, form.email.data, form.role.data, current_user)
    except DomainError as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None)
        if field is not None:
            field.errors = [*field.errors, error.message, *error.details]
        else:
            form.form_errors.append(error.message)
        return _team_page(process, form, error.status_code)
    name, role = assignment.user.name, ROLE_NAMES[assignment.role]
    db.session.commit()
    flash(
        _("%(name)s tiene ahora el rol «%(role)s» en este proceso.", name=name, role=role),
        "success",
    )
    return redirect(url_for("admin.process_team", process_id=process.id), code=303)


def _assignment(process_id: int, assignment_id: int) -> ProcessRole:
    assignment = db.get_or_404(ProcessRole, assignment_id)
    if assignment.process_id != process_id:
        abort(404)
    return assignment


def _ask_remove(process_id: int, assignment_id: int) -> Question:
    assignment = _assignment(process_id, assignment_id)
    return Question(
        _(
            "¿Quitar a %(name)s el rol «%(role)s» en este proceso?",
            name=assignment.user.name,
            role=ROLE_NAMES[assignment.role],
        ),
        _("Quitar el rol"),
        url_for("admin.process_team", process_id=process_id),
        _(
            "Deja de ver sus pantallas en este proceso en cuanto lo confirmes. "
            "Queda en la bitácora."
        ),
    )


@bp.post("/procesos/<int:process_id>/equipo/<int:assignment_id>/quitar")
@confirm_first(_ask_remove)
def remove_process_role(process_id: int, assignment_id: int):
    assignment = _assignment(process_id, assignment_id)
    if not ConfirmForm().validate():
        abort(400)
    name, role = assignment.user.name, ROLE_NAMES[assignment.role]
    services.remove(assignment, current_user)
    db.session.commit()
    flash(
        _("%(name)s ya no tiene el rol «%(role)s» en este proceso.", name=name, role=role),
        "success",
    )
    return redirect(url_for("admin.process_team", process_id=process_id), code=303)
