"""Proposal review: the evaluators' queue and evaluation page, and the administration's
pages for assigning evaluators, publishing held answers, the support threshold and roles.

The administration pages live here, under ``/admin/...`` URLs, so that the review
capability stays in one package; each checks the administrator role itself.
"""

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from participa.accounts import access, tokens
from participa.accounts.models import TokenPurpose, User
from participa.admin.edit_forms import show_error
from participa.admin.forms import ConfirmForm
from participa.admin.sections import render_section
from participa.confirmation import Question, confirm_first
from participa.errors import DomainError, Invalid
from participa.extensions import db
from participa.guards import is_admin, staff_only
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState
from participa.review import queries, roles, services
from participa.review.forms import EvaluationForm, RoleForm, ThresholdForm
from participa.views_common import (
    MAX_PAGE,
    int_arg,
    keep_form,
    page_arg,
    parse_id,
    safe_next,
)

bp = Blueprint("review", __name__)

QUEUE_PER_PAGE = 50
USERS_PER_PAGE = 50


evaluator_required = staff_only(services.is_evaluator)
admin_required = staff_only(is_admin)


@bp.app_context_processor
def _review_helpers() -> dict:
    """``review_panel(process)`` for the proposals section of the admin process page."""
    return {"review_panel": _review_panel}


def _review_panel(process: Process) -> dict:
    people = services.evaluators(process.id)
    return {
        "evaluators": people,
        "names": {person.id: person.name for person in people},
        "held": services.held_answers(process),
        "threshold_form": ThresholdForm(
            formdata=None, data={"support_threshold": process.support_threshold}
        ),
        "role_labels": roles.ROLE_LABELS,
    }


# ───────────── Evaluators ─────────────


@bp.get("/evaluacion")
@evaluator_required
def queue():
    """Proposals waiting for an answer: assigned to me, and nobody's yet."""
    process_id = int_arg("proceso")
    state = request.args.get("estado", "")
    state = state if state in queries.QUEUE_STATES else ""
    scope = request.args.get("asignacion", "")
    scope = scope if scope in queries.QUEUE_SCOPES else ""
    page = db.paginate(
        queries.queue_query(current_user, process_id=process_id, state=state, scope=scope).options(
            joinedload(Proposal.process)
        ),
        page=page_arg(),
        per_page=QUEUE_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "review/queue.html",
        page=page,
        processes=queries.processes_in_review(current_user),
        waiting=queries.waiting_by_process(current_user),
        filters={"proceso": process_id, "estado": state, "asignacion": scope},
        counts=queries.queue_counts(current_user),
        names={person.id: person.name for person in services.evaluators()},
        missing={
            p.id: services.supports_missing(p)
            for p in page.items
            if p.state == ProposalState.SUBMITTED
        },
    )


