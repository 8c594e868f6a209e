"""Correcting what an administrator created: a process, its phases, the districts and the
execution statuses (budgets and projects: :mod:`participa.admin.ballot_editing`).

Every form keeps what was typed and shows each refusal beside its field (422 for a form
mistake, the rule's own status for a refusal); every irreversible action (delete, close
early, shorten) asks first on a page of its own, whose button posts the change.
"""

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from sqlalchemy import select

from participa.accountability import statuses as execution_statuses
from participa.accountability.models import ExecutionStatus
from participa.admin.edit_forms import ProcessEditForm, show_error
from participa.admin.forms import DistrictForm, PhaseForm
from participa.admin.views import bp
from participa.confirmation import (
    Question,
    ask_page,
    carry_out,
    confirm_endpoints,
    confirm_first,
    confirmed,
)
from participa.errors import DomainError
from participa.extensions import db
from participa.processes import editing
from participa.processes.models import District, Phase, Process
from participa.views_common import district_choices


def _local(moment):
    """A naive UTC date as the naive local time a form shows."""
    return to_user_timezone(moment).replace(tzinfo=None)


def _utc(moment):
    return to_utc(moment).replace(tzinfo=None)


# --- processes ---------------------------------------------------------------------------


@bp.route("/procesos/<int:process_id>/editar", methods=["GET", "POST"])
def edit_process(process_id: int):
    """A process's title, description, municipality and district (its address stays)."""
    process = db.get_or_404(Process, process_id)
    form = ProcessEditForm(  # not obj=: WTForms would prefer its None to district_id's 0
        data={
            "title": process.title,
            "municipality": process.municipality,
            "district_id": process.district_id or 0,
            "description": process.description,
        }
    )
    form.district_id.choices = district_choices(_("Todo el municipio"))
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = editing.update_process(
                process,
                current_user,
                title=form.title.data,
                description=form.description.data or "",
                municipality=form.municipality.data,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Proceso actualizado.") if changed else _("No hubo cambios."), "success")
            return redirect(url_for("admin.process", process_id=process_id), code=303)
    return render_template("admin/edit_process.html", form=form, process=process), status


# --- phases ------------------------------------------------------------------------------


def _phase_form(phase: Phase) -> PhaseForm:
    """The form filled with ``phase`` (not obj=: WTForms would prefer its UTC dates to the
    local ones), or with what was sent."""
    data = {name: getattr(phase, name) for name in ("title", "description", *editing.PHASE_RULES)}
    return PhaseForm(
        data=data | {"starts_at": _local(phase.starts_at), "ends_at": _local(phase.ends_at)}
    )


@bp.route("/fases/<int:phase_id>/editar", methods=["GET", "POST"])
def edit_phase(phase_id: int):
    """A phase's name, dates and permissions, as far as time allows
    (:func:`participa.processes.editing.update_phase`); shortening a current phase is
    confirmed on a page of its own."""
    phase = db.get_or_404(Phase, phase_id)
    process = phase.process
    form = _phase_form(phase)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            action = editing.update_phase(
                phase,
                current_user,
                title=form.title.data,
                description=form.description.data or "",
                starts_at=_utc(form.starts_at.data),
                ends_at=_utc(form.ends_at.data),
                reason=form.reason.data or "",
                confirm=confirmed(),
                **{name: form[name].data for name in editing.PHASE_RULES},
            )
        except editing.ConfirmationRequired as error:
            db.session.rollback()
            phase = db.get_or_404(Phase, phase_id)
            ask = Question(
                _("¿Terminar antes la fase «%(title)s»?", title=phase.title),
                _("Sí, terminar la fase antes"),
                url_for("admin.edit_phase", phase_id=phase.id),
                details=error.message,
                crumbs=(
                    (url_for("admin.dashboard"), _("Administración")),
                    (url_for("admin.process", process_id=process.id), process.title),
                    (url_for("admin.edit_phase", phase_id=phase.id), phase.title),
                    (None, _("Confirmar")),
                ),
                template="admin/confirm_phase_change.html",
                context={"phase": phase, "new_end": form.ends_at._value()},
            )
            return ask_page(
                ask, url_for("admin.edit_phase", phase_id=phase.id), request.form.items(multi=True)
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_phase_message(action, phase), "success")
            return redirect(url_for("admin.process_phases", process_id=process.id), code=303)
    return render_template(
        "admin/edit_phase.html",
        form=form,
        phase=phase,
        process=process,
        status=phase.status(),
    ), status


def _phase_message(action: str | None, phase: Phase) -> str:
    if action is None:
        return _("No hubo cambios.")
    if action == "voting.extended":
        return _("Votación extendida. El cambio aparece en el registro público del proceso.")
    return _("Fase «%(title)s» actualizada.", title=phase.title)


def _process_crumbs(process: Process) -> tuple[tuple[str | None, str], ...]:
    return (
        (url_for("admin.dashboard"), _("Administración")),
        (url_for("admin.process", process_id=process.id), process.title),
        (None, _("Confirmar")),
    )


def _ask_delete_phase(phase_id: int) -> Question:
    phase = db.get_or_404(Phase, phase_id)
    return Question(
        _("¿Eliminar la fase «%(title)s»?", title=phase.title),
        _("Eliminar la fase"),
        url_for("admin.process_phases", process_id=phase.process_id),
        consequences=(
            _("La fase desaparece del calendario del proceso."),
            _("El cambio queda en el registro público del proceso."),
        ),
        refusal=_phase_refusal(phase),
        crumbs=_process_crumbs(phase.process),
    )


@bp.get("/fases/<int:phase_id>/eliminar")
def confirm_delete_phase(phase_id: int):
    """What deleting a phase does, and the button that does it (admin.delete_phase)."""
    return ask_page(_ask_delete_phase(phase_id), url_for("admin.delete_phase", phase_id=phase_id))


def _phase_refusal(phase: Phase) -> str | None:
    if phase.status() == "future" and phase.opened_at is None:
        return None
    return _(
        "La fase «%(title)s» ya empezó: es parte del registro público del proceso y no se "
        "puede eliminar. Puedes cerrarla o cambiar su fecha de fin.",
        title=phase.title,
    )


def _ask_close_phase(phase_id: int) -> Question:
    phase = db.get_or_404(Phase, phase_id)
    consequences = [
        _("La fase termina en este momento, antes de la fecha anunciada."),
        _("El cambio queda en el registro público del proceso."),
    ]
    if phase.allows_vote:
        consequences.insert(1, _("Nadie más podrá votar ni cambiar su boleta."))
    return Question(
        _("¿Cerrar ahora la fase «%(title)s»?", title=phase.title),
        _("Cerrar la fase ahora"),
        url_for("admin.process_phases", process_id=phase.process_id),
        consequences=tuple(consequences),
        refusal=None
        if phase.status() == "current"
        else _("La fase «%(title)s» no está en curso.", title=phase.title),
        crumbs=_process_crumbs(phase.process),
    )


def _ask_move_phase(phase_id: int, move: str) -> Question | None:
    """Closing a phase now asks first; opening one now does not (it asks for a reason on
    the process page when one is needed)."""
    return _ask_close_phase(phase_id) if move == "cerrar" else None


# The views of admin.views (deleting and closing a phase) ask first too.
confirm_endpoints(bp, {"delete_phase": _ask_delete_phase, "move_phase": _ask_move_phase})


@bp.get("/fases/<int:phase_id>/cerrar")
def confirm_close_phase(phase_id: int):
    """What closing the current phase now does, and the button (admin.move_phase)."""
    return ask_page(
        _ask_close_phase(phase_id),
        url_for("admin.move_phase", phase_id=phase_id, move="cerrar"),
    )


# --- districts ---------------------------------------------------------------------------


@bp.route("/distritos/<int:district_id>/editar", methods=["GET", "POST"])
def edit_district(district_id: int):
    """A district's name, level and place in the hierarchy (never inside itself)."""
    district = db.get_or_404(District, district_id)
    form = DistrictForm(
        data={"name": district.name, "parent_id": district.parent_id or 0, "level": district.level}
    )
    form.parent_id.choices = [
        choice
        for choice in district_choices(_("Ninguno (nivel superior)"))
        if choice.value != district.id
    ]
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = editing.update_district(
                district,
                current_user,
                name=form.name.data,
                parent_id=form.parent_id.data or None,
                level=form.level.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Distrito actualizado.") if changed else _("No hubo cambios."), "success")
            return redirect(url_for("admin.districts"), code=303)
    return render_template("admin/edit_district.html", form=form, district=district), status


def _ask_delete_district(district_id: int) -> Question:
    district = db.get_or_404(District, district_id)
    uses = editing.district_uses(district)
    refusal = (
        _(
            "El distrito «%(name)s» está en uso (%(uses)s): no se puede eliminar. Puedes "
            "cambiarle el nombre o moverlo en la jerarquía.",
            name=district.name,
            uses=", ".join(uses),
        )
        if uses
        else None
    )
    return Question(
        _("¿Eliminar el distrito «%(name)s»?", name=district.name),
        _("Eliminar el distrito"),
        url_for("admin.districts"),
        consequences=(_("El distrito desaparece de la lista y de la jerarquía."),),
        refusal=refusal,
        alternatives=(
            (url_for("admin.edit_district", district_id=district.id), _("Editar el distrito")),
        ),
        crumbs=(
            (url_for("admin.dashboard"), _("Administración")),
            (url_for("admin.districts"), _("Distritos")),
            (None, _("Confirmar")),
        ),
    )


@bp.route("/distritos/<int:district_id>/eliminar", methods=["GET", "POST"])
@confirm_first(_ask_delete_district)
def delete_district(district_id: int):
    """Delete an unused district, after confirming; a district in use is refused."""
    district = db.get_or_404(District, district_id)
    return carry_out(
        _ask_delete_district(district_id),
        url_for("admin.delete_district", district_id=district_id),
        partial(editing.delete_district, district, current_user),
        done=_("Distrito eliminado."),
        then=url_for("admin.districts"),
    )


# --- execution statuses ----------------------------------------------------------------


def _ask_delete_status(status_id: int) -> Question:
    execution_status = db.get_or_404(ExecutionStatus, status_id)
    process = db.session.scalar(select(Process).where(Process.id == execution_status.process_id))
    refusal = None
    if execution_statuses.status_uses(execution_status):
        refusal = _(
            "Hay obras en el estado «%(name)s»: no se puede eliminar. Cámbiales el estado "
            "primero, o cambia el nombre del estado.",
            name=execution_status.name,
        )
    return Question(
        _("¿Eliminar el estado «%(name)s»?", name=execution_status.name),
        _("Eliminar el estado"),
        url_for("accountability.admin_index", process_id=execution_status.process_id) + "#estados",
        consequences=(_("El estado deja de estar disponible para las obras del proceso."),),
        refusal=refusal,
        crumbs=_process_crumbs(process) if process else (),
    )


@bp.route("/seguimiento/estados/<int:status_id>/eliminar", methods=["GET", "POST"])
@confirm_first(_ask_delete_status)
def delete_status(status_id: int):
    """Delete an execution status no item is in, after confirming."""
    ask = _ask_delete_status(status_id)
    execution_status = db.get_or_404(ExecutionStatus, status_id)
    return carry_out(
        ask,
        url_for("admin.delete_status", status_id=status_id),
        partial(execution_statuses.delete_status, execution_status, current_user),
        done=_("Estado eliminado."),
        then=ask.back,
    )
