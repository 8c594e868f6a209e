"""Reviewing proposals: assignment, evaluation, held answers published together.

A proposal moves ``submitted → evaluating → accepted | rejected`` (or its author withdraws
it before an answer). An evaluator records feasibility, a cost and reasons; the answer is
*held* in the ``pending_*`` fields until an administrator publishes the held answers of a
process together (or it is published at once). Publishing notifies each author. When a
process has a ``support_threshold``, a proposal needs that many supports to reach review.

Every function checks the rules and flushes; the view commits once and, after the commit,
calls :func:`participa.notifications.services.dispatch` to send the notifications.

The evaluators' queue (read-only) is :mod:`participa.review.queries`.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, or_, select

from participa.accounts.models import Role, User
from participa.audit.services import log, snapshot
from participa.budgets import services as budget_services
from participa.budgets.models import Budget, Project
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.formatting import money, platform_language
from participa.notifications.links import path_for
from participa.notifications.services import notify
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState
from participa.staff import access
from participa.staff.models import ProcessRole

#: States in which a proposal waits for (or is under) review.
REVIEWABLE = (ProposalState.SUBMITTED, ProposalState.EVALUATING)
#: States of a published answer.
ANSWERED = (ProposalState.ACCEPTED, ProposalState.REJECTED)
#: The largest cost or threshold accepted (a trillion pesos fits in 64 bits).
MAX_AMOUNT = 10**12
MAX_THRESHOLD = 10**7

ANSWER_FIELDS = ("state", "answer", "cost_estimate", "answered_at")
PENDING_FIELDS = ("evaluator_id", "feasible", "pending_state", "pending_answer", "pending_cost")


# ───────────── Who may review ─────────────


def is_evaluator(user: User | None) -> bool:
    """Whether ``user`` reviews proposals somewhere: evaluators and administrators on every
    process, and the evaluators of one process (``participa.staff``) on theirs."""
    return access.acts_anywhere(user, Role.EVALUATOR)


def may_review(user: User | None, process_id: int) -> bool:
    """Whether ``user`` may review the proposals of the process ``process_id``."""
    return access.may_act(user, Role.EVALUATOR, process_id)


def evaluators(process_id: int | None = None) -> list[User]:
    """Everyone who may be assigned proposals: evaluators, the evaluators of the process
    ``process_id`` (None: of any process), then administrators, by name."""
    assigned = select(ProcessRole.user_id).where(ProcessRole.role == Role.EVALUATOR)
    if process_id is not None:
        assigned = assigned.where(ProcessRole.process_id == process_id)
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.role.in_((Role.EVALUATOR, Role.ADMIN)), User.id.in_(assigned)))
            .order_by(User.role == Role.ADMIN, User.name, User.id)
        )
    )


def can_see(proposal: Proposal, user: User) -> bool:
    """An evaluator of the proposal's process sees the proposals assigned to them and the
    unassigned ones; an administrator sees them all."""
    if not may_review(user, proposal.process_id):
        return False
    if user.is_admin:
        return True
    return proposal.hidden_at is None and proposal.evaluator_id in (None, user.id)


def _require_admin(user: User) -> None:
    if not (user is not None and user.is_authenticated and user.is_admin):
        raise NotAllowed(_("Solo la administración puede hacer esto."))


def _require_reviewer(proposal: Proposal, user: User) -> None:
    """``user`` is an administrator, or an evaluator of the proposal's process to whom
    ``proposal`` is assigned (or nobody yet)."""
    if not may_review(user, proposal.process_id):
        raise NotAllowed(
            _("Solo el equipo de evaluación de este proceso puede revisar sus propuestas.")
        )
    if user.is_admin:
        return
    if proposal.evaluator_id is not None and proposal.evaluator_id != user.id:
        raise NotAllowed(_("Esta propuesta está asignada a otra persona evaluadora."))


# ───────────── Thresholds ─────────────


def supports_missing(proposal: Proposal) -> int:
    """How many supports ``proposal`` still needs to reach review (0: none, or no threshold)."""
    threshold = proposal.process.support_threshold
    return max(threshold - proposal.supports_count, 0) if threshold else 0


def set_support_threshold(process: Process, threshold: int | None, admin: User) -> bool:
    """Set (or, with None, remove) the supports a proposal of ``process`` needs to reach
    review. Logged publicly. Returns False when nothing changed."""
    _require_admin(admin)
    if threshold is not None and not 1 <= threshold <= MAX_THRESHOLD:
        raise about(
            "support_threshold",
            Invalid(_("El umbral de apoyos debe ser un número entero mayor que cero.")),
        )
    if process.support_threshold == threshold:
        return False
    before = snapshot(process, ["support_threshold"])
    process.support_threshold = threshold
    log(
        "process.support_threshold",
        process,
        actor=admin,
        process_id=process.id,
        before=before,
        after=snapshot(process, ["support_threshold"]),
        public=True,
    )
    db.session.flush()
    return True


# ───────────── Transitions ─────────────


def assign(proposal: Proposal, evaluator: User | None, admin: User) -> None:
    """An administrator assigns ``proposal`` to ``evaluator`` (None: unassigns it).

    The evaluator must have the evaluator role (or be an administrator); only proposals
    waiting for review or under review can be assigned.
    """
    _require_admin(admin)
    if evaluator is not None and not may_review(evaluator, proposal.process_id):
        raise Invalid(
            _("%(name)s no tiene el rol de evaluación en este proceso.", name=evaluator.name),
            _(
                "Dale el rol en «Usuarios y roles», o en el equipo del proceso, antes de "
                "asignarle propuestas."
            ),
        )
    if proposal.state not in REVIEWABLE:
        raise NotAllowed(_("Solo se asignan propuestas que esperan respuesta."))
    before = snapshot(proposal, ["evaluator_id"])
    proposal.evaluator_id = evaluator.id if evaluator else None
    log(
        "proposal.assign",
        proposal,
        actor=admin,
        process_id=proposal.process_id,
        before=before,
        after=snapshot(proposal, ["evaluator_id"]),
    )
    db.session.flush()


def start_evaluation(proposal: Proposal, evaluator: User) -> None:
    """``submitted → evaluating``: ``evaluator`` takes the proposal (it becomes theirs if
    nobody had it). Refused below the process's support threshold, and for proposals
    withdrawn, answered or already under evaluation by someone. A proposal under evaluation
    that nobody has (an administrator unassigned it) is simply taken."""
    _require_reviewer(proposal, evaluator)
    if proposal.state == ProposalState.EVALUATING and proposal.evaluator_id is None:
        proposal.evaluator_id = evaluator.id
        log(
            "proposal.assign",
            proposal,
            actor=evaluator,
            process_id=proposal.process_id,
            before={"evaluator_id": None},
            after={"evaluator_id": evaluator.id},
        )
        db.session.flush()
        return
    _start(proposal, evaluator)


def record_evaluation(
    proposal: Proposal,
    evaluator: User,
    feasible: bool,
    cost: int | None,
    reason: str,
    publish_now: bool = False,
) -> Proposal:
    """Record the evaluation of a proposal under evaluation.

    Only its assigned evaluator or an administrator may. Feasible means ``accepted``, with a
    cost greater than zero; infeasible means ``rejected``, with a reason. The answer is
    held until :func:`publish_answers`, unless ``publish_now``. An administrator may also
    correct a published answer, as long as the proposal is not on a ballot.
    """
    _require_reviewer(proposal, evaluator)
    if proposal.state == ProposalState.WITHDRAWN:
        raise NotAllowed(_("La propuesta fue retirada por quien la hizo: no se evalúa."))
    if proposal.evaluator_id is None and not evaluator.is_admin:
        raise NotAllowed(_("Primero toma la propuesta: empieza su evaluación."))
    if proposal.state in ANSWERED and not evaluator.is_admin:
        raise NotAllowed(_("Esta propuesta ya tiene respuesta publicada."))
    _record(proposal, evaluator, feasible, cost, reason)
    if publish_now:
        _publish(proposal, evaluator)
        db.session.flush()
    return proposal


def held_answers(process: Process) -> list[Proposal]:
    """The proposals of ``process`` with an answer recorded but not yet published."""
    return list(db.session.scalars(_held_query(process).order_by(Proposal.id)))


def publish_answers(
    process: Process, admin: User, proposal_ids: Iterable[int] | None = None
) -> list[Proposal]:
    """Publish the held answers of ``process`` together (all, or those of ``proposal_ids``).

    Each proposal takes its held state, answer and cost; its author is notified and the
    change is logged. Publishing an answer that is not held (e.g. twice) is refused and
    nothing is published.
    """
    _require_admin(admin)
    stmt = _held_query(process).with_for_update().execution_options(populate_existing=True)
    if proposal_ids is not None:
        wanted = set(proposal_ids)
        if not wanted:
            raise Invalid(_("Elige al menos una respuesta para publicar."))
        held = list(db.session.scalars(stmt.where(Proposal.id.in_(wanted)).order_by(Proposal.id)))
        if len(held) != len(wanted):
            raise Conflict(
                _("Alguna de las respuestas elegidas ya no está retenida: nada se publicó."),
                _("Quizá alguien más ya la publicó. Recarga la página y vuelve a intentarlo."),
            )
    else:
        held = list(db.session.scalars(stmt.order_by(Proposal.id)))
        if not held:
            raise Conflict(_("No hay respuestas retenidas que publicar en este proceso."))
    for proposal in held:
        _publish(proposal, admin)
    db.session.flush()
    return held


def answer_now(
    proposal: Proposal, actor: User | None, *, state: str, cost: int | None, reason: str
) -> None:
    """Answer and publish at once (the administration's direct answer).

    A submitted proposal first enters evaluation (the support threshold applies). With
    ``actor`` None (the system: demo data, commands), the permission checks are skipped,
    never the rules.
    """
    if state not in ANSWERED:
        raise Invalid(_("Respuesta desconocida."))
    feasible = state == ProposalState.ACCEPTED
    _check_answer(feasible, cost, reason)
    if actor is None:
        if proposal.state == ProposalState.SUBMITTED:
            _start(proposal, None)
        _record(proposal, None, feasible, cost, reason)
        _publish(proposal, None)
        db.session.flush()
        return
    _require_reviewer(proposal, actor)
    if proposal.state == ProposalState.SUBMITTED:
        start_evaluation(proposal, actor)
    record_evaluation(proposal, actor, feasible, cost, reason, publish_now=True)


def proposals_to_projects(budget: Budget, proposal_ids: set[int], admin: User) -> list[Project]:
    """Put the chosen accepted proposals on ``budget``'s ballot, each project keeping the
    link to its proposal; the bulk action is logged publicly."""
    _require_admin(admin)
    projects = budget_services.projects_from_proposals(budget, proposal_ids, admin)
    log(
        "budget.projects_from_proposals",
        budget,
        actor=admin,
        process_id=budget.process_id,
        after={
            "projects": [
                {"project_id": p.id, "proposal_id": p.proposal_id, "title": p.title, "cost": p.cost}
                for p in projects
            ]
        },
        public=True,
    )
    db.session.flush()
    return projects


# ───────────── Internals: the rules, without the permission checks ─────────────


def _held_query(process: Process) -> Select:
    return select(Proposal).where(
        Proposal.process_id == process.id,
        Proposal.pending_state.is_not(None),
        Proposal.state != ProposalState.WITHDRAWN,
    )


def on_ballot(proposal: Proposal) -> bool:
    """Whether ``proposal`` is already a project of a ballot (its answer is then final)."""
    return (
        db.session.scalar(select(Project.id).where(Project.proposal_id == proposal.id)) is not None
    )


def _start(proposal: Proposal, actor: User | None) -> None:
    if proposal.state == ProposalState.WITHDRAWN:
        raise NotAllowed(_("La propuesta fue retirada por quien la hizo: no se evalúa."))
    if proposal.state in ANSWERED:
        raise NotAllowed(_("Esta propuesta ya tiene respuesta publicada."))
    if proposal.state == ProposalState.EVALUATING:
        raise Conflict(_("Esta propuesta ya está en evaluación."))
    missing = supports_missing(proposal)
    if missing:
        raise NotAllowed(
            _(
                "Esta propuesta tiene %(count)d de los %(threshold)d apoyos que necesita para "
                "pasar a revisión.",
                count=proposal.supports_count,
                threshold=proposal.process.support_threshold,
            )
            + " "
            + ngettext("Le falta %(num)d apoyo.", "Le faltan %(num)d apoyos.", missing)
        )
    before = snapshot(proposal, ["state", "evaluator_id"])
    proposal.state = ProposalState.EVALUATING
    if proposal.evaluator_id is None and actor is not None:
        proposal.evaluator_id = actor.id
    log(
        "proposal.evaluation_started",
        proposal,
        actor=actor,
        process_id=proposal.process_id,
        before=before,
        after=snapshot(proposal, ["state", "evaluator_id"]),
    )
    db.session.flush()


def _record(
    proposal: Proposal, actor: User | None, feasible: bool, cost: int | None, reason: str
) -> None:
    if proposal.state == ProposalState.WITHDRAWN:
        raise NotAllowed(_("La propuesta fue retirada por quien la hizo: no se evalúa."))
    if proposal.state == ProposalState.SUBMITTED:
        raise NotAllowed(_("La evaluación de esta propuesta aún no empieza."))
    if on_ballot(proposal):
        raise NotAllowed(_("La propuesta ya es un proyecto de la boleta; su respuesta no cambia."))
    reason = _check_answer(feasible, cost, reason)
    before = snapshot(proposal, PENDING_FIELDS)
    proposal.feasible = bool(feasible)
    proposal.pending_state = ProposalState.ACCEPTED if feasible else ProposalState.REJECTED
    proposal.pending_answer = reason or None
    proposal.pending_cost = cost
    if proposal.evaluator_id is None and actor is not None:
        proposal.evaluator_id = actor.id
    log(
        "proposal.evaluation_recorded",
        proposal,
        actor=actor,
        process_id=proposal.process_id,
        before=before,
        after=snapshot(proposal, PENDING_FIELDS),
    )
    db.session.flush()


def _check_answer(feasible: bool, cost: int | None, reason: str | None) -> str:
    """A feasible answer needs a cost above zero, an infeasible one a reason; the reason
    comes back stripped."""
    reason = (reason or "").strip()
    if cost is not None and not 0 < cost <= MAX_AMOUNT:
        raise about(
            "cost", Invalid(_("El costo estimado debe ser un número de pesos mayor que cero."))
        )
    if feasible and cost is None:
        raise about(
            "cost", Invalid(_("Una propuesta factible necesita un costo estimado mayor que cero."))
        )
    if not feasible and not reason:
        raise about(
            "reason", Invalid(_("Explica el motivo por el que la propuesta no es factible."))
        )
    return reason


def _publish(proposal: Proposal, actor: User | None) -> None:
    """Make the held answer of ``proposal`` its public answer and tell its author."""
    if proposal.pending_state is None:
        raise Conflict(
            _("La propuesta «%(title)s» no tiene respuesta retenida.", title=proposal.title)
        )
    if proposal.state == ProposalState.WITHDRAWN:
        raise NotAllowed(_("La propuesta fue retirada por quien la hizo: no se evalúa."))
    if on_ballot(proposal):
        raise NotAllowed(_("La propuesta ya es un proyecto de la boleta; su respuesta no cambia."))
    before = snapshot(proposal, ANSWER_FIELDS)
    proposal.state = proposal.pending_state
    proposal.answer = proposal.pending_answer
    if proposal.pending_cost is not None:
        proposal.cost_estimate = proposal.pending_cost
    proposal.answered_at = utcnow()
    proposal.pending_state = proposal.pending_answer = proposal.pending_cost = None
    log(
        "proposal.answer_published",
        proposal,
        actor=actor,
        process_id=proposal.process_id,
        before=before,
        after=snapshot(proposal, ANSWER_FIELDS),
    )
    with platform_language():
        subject, body = _answer_message(proposal)
    link = path_for("proposals.show", slug=proposal.process.slug, proposal_id=proposal.id)
    notify([proposal.author_id], "proposal_answered", subject, body, link=link)


def _answer_message(proposal: Proposal) -> tuple[str, str]:
    """The notification to the author of a just-answered proposal, in Spanish."""
    subject = _("Respuesta a tu propuesta «%(title)s»", title=proposal.title)
    if proposal.state == ProposalState.ACCEPTED:
        lines = [
            _(
                "Tu propuesta «%(title)s» fue aceptada: el municipio la considera factible, "
                "con un costo estimado de %(cost)s.",
                title=proposal.title,
                cost=money(proposal.cost_estimate),
            )
        ]
    else:
        lines = [_("Tu propuesta «%(title)s» no fue aceptada.", title=proposal.title)]
    if proposal.answer:
        lines.append(_("Respuesta del municipio: %(answer)s", answer=proposal.answer))
    if has_request_context():
        url = url_for(
            "proposals.show",
            slug=proposal.process.slug,
            proposal_id=proposal.id,
            _external=True,
        )
        lines.append(_("Consúltala en %(url)s", url=url))
    return subject[:200], "\n\n".join(lines)
