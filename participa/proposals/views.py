from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from participa.accounts.access import require_confirmed
from participa.categories import queries as categories
from participa.confirmation import Question, confirm_first
from participa.errors import DomainError, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, District
from participa.processes.views import get_process_or_404
from participa.proposals import services
from participa.proposals.forms import ProposalForm
from participa.proposals.models import Proposal, ProposalState
from participa.views_common import district_choices, int_arg, keep_form, page_arg, refuse, safe_next

bp = Blueprint("proposals", __name__, url_prefix="/procesos/<slug>/propuestas")


def _get_proposal(slug: str, proposal_id: int) -> Proposal:
    process = get_process_or_404(slug)
    return db.first_or_404(
        select(Proposal).where(Proposal.id == proposal_id, Proposal.process_id == process.id)
    )


def _known_state(value: str) -> str:
    return value if value in {s.value for s in ProposalState} else ""


@bp.get("/")
def index(slug: str):
    process = get_process_or_404(slug)
    filters = services.ProposalFilters(
        q=request.args.get("q", "")[:100],
        district_id=int_arg("distrito"),
        category=request.args.get("categoria", ""),
        state=_known_state(request.args.get("estado", "")),
        sort=request.args.get("orden", "recientes"),
    )
    page = db.paginate(
        services.proposals_query(process, filters),
        page=page_arg(),
        per_page=current_app.config["PROPOSALS_PER_PAGE"],
        error_out=False,
    )
    supported = services.supported_ids(current_user, [p.id for p in page.items])
    districts = db.session.execute(  # (id, name) rows for the filter: no objects to build
        select(District.id, District.name).order_by(District.name)
    ).all()
    return render_template(
        "proposals/index.html",
        process=process,
        page=page,
        filters=filters,
        supported=supported,
        districts=districts,
        categories=categories.for_filter(process.id),
        states=ProposalState,
        sorts=services.SORTS,
        can_support=process.allows(Action.SUPPORT),
        can_propose=process.allows(Action.PROPOSE),
    )


@bp.route("/nueva", methods=["GET", "POST"])
@login_required
def new(slug: str):
    process = get_process_or_404(slug)
    form = ProposalForm()
    form.category.choices = categories.choices()
    form.district_id.choices = district_choices(_("Todo el municipio"))
    if not process.allows(Action.PROPOSE):
        message = _("Este proceso no recibe propuestas en esta fase.")
        if request.method == "POST":  # a refused submission is a 403, drawn as typed
            refusal = NotAllowed(message)
            status = keep_form(form, refusal)
            page = render_template(
                "proposals/new.html", process=process, form=form, refusal=refusal
            )
            return page, status
        flash(message, "error")
        return redirect(url_for("processes.show", slug=slug))
    if request.method == "GET":
        try:  # said before the form is filled in, not after
            require_confirmed(current_user, "propose")
        except NotAllowed as error:
            return refuse(error, "processes.show", slug=slug)
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                process,
                current_user,
                title=form.title.data,
                body=form.body.data,
                category=form.category.data,
                district_id=form.district_id.data or None,
                cost_estimate=form.cost_estimate.data,
            )
        except DomainError as error:  # drawn again with what was typed
            status = keep_form(form, error)
            page = render_template("proposals/new.html", process=process, form=form, refusal=error)
            return page, status
        db.session.commit()
        flash(_("Tu propuesta quedó registrada. ¡Gracias por participar!"), "success")
        return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal.id))
    return render_template("proposals/new.html", process=process, form=form), (
        422 if form.errors else 200
    )


def _show_page(proposal: Proposal, refusal: DomainError | None = None):
    """The proposal's page; ``refusal`` (a refused support or withdrawal) is said beside
    its buttons, with its status, and nothing is kept."""
    if refusal is not None:
        db.session.rollback()
    supported = current_user.is_authenticated and services.has_supported(proposal, current_user)
    page = render_template(
        "proposals/show.html",
        process=proposal.process,
        proposal=proposal,
        supported=supported,
        can_support=proposal.process.allows(Action.SUPPORT),
        refusal=refusal,
    )
    return (page, refusal.status_code) if refusal is not None else page


@bp.get("/<int:proposal_id>")
def show(slug: str, proposal_id: int):
    return _show_page(_get_proposal(slug, proposal_id))


@bp.post("/<int:proposal_id>/apoyar")
@login_required
def support(slug: str, proposal_id: int):
    proposal = _get_proposal(slug, proposal_id)
    try:
        added = services.support(proposal, current_user)
    except DomainError as error:
        return _show_page(_get_proposal(slug, proposal_id), error)
    db.session.commit()
    flash(_("Apoyaste esta propuesta.") if added else _("Ya apoyabas esta propuesta."), "success")
    fallback = url_for("proposals.show", slug=slug, proposal_id=proposal_id)
    return redirect(safe_next(request.form.get("next"), fallback), code=303)


@bp.post("/<int:proposal_id>/quitar-apoyo")
@login_required
def unsupport(slug: str, proposal_id: int):
    proposal = _get_proposal(slug, proposal_id)
    try:
        removed = services.unsupport(proposal, current_user)
    except DomainError as error:
        return _show_page(_get_proposal(slug, proposal_id), error)
    db.session.commit()
    flash(_("Retiraste tu apoyo.") if removed else _("No habías apoyado esta propuesta."), "info")
    return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal_id), code=303)


def _ask_withdraw(slug: str, proposal_id: int) -> Question:
    proposal = _get_proposal(slug, proposal_id)
    return Question(
        _("¿Retirar tu propuesta «%(title)s»?", title=proposal.title),
        _("Retirar mi propuesta"),
        url_for("proposals.show", slug=slug, proposal_id=proposal_id),
        _("No se puede deshacer: deja de recibir apoyos y no pasa a revisión."),
    )


@bp.post("/<int:proposal_id>/retirar")
@login_required
@confirm_first(_ask_withdraw)
def withdraw(slug: str, proposal_id: int):
    proposal = _get_proposal(slug, proposal_id)
    try:
        services.withdraw(proposal, current_user)
    except DomainError as error:
        return _show_page(_get_proposal(slug, proposal_id), error)
    db.session.commit()
    flash(_("Retiraste tu propuesta."), "info")
    return redirect(url_for("proposals.show", slug=slug, proposal_id=proposal_id), code=303)
