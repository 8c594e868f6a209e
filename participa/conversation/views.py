"""Comments, reports and the moderators' queue. Views parse, call a service, commit once."""

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participa.accountability.models import ExecutionItem
from participa.accounts.models import Role, User
from participa.budgets.models import Budget, Project
from participa.confirmation import Question, confirm_first
from participa.conversation import comments, moderation, reports
from participa.conversation.content import (
    get_content,
    is_moderator,
    moderates,
    moderates_everywhere,
    process_of,
    target_of,
)
from participa.conversation.forms import CommentForm, DecisionForm, ReportForm
from participa.conversation.models import Comment, ContentType
from participa.errors import DomainError
from participa.extensions import db
from participa.guards import require_process_role, staff_only
from participa.opendata.tasks import queue_redactions
from participa.processes.models import Process
from participa.processes.queries import visible_to
from participa.processes.views import get_process_or_404
from participa.proposals.models import Proposal
from participa.staff import access
from participa.unit_of_work import after_commit
from participa.views_common import parse_id, safe_next

bp = Blueprint("conversation", __name__)

# The content types as they appear in addresses (Spanish), and back.
KINDS = {
    "propuesta": ContentType.PROPOSAL,
    "proyecto": ContentType.PROJECT,
    "comentario": ContentType.COMMENT,
}
KIND_OF = {value: key for key, value in KINDS.items()}
KIND_CONVERTER = "any(" + ", ".join(KINDS) + ")"


# Keeping hidden proposals away from the public (their pages live in proposals.views)


@bp.before_app_request
def hide_moderated_proposals():
    """A hidden proposal's pages answer 404 to everyone but the moderators of its process
    and administrators."""
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    if not endpoint.startswith("proposals.") or "proposal_id" not in args:
        return
    found = db.session.execute(
        select(Proposal.hidden_at, Proposal.process_id).where(Proposal.id == args["proposal_id"])
    ).first()
    if found is None or found.hidden_at is None:
        return
    if request.method == "GET" and moderates(current_user, found.process_id):
        return
    abort(404)


@bp.app_template_global()
def comment_thread(target):
    """The comment thread of a proposal or a project, for ``conversation/_thread.html``."""
    return comments.thread(target, current_user)


@bp.app_template_global()
def has_reported(content) -> bool:
    """Whether the person viewing the page already reported ``content``."""
    return reports.has_reported(content, current_user)


@bp.app_template_global()
def content_url(content) -> str:
    """The public page of a proposal, project or comment (a comment: its page's anchor)."""
    if isinstance(content, Comment):
        target = target_of(content)
        page = content_url(target) if target is not None else url_for("processes.index")
        return f"{page}#comentario-{content.id}"
    if isinstance(content, Project):
        budget = content.budget
        return url_for(
            "conversation.project",
            slug=budget.process.slug,
            budget_id=budget.id,
            project_id=content.id,
        )
    if isinstance(content, ExecutionItem):
        return url_for("accountability.item", item_id=content.id)
    return url_for("proposals.show", slug=content.process.slug, proposal_id=content.id)


@bp.app_template_global()
def can_moderate(content: Any = None) -> bool:
    """Whether the person viewing the page moderates the process of ``content`` (a
    proposal, project, comment or follow-up item); without it, every process."""
    if content is None:
        return moderates_everywhere(current_user)
    try:
        return moderates(current_user, process_of(content).id)
    except DomainError:  # a comment whose page is gone
        return moderates_everywhere(current_user)


@bp.app_template_global()
def can_block() -> bool:
    """Whether the person viewing the page may block accounts (it reaches every process)."""
    return moderates_everywhere(current_user)


@bp.app_template_global()
def report_kind(content_type: ContentType) -> str:
    """The address word of a content type (``proposal`` -> ``propuesta``)."""
    return KIND_OF[content_type]


moderator_required = staff_only(is_moderator)
global_moderator_required = staff_only(moderates_everywhere)


def _get_project_or_404(slug: str, budget_id: int, project_id: int) -> Project:
    return db.first_or_404(
        select(Project)
        .join(Budget)
        .join(Process)
        .where(
            Project.id == project_id,
            Budget.id == budget_id,
            Process.slug == slug,
            visible_to(current_user),
        )
        .options(
            selectinload(Project.budget).selectinload(Budget.process).selectinload(Process.phases)
        )
    )


