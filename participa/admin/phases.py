"""Administration of a process's phases: adding one, deleting one, opening one now
(confirmed on a page that says what opening does) or closing the current one now. Editing
a phase is :mod:`participa.admin.editing`; these routes share the admin blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user

from participa.admin.edit_forms import show_error
from participa.admin.forms import (
    ConfirmForm,
    OpenPhaseForm,
    PhaseForm,
)
from participa.admin.sections import render_section
from participa.admin.views import bp
from participa.confirmation import CONFIRMED
from participa.db import utcnow
from participa.errors import DomainError
from participa.extensions import db
from participa.processes import services as process_services
from participa.processes.models import Phase, Process


@bp.post("/procesos/<int:process_id>/fases")
def add_phase(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = PhaseForm()
    if not form.validate():
        return render_section(process, "fases", 400, phase_form=form)
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
        db.session.rollback()
        show_error(form, error)
        return render_section(process, "fases", error.status_code, phase_form=form)
    db.session.commit()
    flash(_("Fase agregada."), "success")
    return redirect(
        url_for("admin.process_phases", process_id=process_id, _anchor="fases"), code=303
    )


@bp.post("/fases/<int:phase_id>/eliminar")
def delete_phase(phase_id: int):
    phase = db.get_or_404(Phase, phase_id)
    process_id = phase.process_id
    if not ConfirmForm().validate():
        abort(400)
    try:
        process_services.delete_phase(phase, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return render_section(
            db.get_or_404(Process, process_id), "fases", error.status_code, notice=error.message
        )
    db.session.commit()
    flash(_("Fase eliminada."), "info")
    return redirect(
        url_for("admin.process_phases", process_id=process_id, _anchor="fases"), code=303
    )


def _opening_consequences(phase: Phase) -> list[str]:
    """What opening ``phase`` now does, said on its confirmation page."""
    now = utcnow()
    lines = [_("La fase empieza en este momento, antes de la fecha anunciada.")]
    current = next(
        (p for p in phase.process.phases if p is not phase and p.starts_at <= now < p.ends_at),
        None,
    )
    if current is not None:
        lines.append(_("La fase en curso «%(title)s» se cierra ahora.", title=current.title))
    if phase.allows_vote:
        lines.append(
            _(
                "La votación se abre: las personas pueden votar, y la boleta y sus reglas "
                "quedan fijas."
            )
        )
    if phase.allows_propose:
        lines.append(_("Se pueden enviar propuestas."))
    if phase.allows_support:
        lines.append(_("Se pueden apoyar propuestas."))
    if phase.shows_results:
        lines.append(_("Los resultados se publican, con sus datos abiertos."))
    lines.append(_("Avisamos a quienes siguen el proceso."))
    lines.append(_("El cambio queda en el registro público del proceso."))
    return lines


def _confirm_open(phase: Phase, form: OpenPhaseForm, status: int = 200):
    """The confirmation page of opening ``phase`` now (its button posts admin.move_phase)."""
    refusal = None
    if phase.status() != "future":
        refusal = _("La fase «%(title)s» ya empezó.", title=phase.title)
    return render_template(
        "admin/confirm_open_phase.html",
        process=phase.process,
        phase=phase,
        form=form,
        refusal=refusal,
        consequences=_opening_consequences(phase),
        needs_reason=phase.allows_vote and phase.process.voting_closed(),
        confirmed=CONFIRMED,
    ), status


@bp.get("/fases/<int:phase_id>/abrir")
def confirm_open_phase(phase_id: int):
    """What opening a future phase now does, and the button that does it."""
    phase = db.get_or_404(Phase, phase_id)
    return _confirm_open(phase, OpenPhaseForm(formdata=None))


@bp.post("/fases/<int:phase_id>/<any(abrir, cerrar):move>")
def move_phase(phase_id: int, move: str):
    """Open a future phase now (confirmed on its page first: a post not ``confirmado``
    only shows that page), or close the current one now (logged publicly; asked first by
    ``participa.admin.editing``'s ``confirm_endpoints``)."""
    phase = db.get_or_404(Phase, phase_id)
    form = OpenPhaseForm()
    if not form.validate():
        abort(400)
    if move == "abrir" and request.form.get(CONFIRMED) != "1":
        return _confirm_open(phase, form)
    try:
        if move == "abrir":
            process_services.open_phase_now(phase, current_user, form.reason.data or "")
        else:
            process_services.close_phase_now(phase, current_user)
    except DomainError as error:
        db.session.rollback()
        phase = db.get_or_404(Phase, phase_id)
        if move == "abrir":
            show_error(form, error)
            return _confirm_open(phase, form, error.status_code)
        return render_section(phase.process, "fases", error.status_code, notice=error.message)
    db.session.commit()
    flash(_("Fase «%(title)s» actualizada.", title=phase.title), "success")
    return redirect(
        url_for("admin.process_phases", process_id=phase.process_id, _anchor="fases"), code=303
    )
