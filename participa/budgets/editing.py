"""Correcting budgets and the projects on their ballots, and removing them.

What has public history (ballots, tallies, comments, follow-up) is never deleted: a budget
is archived instead (off the ballot and the public lists; its ballots, results and open
data stay), a project is withdrawn from the ballot before voting opens. Every change is
logged publicly with the values before and after. Budget rules themselves are edited with
:func:`participa.budgets.services.update_budget`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from participa.accountability.models import ExecutionItem
from participa.accounts.models import User
from participa.audit.services import log, snapshot
from participa.budgets.models import AnnulledBallot, Ballot, BallotItem, Budget, Project
from participa.budgets.services import (
    BUDGET_FIELDS,
    all_projects,
    renumber,
    require_ballot_open,
)
from participa.categories.services import require_offered
from participa.conversation.models import Comment, ContentType
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.results.models import TallyRun

PROJECT_FIELDS = ("title", "description", "cost", "budget_id", "category")


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def budget_history(budget: Budget) -> list[str]:
    """The public history of ``budget`` in words ("3 boletas", ...): empty if none."""
    project_ids = select(Project.id).where(Project.budget_id == budget.id)
    counted = (
        (
            _count(select(func.count(Ballot.id)).where(Ballot.budget_id == budget.id)),
            lambda n: ngettext("%(num)d boleta", "%(num)d boletas", n),
        ),
        (
            _count(
                select(func.count(AnnulledBallot.id)).where(AnnulledBallot.budget_id == budget.id)
            ),
            lambda n: ngettext("%(num)d boleta anulada", "%(num)d boletas anuladas", n),
        ),
        (
            _count(select(func.count(TallyRun.id)).where(TallyRun.budget_id == budget.id)),
            lambda n: ngettext("%(num)d conteo", "%(num)d conteos", n),
        ),
        (
            _count(
                select(func.count(ExecutionItem.id)).where(
                    ExecutionItem.project_id.in_(project_ids)
                )
            ),
            lambda n: ngettext("%(num)d obra en seguimiento", "%(num)d obras en seguimiento", n),
        ),
        (
            _count(
                select(func.count(Comment.id)).where(
                    Comment.target_type == ContentType.PROJECT, Comment.target_id.in_(project_ids)
                )
            ),
            lambda n: ngettext("%(num)d comentario", "%(num)d comentarios", n),
        ),
    )
    return [words(n) for n, words in counted if n]


def delete_budget(budget: Budget, actor: User) -> None:
    """Delete a budget without public history, with its projects. A budget with ballots,
    tallies, comments or follow-up is refused, saying which: archive it instead."""
    history = budget_history(budget)
    if history:
        raise NotAllowed(
            _(
                "El presupuesto «%(title)s» tiene historia pública (%(what)s): no se puede "
                "eliminar. Puedes archivarlo: sale de la boleta y de las listas públicas, y "
                "sus boletas, resultados y datos abiertos se conservan.",
                title=budget.title,
                what=", ".join(history),
            )
        )
    process = budget.process
    log(
        "budget.deleted",
        budget,
        actor=actor,
        process_id=process.id,
        public=True,
        before=snapshot(budget, BUDGET_FIELDS),
    )
    for project in db.session.scalars(select(Project).where(Project.budget_id == budget.id)):
        db.session.delete(project)
    db.session.flush()
    db.session.delete(budget)
    db.session.flush()
    db.session.expire(process, ["budgets"])
    renumber(process.budgets)
    db.session.flush()


def archive_budget(budget: Budget, actor: User) -> None:
    """Take a budget off the ballot and the public lists; its ballots, results and open
    data stay. Logged publicly."""
    if budget.archived_at is not None:
        raise Conflict(_("El presupuesto «%(title)s» ya está archivado.", title=budget.title))
    budget.archived_at = utcnow()
    log(
        "budget.archived",
        budget,
        actor=actor,
        process_id=budget.process_id,
        public=True,
        before={"title": budget.title, "archived_at": None},
        after=snapshot(budget, ("title", "archived_at")),
    )
    db.session.flush()


def restore_budget(budget: Budget, actor: User) -> None:
    """Put an archived budget back on the ballot and the public lists. Only while its
    ballot can still change (no voting phase has begun, :func:`require_ballot_open`): once
    voting has begun the ballot is fixed, and a budget archived then stays archived.
    Logged publicly, before and after."""
    if budget.archived_at is None:
        raise Conflict(_("El presupuesto «%(title)s» no está archivado.", title=budget.title))
    require_ballot_open(
        budget.process,
        _(
            "La votación ya empezó: la boleta quedó fija y el presupuesto «%(title)s» no se "
            "puede restaurar.",
            title=budget.title,
        ),
    )
    before = snapshot(budget, ("title", "archived_at"))
    budget.archived_at = None
    log(
        "budget.restored",
        budget,
        actor=actor,
        process_id=budget.process_id,
        public=True,
        before=before,
        after={"title": budget.title, "archived_at": None},
    )
    db.session.flush()


def restore_project(project: Project, actor: User) -> None:
    """Put a withdrawn project back on its budget's ballot: only while the ballot can still
    change (no voting phase has begun) and its budget is not archived itself. Logged
    publicly, before and after."""
    if project.archived_at is None:
        raise Conflict(
            _(
                "El proyecto «%(title)s» está en la boleta: no hay nada que restaurar.",
                title=project.title,
            )
        )
    require_ballot_open(
        project.budget.process,
        _(
            "La votación ya empezó: la boleta quedó fija y el proyecto «%(title)s» no se "
            "puede restaurar.",
            title=project.title,
        ),
    )
    if project.budget.archived_at is not None:
        raise NotAllowed(
            _(
                "El presupuesto «%(budget)s» está archivado: restáuralo antes que su proyecto "
                "«%(title)s».",
                budget=project.budget.title,
                title=project.title,
            )
        )
    before = snapshot(project, ("title", "archived_at"))
    project.archived_at = None
    log(
        "project.restored",
        project,
        actor=actor,
        process_id=project.budget.process_id,
        public=True,
        before=before,
        after={"title": project.title, "archived_at": None},
    )
    db.session.flush()


def _require_on_ballot(project: Project) -> None:
    """A project can change only while its ballot can (:func:`require_ballot_open`) and
    while it is on it."""
    require_ballot_open(
        project.budget.process,
        _(
            "La votación ya empezó: la boleta quedó fija y el proyecto «%(title)s» no se "
            "puede cambiar ni retirar.",
            title=project.title,
        ),
    )
    if project.archived_at is not None:
        raise NotAllowed(
            _("El proyecto «%(title)s» ya se retiró de la boleta.", title=project.title)
        )


def _has_ballots(project: Project) -> bool:
    return bool(_count(select(func.count()).where(BallotItem.project_id == project.id)))


def update_project(
    project: Project,
    actor: User,
    *,
    title: str,
    description: str,
    cost: int,
    budget_id: int,
    category: str | None = None,
) -> bool:
    """Correct a project's name, description, cost or budget (another budget of the same
    process: a district's, say) until voting opens. Logged publicly with the values before
    and after; False when nothing changed."""
    _require_on_ballot(project)
    if not title.strip():
        raise about("title", Invalid(_("El proyecto necesita un nombre.")))
    target = db.session.get(Budget, budget_id)
    if target is None or target.process_id != project.budget.process_id or target.archived_at:
        raise about("budget_id", Invalid(_("Elige un presupuesto de este proceso.")))
    if cost <= 0:
        raise about("cost", Invalid(_("El costo de un proyecto debe ser mayor que cero.")))
    if cost > target.amount:
        raise about("cost", Invalid(_("El costo no puede superar el monto del presupuesto.")))
    if target.id != project.budget_id and _has_ballots(project):
        raise about(
            "budget_id",
            NotAllowed(_("El proyecto ya está en boletas: no puede cambiar de presupuesto.")),
        )
    category = category or None
    if category is not None and category != project.category:
        require_offered(category)  # a new one must be offered; the one it has may stay
    before = snapshot(project, PROJECT_FIELDS)
    project.title, project.description, project.cost = title.strip(), description.strip(), cost
    project.category = category
    if target.id != project.budget_id:
        project.position = len(target.projects) + 1
        project.budget = target
        db.session.flush()
    after = snapshot(project, PROJECT_FIELDS)
    if after == before:
        return False
    log(
        "project.updated",
        project,
        actor=actor,
        process_id=target.process_id,
        public=True,
        before=before,
        after=after,
    )
    db.session.flush()
    return True


def withdraw_project(project: Project, actor: User) -> None:
    """Take a project (a duplicate, say) off its budget's ballot before voting opens; it
    is kept, with its comments, for the record. Logged publicly."""
    _require_on_ballot(project)
    if _has_ballots(project):
        raise NotAllowed(_("El proyecto ya está en boletas: no se puede retirar."))
    project.archived_at = utcnow()
    log(
        "project.withdrawn",
        project,
        actor=actor,
        process_id=project.budget.process_id,
        public=True,
        before={"title": project.title, "archived_at": None},
        after=snapshot(project, ("title", "archived_at")),
    )
    db.session.flush()


def delete_project(project: Project, actor: User) -> None:
    """Delete a project typed by mistake: only before voting opens, and only if no ballot,
    comment or follow-up names it (withdraw it otherwise). Logged publicly."""
    require_ballot_open(
        project.budget.process,
        _("La votación ya empezó: la boleta quedó fija y el proyecto no se puede eliminar."),
    )
    comments = _count(
        select(func.count(Comment.id)).where(
            Comment.target_type == ContentType.PROJECT, Comment.target_id == project.id
        )
    )
    followed = _count(
        select(func.count(ExecutionItem.id)).where(ExecutionItem.project_id == project.id)
    )
    if _has_ballots(project) or comments or followed:
        raise NotAllowed(
            _(
                "El proyecto «%(title)s» tiene historia pública (boletas, comentarios o "
                "seguimiento): no se puede eliminar. Retíralo de la boleta en su lugar.",
                title=project.title,
            )
        )
    budget = project.budget
    log(
        "project.deleted",
        project,
        actor=actor,
        process_id=budget.process_id,
        public=True,
        before=snapshot(project, PROJECT_FIELDS),
    )
    db.session.delete(project)
    db.session.flush()
    db.session.expire(budget, ["projects"])
    renumber(all_projects(budget))
    db.session.flush()