def _get_proposal_or_404(slug: str, proposal_id: int) -> Proposal:
    """The proposal; a hidden one only for moderators (the public gets 404, as on its page)."""
    process = get_process_or_404(slug)
    proposal = db.first_or_404(
        select(Proposal).where(Proposal.id == proposal_id, Proposal.process_id == process.id)
    )
    if proposal.is_hidden and not moderates(current_user, proposal.process_id):
        abort(404)
    return proposal


# Project page


@bp.get("/procesos/<slug>/presupuestos/<int:budget_id>/proyectos/<int:project_id>")
def project(slug: str, budget_id: int, project_id: int):
    project = _get_project_or_404(slug, budget_id, project_id)
    origin = project.proposal
    if origin is not None and origin.is_hidden and not moderates(current_user, origin.process_id):
        origin = None
    return render_template(
        "conversation/project.html",
        project=project,
        budget=project.budget,
        process=project.budget.process,
        origin=origin,
    )


# Comments


@bp.post("/procesos/<slug>/propuestas/<int:proposal_id>/comentarios")
@login_required
def comment_proposal(slug: str, proposal_id: int):
    proposal = _get_proposal_or_404(slug, proposal_id)
    return post_comment(proposal, "proposals.show", slug=slug, proposal_id=proposal_id)


@bp.post("/procesos/<slug>/presupuestos/<int:budget_id>/proyectos/<int:project_id>/comentarios")
@login_required
def comment_project(slug: str, budget_id: int, project_id: int):
    project = _get_project_or_404(slug, budget_id, project_id)
    return post_comment(
        project, "conversation.project", slug=slug, budget_id=budget_id, project_id=project_id
    )


@dataclass(frozen=True)
class CommentDraft:
    """A refused comment, drawn again in its form on the page: what was typed, the reply it
    was (None: a comment on the page) and why it was refused."""

    body: str
    parent_id: int | None
    errors: tuple[str, ...]


@bp.app_template_global()
def comment_draft() -> CommentDraft | None:
    """The refused comment of this request, if any (see :func:`post_comment`)."""
    return g.get("comment_draft")


def post_comment(target: Any, endpoint: str, **values: Any) -> Any:
    """Add the posted comment (or reply) on ``target`` and go back to its page,
    ``endpoint`` with ``values``. A refused one is drawn again on that page, in its form
    with what was typed and the reason beside it, answered with the refusal's status."""
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        parent_id = parse_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            abort(404)
    try:
        comment = comments.add_comment(target, current_user, form.body.data, parent=parent)
    except DomainError as error:
        db.session.rollback()
        g.comment_draft = CommentDraft(
            body=form.body.data or "",
            parent_id=parent.id if parent else None,
            errors=(error.message, *error.details),
        )
        page = current_app.view_functions[endpoint](**values)  # the page, drawn again
        return make_response(page), error.status_code
    db.session.commit()
    flash(_("Tu respuesta quedó publicada.") if parent else _("Tu comentario quedó publicado."))
    return redirect(url_for(endpoint, **values) + f"#comentario-{comment.id}", code=303)


# Reports