def _proposal_for(user: User, proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not services.can_see(proposal, user):
        abort(403)
    return proposal


def _evaluation_form(proposal: Proposal) -> EvaluationForm:
    """The form, filled with the held answer (or the published one, to correct it)."""
    if proposal.pending_state:
        state, cost, reason = proposal.pending_state, proposal.pending_cost, proposal.pending_answer
    elif proposal.state in services.ANSWERED:
        state, cost, reason = proposal.state, proposal.cost_estimate, proposal.answer
    else:
        return EvaluationForm()
    feasible = "si" if state == ProposalState.ACCEPTED else "no"
    return EvaluationForm(
        formdata=None,
        data={"feasible": feasible, "cost": cost, "reason": reason or ""},
    )


def _render_evaluation(proposal: Proposal, form: EvaluationForm, status: int = 200):
    on_ballot = services.on_ballot(proposal)
    missing = services.supports_missing(proposal)
    reviewable = proposal.state in services.REVIEWABLE
    can_record = not on_ballot and (
        (reviewable and not (proposal.state == ProposalState.SUBMITTED and missing))
        or (current_user.is_admin and proposal.state in services.ANSWERED)
    )
    can_start = (proposal.state == ProposalState.SUBMITTED and not missing) or (
        proposal.state == ProposalState.EVALUATING and proposal.evaluator_id is None
    )
    return render_template(
        "review/evaluate.html",
        proposal=proposal,
        process=proposal.process,
        form=form,
        missing=missing,
        on_ballot=on_ballot,
        can_record=can_record,
        can_start=can_start,
        evaluator=db.session.get(User, proposal.evaluator_id) if proposal.evaluator_id else None,
    ), status


@bp.route("/evaluacion/propuestas/<int:proposal_id>", methods=["GET", "POST"])
@evaluator_required
def evaluate(proposal_id: int):
    """The evaluation of one proposal: feasible or not, cost, reasons, publish now or hold."""
    proposal = _proposal_for(current_user, proposal_id)
    if request.method == "GET":
        return _render_evaluation(proposal, _evaluation_form(proposal))
    form = EvaluationForm()
    if not form.validate():
        return _render_evaluation(proposal, form, 422)
    try:
        untaken = proposal.evaluator_id is None and not current_user.is_admin
        if proposal.state == ProposalState.SUBMITTED or untaken:
            services.start_evaluation(proposal, current_user)  # saving takes the proposal
        services.record_evaluation(
            proposal,
            current_user,
            feasible=form.feasible.data == "si",
            cost=form.cost.data,
            reason=form.reason.data,
            publish_now=form.publish_now.data,
        )
    except DomainError as error:  # beside its field (or above the form), as typed
        status = keep_form(form, error)
        return _render_evaluation(_proposal_for(current_user, proposal_id), form, status)
    db.session.commit()
    if form.publish_now.data:
        flash(_("Respuesta publicada: avisamos a quien hizo la propuesta."), "success")
    else:
        flash(
            _("Evaluación guardada. La respuesta queda retenida hasta que se publique."), "success"
        )
    return redirect(url_for("review.queue"), code=303)


@bp.post("/evaluacion/propuestas/<int:proposal_id>/empezar")
@evaluator_required
def start(proposal_id: int):
    """Take a proposal and mark it as under evaluation."""
    proposal = _proposal_for(current_user, proposal_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        services.start_evaluation(proposal, current_user)
    except DomainError as error:  # the evaluation page again, the reason above its form
        form = _evaluation_form(proposal)
        status = keep_form(form, error)
        return _render_evaluation(_proposal_for(current_user, proposal_id), form, status)
    db.session.commit()
    flash(_("La propuesta está en evaluación."), "success")
    return redirect(url_for("review.evaluate", proposal_id=proposal_id), code=303)


# ───────────── Administration ─────────────


def _back_to_process(process_id: int, anchor: str):
    """To the review section of the process's administration, at ``anchor``."""
    return redirect(url_for("admin.process_review", process_id=process_id, _anchor=anchor), 303)


def _review_section(process: Process, status: int, **forms):
    """The review section drawn again with a refused form (or its refusal)."""
    db.session.rollback()
    return render_section(db.get_or_404(Process, process.id), "revision", status, **forms)


@bp.post("/admin/propuestas/<int:proposal_id>/evaluador")
@admin_required
def assign(proposal_id: int):
    """Assign a proposal to an evaluator (``0``: nobody)."""
    proposal = db.get_or_404(Proposal, proposal_id)
    if not ConfirmForm().validate():
        abort(400)
    evaluator_id = parse_id(request.form.get("evaluator_id"))
    if evaluator_id is None:
        abort(400)
    evaluator = db.get_or_404(User, evaluator_id) if evaluator_id else None
    try:
        services.assign(proposal, evaluator, current_user)
    except DomainError as error:
        message = " ".join([error.message, *error.details])
        return _review_section(
            proposal.process, error.status_code, assign_error=(proposal_id, message)
        )
    db.session.commit()
    if evaluator:
        flash(
            _("«%(title)s» asignada a %(name)s.", title=proposal.title, name=evaluator.name),
            "success",
        )
    else:
        flash(_("«%(title)s» quedó sin asignar.", title=proposal.title), "info")
    return _back_to_process(proposal.process_id, f"propuesta-{proposal.id}")


def _chosen_answers() -> set[int]:
    return {i for v in request.form.getlist("proposal") if (i := parse_id(v)) is not None}


def _ask_publish(process_id: int) -> Question | None:
    """Publishing answers tells their authors and cannot be taken back: asked first (an
    empty choice needs no question: it is refused)."""
    process = db.get_or_404(Process, process_id)
    chosen = _chosen_answers()
    if not chosen:
        return None
    return Question(
        ngettext(
            "¿Publicar %(num)d respuesta retenida?",
            "¿Publicar %(num)d respuestas retenidas?",
            len(chosen),
        ),
        _("Publicar respuestas"),
        url_for("admin.process_review", process_id=process.id, _anchor="respuestas-retenidas"),
        details=_(
            "Cada respuesta se vuelve pública en su propuesta y avisamos a quien la hizo. "
            "Una respuesta publicada se puede corregir, pero el aviso ya se envió."
        ),
        danger=False,
        crumbs=(
            (url_for("admin.dashboard"), _("Administración")),
            (url_for("admin.process", process_id=process.id), process.title),
            (None, _("Confirmar")),
        ),
    )


@bp.post("/admin/procesos/<int:process_id>/publicar-respuestas")
@admin_required
@confirm_first(_ask_publish)
def publish(process_id: int):
    """Publish the chosen held answers of a process together; each author is notified."""
    process = db.get_or_404(Process, process_id)
    if not ConfirmForm().validate():
        abort(400)
    chosen = _chosen_answers()
    try:
        if not chosen:
            raise Invalid(_("Elige al menos una respuesta para publicar."))
        published = services.publish_answers(process, current_user, chosen)
    except DomainError as error:
        message = " ".join([error.message, *error.details])
        return _review_section(
            process, error.status_code, publish_error=message, publish_chosen=chosen
        )
    db.session.commit()
    flash(
        _("%(n)d respuestas publicadas; avisamos a quienes las propusieron.", n=len(published)),
        "success",
    )
    return _back_to_process(process_id, "respuestas-retenidas")


@bp.post("/admin/procesos/<int:process_id>/umbral-de-apoyos")
@admin_required
def threshold(process_id: int):
    """Set or remove the supports a proposal needs to reach review."""
    process = db.get_or_404(Process, process_id)
    form = ThresholdForm()
    if not form.validate():
        return _review_section(process, 422, threshold_form=form)
    try:
        changed = services.set_support_threshold(process, form.support_threshold.data, current_user)
    except DomainError as error:
        show_error(form, error)
        return _review_section(process, error.status_code, threshold_form=form)
    db.session.commit()
    if not changed:
        flash(_("El umbral de apoyos no cambió."), "info")
    elif process.support_threshold:
        flash(
            _(
                "Ahora una propuesta necesita %(n)d apoyos para pasar a revisión.",
                n=process.support_threshold,
            ),
            "success",
        )
    else:
        flash(_("Las propuestas ya no necesitan un mínimo de apoyos."), "success")
    return _back_to_process(process_id, "umbral-de-apoyos")


@bp.get("/admin/usuarios")
@admin_required
def users():
    """Everyone with an account, searchable, with their role."""
    return _users_page(request.args, page_arg())


def _users_page(
    args: Mapping[str, str],
    number: int,
    status: int = 200,
    refused: tuple[int, str, str | None] | None = None,
):
    """Page ``number`` of the people the filters ``args`` find; ``refused`` is (person,
    what was refused, the role chosen): said beside that person's forms, nothing changed."""
    q = args.get("q", "")[:100]
    role = args.get("rol", "")
    page = db.paginate(
        roles.users_query(q, role), page=number, per_page=USERS_PER_PAGE, error_out=False
    )
    return render_template(
        "review/users.html",
        page=page,
        q=q,
        role=role if role in roles.ROLE_LABELS else "",
        role_labels=roles.ROLE_LABELS,
        form=RoleForm(formdata=None),
        refused=refused,
    ), status


def _refused_on_users_page(user_id: int, error: DomainError, chosen: str | None = None):
    """The list the form was sent from again (its ``next``), the refusal beside the person."""
    db.session.rollback()
    back = safe_next(request.form.get("next"), url_for("review.users"))
    query = parse_qs(urlsplit(back).query) if back.startswith("/admin/usuarios") else {}
    args = {key: values[0] for key, values in query.items()}
    number = min(parse_id(args.get("page")) or 1, MAX_PAGE)
    message = " ".join([error.message, *error.details])
    return _users_page(args, number, error.status_code, (user_id, message, chosen))


@bp.post("/admin/usuarios/<int:user_id>/rol")
@admin_required
def set_role(user_id: int):
    """Give a person a role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate():
        return _refused_on_users_page(user.id, Invalid(_("Rol desconocido.")))
    try:
        changed = roles.set_role(user, form.role.data, current_user)
    except DomainError as error:
        return _refused_on_users_page(user.id, error, form.role.data)
    db.session.commit()
    if changed:
        flash(
            _(
                "%(name)s ahora tiene el rol «%(role)s».",
                name=user.name,
                role=roles.ROLE_LABELS[form.role.data],
            ),
            "success",
        )
    else:
        flash(_("%(name)s ya tenía ese rol.", name=user.name), "info")
    back = safe_next(request.form.get("next"), url_for("review.users"))
    return redirect(back if back.startswith("/admin/usuarios") else url_for("review.users"), 303)


@bp.post("/admin/usuarios/<int:user_id>/enlace-de-acceso")
@admin_required
def send_reset_link(user_id: int):
    """Help a person back into their account: a link to create a new password is mailed to
    them (administrators never see nor set a password); logged."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        expired = Invalid(_("El formulario expiró; vuelve a intentarlo."))
        return _refused_on_users_page(user.id, expired)
    try:
        access.send_reset_link_by_staff(user, current_user)
    except DomainError as error:
        return _refused_on_users_page(user.id, error)
    db.session.commit()
    flash(
        _(
            "Enviamos a %(name)s un enlace para crear una contraseña nueva. Vale %(lifetime)s; "
            "nadie más lo ve.",
            name=user.name,
            lifetime=access.duration(tokens.lifetime(TokenPurpose.RESET_PASSWORD)),
        ),
        "success",
    )
    back = safe_next(request.form.get("next"), url_for("review.users"))
    return redirect(back if back.startswith("/admin/usuarios") else url_for("review.users"), 303)
