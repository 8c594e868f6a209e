"""Execution follow-up pages: the public list and item pages.

Views parse the form, call a service, commit once (notifications are sent after the commit) and
redirect. The administration pages are in ``admin_views``, registered on the same blueprint
(:data:`bp`); it uses the item queries here (:func:`_all_items`, :func:`_currency`).
"""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from participa.accountability import follows, milestones, rollup
from participa.accountability import statuses as execution_statuses
from participa.accountability.forms import PlainForm
from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.budgets.models import Budget, Project
from participa.conversation.views import post_comment
from participa.extensions import db
from participa.processes.models import District, Process
from participa.processes.queries import visible_to
from participa.processes.views import get_process_or_404
from participa.storage import storage
from participa.views_common import int_arg

bp = Blueprint("accountability", __name__)

MAX_QUERY = 100


def _currency(process: Process) -> str:
    currency = db.session.scalar(
        select(Budget.currency).where(Budget.process_id == process.id).order_by(Budget.id).limit(1)
    )
    return currency or "MXN"


def _all_items(process: Process) -> list[ExecutionItem]:
    return list(
        db.session.scalars(
            select(ExecutionItem)
            .where(ExecutionItem.process_id == process.id)
            .options(
                selectinload(ExecutionItem.status),
                selectinload(ExecutionItem.project)
                .selectinload(Project.budget)
                .selectinload(Budget.district),
            )
            .order_by(ExecutionItem.id)
        )
    )


# Public pages


@bp.get("/procesos/<slug>/seguimiento")
def index(slug: str):
    process = get_process_or_404(slug)
    statuses = execution_statuses.statuses(process)
    items = _all_items(process)
    roll = rollup.rollup(items)
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    filters = {
        "estado": (request.args.get("estado") or "").strip()[:40],
        "distrito": int_arg("distrito"),
        "q": query,
    }
    stmt = select(ExecutionItem.id).where(
        ExecutionItem.process_id == process.id, ExecutionItem.parent_id.is_(None)
    )
    if filters["estado"]:
        stmt = stmt.join(ExecutionStatus, ExecutionStatus.id == ExecutionItem.status_id).where(
            ExecutionStatus.key == filters["estado"]
        )
    if filters["distrito"]:
        stmt = (
            stmt.join(Project, Project.id == ExecutionItem.project_id)
            .join(Budget, Budget.id == Project.budget_id)
            .where(Budget.district_id == filters["distrito"])
        )
    if query:
        stmt = stmt.where(  # literally: % and _ are escaped
            or_(
                *(
                    column.icontains(query, autoescape=True)
                    for column in (
                        ExecutionItem.title,
                        ExecutionItem.description,
                        ExecutionItem.office,
                        ExecutionItem.code,
                    )
                )
            )
        )
    wanted = set(db.session.scalars(stmt))
    shown = [i for i in items if i.id in wanted]
    district_ids = {
        i.project.budget.district_id for i in items if i.project and i.project.budget.district_id
    }
    districts = (
        db.session.scalars(
            select(District).where(District.id.in_(district_ids)).order_by(District.name)
        ).all()
        if district_ids
        else []
    )
    totals = {
        "budgeted": sum(i.budgeted for i in shown),
        "spent": sum(roll.spent[i.id] for i in shown),
        "progress": rollup.overall_progress(shown, roll.progress),
    }
    return render_template(
        "accountability/index.html",
        process=process,
        items=shown,
        any_items=bool(items),
        roll=roll,
        statuses=statuses,
        districts=districts,
        filters=filters,
        totals=totals,
        currency=_currency(process),
    )


def _item_or_404(item_id: int) -> ExecutionItem:
    return db.first_or_404(
        select(ExecutionItem)
        .join(Process, Process.id == ExecutionItem.process_id)
        .where(ExecutionItem.id == item_id, visible_to(current_user))
        .options(
            selectinload(ExecutionItem.process).selectinload(Process.phases),
            selectinload(ExecutionItem.milestones),
            selectinload(ExecutionItem.children).selectinload(ExecutionItem.status),
        )
    )


@bp.get("/seguimiento/<int:item_id>")
def item(item_id: int):
    item = _item_or_404(item_id)
    process = item.process
    return render_template(
        "accountability/item.html",
        item=item,
        process=process,
        progress=rollup.effective_progress(item),
        spent=rollup.effective_spent(item),
        children_progress={c.id: rollup.effective_progress(c) for c in item.children},
        following=follows.is_following(item, current_user),
        followers=follows.followers_count(item),
        currency=_currency(process),
        plain=PlainForm(),
    )


@bp.get("/seguimiento/fotos/<name>")
def photo(name: str):
    if not milestones.PHOTO_NAME_RE.fullmatch(name):
        abort(404)
    kind = name.rsplit(".", 1)[-1]
    response = storage().response(
        milestones.photo_key(name), mimetype=milestones.PHOTO_TYPES[kind], max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/seguimiento/<int:item_id>/seguir")
@login_required
def follow(item_id: int):
    item = _item_or_404(item_id)
    if not PlainForm().validate():
        abort(400)
    if follows.follow(item, current_user):
        flash(_("Ahora sigues este proyecto: te avisaremos de sus avances."), "success")
    db.session.commit()
    return redirect(url_for("accountability.item", item_id=item.id), code=303)


@bp.post("/seguimiento/<int:item_id>/dejar-de-seguir")
@login_required
def unfollow(item_id: int):
    item = _item_or_404(item_id)
    if not PlainForm().validate():
        abort(400)
    if follows.unfollow(item, current_user):
        flash(_("Dejaste de seguir este proyecto."), "success")
    db.session.commit()
    return redirect(url_for("accountability.item", item_id=item.id), code=303)


@bp.post("/seguimiento/<int:item_id>/comentarios")
@login_required
def comment(item_id: int):
    item = _item_or_404(item_id)
    return post_comment(item, "accountability.item", item_id=item.id)


@bp.app_template_global()
def execution_photo_url(name: str | None) -> str | None:
    """The public address of a milestone photo."""
    return url_for("accountability.photo", name=name) if name else None