@bp.post(f"/contenido/<{KIND_CONVERTER}:kind>/<int:content_id>/reportar")
@login_required
def report(kind: str, content_id: int):
    content_type = KINDS[kind]
    content = get_content(content_type, content_id)
    hidden = getattr(content, "hidden_at", None) is not None
    if content is None or (hidden and not can_moderate(content)):
        abort(404)
    form = ReportForm()
    back = safe_next(form.next.data, content_url(content))
    try:
        added = reports.report(content_type, content_id, current_user, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        return render_template("refused.html", error=error, back=back), error.status_code
    db.session.commit()  # reports never redact open data: only a moderator's decision does
    if added:
        flash(_("Gracias: tu reporte llegó al equipo de moderación."), "success")
    else:
        flash(_("Ya habías reportado este contenido; el equipo de moderación lo revisará."))
    if isinstance(content, Proposal) and content.is_hidden:
        back = url_for("proposals.index", slug=content.process.slug)
    return redirect(back, code=303)


# Moderation


@bp.get("/moderacion")
@moderator_required
def queue():
    return _queue_page()


def _queue_page(refusal: DomainError | None = None):
    """The reported content of the processes this person moderates, with what waits in
    each, and the blocked accounts for those who moderate every process; ``refusal`` (a
    refused decision) is said at its top, with its status, and nothing is kept."""
    if refusal is not None:
        db.session.rollback()
    scope = access.scope(current_user, Role.MODERATOR)
    items = reports.moderator_queue(scope)
    page = render_template(
        "conversation/queue.html",
        items=items,
        waiting=reports.waiting_by_process(items),
        everywhere=scope.everywhere,
        blocked=moderation.blocked_accounts() if scope.everywhere else [],
        refusal=refusal,
    )
    return (page, refusal.status_code) if refusal is not None else page


def _back_to_queue() -> str:
    return safe_next(request.form.get("next"), url_for("conversation.queue"))


def _moderated_content(kind: str, content_id: int) -> Any:
    """The reported content, if the current person moderates its process (else 403)."""
    content = get_content(KINDS[kind], content_id)
    if content is None:
        abort(404)
    try:
        process_id = process_of(content).id
    except DomainError:
        abort(404)
    require_process_role(Role.MODERATOR, process_id)
    return content


def _ask_hide(kind: str, content_id: int) -> Question:
    content = _moderated_content(kind, content_id)
    if getattr(content, "hidden_at", None) is not None:
        return Question(
            _("¿Mantener oculto este contenido y cerrar sus reportes?"),
            _("Confirmar"),
            _back_to_queue(),
            _("La decisión queda en la bitácora. Puedes restaurarlo después."),
        )
    return Question(
        _("¿Ocultar este contenido al público?"),
        _("Ocultar"),
        _back_to_queue(),
        _(
            "Deja de verse en la página, la API y los datos abiertos; sus reportes se cierran "
            "y la decisión queda en la bitácora. Puedes restaurarlo después."
        ),
    )


def _ask_block(user_id: int) -> Question:
    account = db.get_or_404(User, user_id)
    return Question(
        _("¿Bloquear la cuenta de %(name)s?", name=account.name),
        _("Bloquear la cuenta"),
        _back_to_queue(),
        _("No podrá entrar ni actuar hasta que alguien del equipo la desbloquee."),
    )


@bp.post(f"/moderacion/<{KIND_CONVERTER}:kind>/<int:content_id>/ocultar")
@moderator_required
@confirm_first(_ask_hide)
def hide(kind: str, content_id: int):
    return _decide(moderation.hide, kind, content_id, _("Contenido oculto al público."))


@bp.post(f"/moderacion/<{KIND_CONVERTER}:kind>/<int:content_id>/restaurar")
@moderator_required
def restore(kind: str, content_id: int):
    return _decide(moderation.restore, kind, content_id, _("Contenido restaurado."))


@bp.post("/moderacion/cuentas/<int:user_id>/bloquear")
@global_moderator_required
@confirm_first(_ask_block)
def block(user_id: int):
    account = db.get_or_404(User, user_id)
    form = DecisionForm()
    try:
        moderation.block(account, current_user)
    except DomainError as error:
        return _queue_page(error)
    db.session.commit()
    flash(_("Cuenta bloqueada: ya no puede entrar ni actuar."), "success")
    return redirect(safe_next(form.next.data, url_for("conversation.queue")), code=303)


@bp.post("/moderacion/cuentas/<int:user_id>/desbloquear")
@global_moderator_required
def unblock(user_id: int):
    account = db.get_or_404(User, user_id)
    try:
        moderation.unblock(account, current_user)
    except DomainError as error:
        return _queue_page(error)
    db.session.commit()
    flash(_("Cuenta desbloqueada."), "success")
    return redirect(url_for("conversation.queue"), code=303)


def _decide(decision, kind: str, content_id: int, done: str):
    content = _moderated_content(kind, content_id)
    form = DecisionForm()
    after_commit(queue_redactions)  # the redactions the decision asks for, once it commits
    try:
        decision(content, current_user)
    except DomainError as error:
        return _queue_page(error)
    db.session.commit()
    flash(done, "success")
    return redirect(safe_next(form.next.data, url_for("conversation.queue")), code=303)
