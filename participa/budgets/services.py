"""Budget administration: budgets and their voting rules, and the projects on their ballots
(typed in, or born from accepted proposals). Every change is checked against the rules
(:func:`voting_rules`), refused once voting has started, and logged publicly. Ballots are
in :mod:`participa.budgets.ballots`, receipts in :mod:`participa.budgets.receipts`, the
vote scope in :mod:`participa.budgets.scope`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from participa.accounts.models import User
from participa.audit.services import log, snapshot
from participa.budgets.models import RULE_NAMES, BallotType, Budget, Project
from participa.categories.services import require_offered
from participa.errors import Invalid, NotAllowed, about
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState
from participa.tallying import VoteType
from participa.tallying.rules import APPROVAL_ONLY

BUDGET_FIELDS = (
    "title",
    "amount",
    "currency",
    "district_id",
    "ballot_type",
    "min_projects",
    "max_projects",
    "min_spend_percent",
    "min_points",
    "max_points",
    "max_total_points",
    "rule",
    "min_score",
)


def voting_rules(
    *,
    amount: int,
    ballot_type: str = BallotType.KNAPSACK,
    min_projects: int = 0,
    max_projects: int | None = None,
    min_spend_percent: int = 0,
    min_points: int = 0,
    max_points: int | None = None,
    max_total_points: int | None = None,
    rule: str = "greedy",
    min_score: int | None = None,
) -> dict:
    """Check a budget's voting rules; the normalised values (fields that do not apply to
    the ballot type are cleared) or ``Invalid``."""
    if amount <= 0:
        raise about("amount", Invalid(_("El monto del presupuesto debe ser mayor que cero.")))
    if ballot_type not in {t.value for t in BallotType}:
        raise about("ballot_type", Invalid(_("Tipo de boleta desconocido.")))
    if rule not in RULE_NAMES:
        raise about("rule", Invalid(_("Regla de conteo desconocida.")))
    approval_like = BallotType(ballot_type).vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1)
    if rule in APPROVAL_ONLY and not approval_like:
        raise about(
            "rule", Invalid(_("El Método de Partes Iguales necesita una boleta de aprobación."))
        )
    if rule == "greedy-threshold" and min_score is None:
        raise about("min_score", Invalid(_("La regla con umbral necesita el mínimo de votos.")))
    if min_projects < 0 or (max_projects is not None and max_projects < max(min_projects, 1)):
        raise about(
            "max_projects",
            Invalid(_("El máximo de proyectos debe ser al menos el mínimo (y al menos 1).")),
        )
    if not 0 <= min_spend_percent <= 100:
        raise about("min_spend_percent", Invalid(_("El porcentaje mínimo a gastar va de 0 a 100.")))
    cumulative = ballot_type == BallotType.CUMULATIVE
    if cumulative and not (max_points or max_total_points):
        raise about("max_points", Invalid(_("Una boleta de puntos necesita un máximo de puntos.")))
    if cumulative and max_points is not None and max_points < max(min_points, 1):
        raise about(
            "max_points",
            Invalid(_("Los puntos máximos deben ser al menos los mínimos (y al menos 1).")),
        )
    return {
        "amount": amount,
        "ballot_type": ballot_type,
        "min_projects": min_projects,
        "max_projects": 1 if ballot_type == BallotType.CHOOSE_1 else max_projects,
        "min_spend_percent": min_spend_percent if ballot_type == BallotType.KNAPSACK else 0,
        "min_points": min_points if cumulative else 0,
        "max_points": max_points if cumulative else None,
        "max_total_points": max_total_points if cumulative else None,
        "rule": rule,
        "min_score": min_score if rule == "greedy-threshold" else None,
    }


def create_budget(
    process: Process,
    *,
    title: str,
    currency: str = "MXN",
    district_id: int | None = None,
    description: str = "",
    actor: User | None = None,
    **rules: Any,
) -> Budget:
    """Add a budget to ``process`` after checking its voting rules (:func:`voting_rules`);
    logged publicly."""
    budget = Budget(
        process_id=process.id,
        title=title.strip(),
        description=description.strip(),
        currency=currency.upper(),
        district_id=district_id,
        position=next_position(process.budgets),
        **voting_rules(**rules),
    )
    db.session.add(budget)
    db.session.flush()
    log(
        "budget.created",
        budget,
        actor=actor,
        process_id=process.id,
        public=True,
        after=snapshot(budget, BUDGET_FIELDS),
    )
    return budget


def require_ballot_open(process: Process, message: str | None = None) -> None:
    """The one rule of a ballot's making: a budget's voting rules and the projects on its
    ballot can change until a voting phase of its process has begun, never after."""
    if process.voting_started():
        raise NotAllowed(
            message or _("La votación ya empezó: la boleta y sus reglas quedaron fijas.")
        )


def update_budget(
    budget: Budget,
    actor: User,
    *,
    title: str,
    district_id: int | None,
    description: str | None = None,
    **rules: Any,
) -> Budget:
    """Change a budget before voting opens; once it has, its voting rules (ballot type,
    limits, amount, rule) are fixed (:func:`require_ballot_open`). Logged publicly with
    the values before and after."""
    require_ballot_open(
        budget.process, _("La votación ya empezó: las reglas de voto no se pueden cambiar.")
    )
    if budget.archived_at is not None:
        raise NotAllowed(_("El presupuesto está archivado: ya no se puede cambiar."))
    if not title.strip():
        raise about("title", Invalid(_("El presupuesto necesita un nombre.")))
    before = snapshot(budget, BUDGET_FIELDS)
    changes = {"title": title.strip(), "district_id": district_id, **voting_rules(**rules)}
    if description is not None:
        changes["description"] = description.strip()
    for name, value in changes.items():
        setattr(budget, name, value)
    log(
        "budget.updated",
        budget,
        actor=actor,
        process_id=budget.process_id,
        public=True,
        before=before,
        after=snapshot(budget, BUDGET_FIELDS),
    )
    db.session.flush()
    return budget


def projects_refusal(budget: Budget) -> str | None:
    """Why no project can be added to ``budget``'s ballot now (None: it can): voting has
    begun, or the budget is archived. The administration shows it instead of the form."""
    if budget.process.voting_started():
        return _("La votación ya empezó: la boleta no se puede cambiar.")
    if budget.archived_at is not None:
        return _("El presupuesto está archivado: ya no se puede cambiar.")
    return None


def next_position(items: Sequence[Budget | Project]) -> int:
    """After the last one: a budget or project deleted before leaves a gap in the positions,
    never a second item at the same place."""
    return max((item.position for item in items), default=0) + 1


def all_projects(budget: Budget) -> list[Project]:
    """Every project of ``budget``, the withdrawn ones too (``budget.projects`` is only the
    ballot): they keep their place, and one restored comes back to it."""
    return list(db.session.scalars(select(Project).where(Project.budget_id == budget.id)))


def renumber(items: Sequence[Budget | Project]) -> None:
    """Positions 1, 2, 3... in the current order (after a deletion: the ballot order and
    its tie-breaks stay those the administration sees)."""
    for position, item in enumerate(sorted(items, key=lambda i: (i.position, i.id)), start=1):
        item.position = position


def create_project(
    budget: Budget,
    *,
    title: str,
    cost: int,
    description: str = "",
    proposal: Proposal | None = None,
    actor: User | None = None,
    category: str | None = None,
) -> Project:
    """Put a costed project on ``budget``'s ballot, optionally born from ``proposal``
    (whose category it takes unless ``category`` is given: an offered category's key)."""
    refusal = projects_refusal(budget)
    if refusal:
        raise NotAllowed(refusal)
    if cost <= 0:
        raise about("cost", Invalid(_("El costo de un proyecto debe ser mayor que cero.")))
    if cost > budget.amount:
        raise about("cost", Invalid(_("El costo no puede superar el monto del presupuesto.")))
    if proposal is not None and proposal.process_id != budget.process_id:
        raise Invalid(_("La propuesta es de otro proceso."))
    if category:
        require_offered(category)
    elif proposal is not None:
        category = proposal.category  # kept even if archived since: it is the proposal's
    project = Project(
        budget_id=budget.id,
        title=title.strip(),
        description=description.strip(),
        cost=cost,
        proposal_id=proposal.id if proposal else None,
        position=next_position(all_projects(budget)),
        category=category or None,
    )
    db.session.add(project)
    budget.projects.append(project)
    db.session.flush()
    log(
        "project.created",
        project,
        actor=actor,
        process_id=budget.process_id,
        public=True,
        after=snapshot(project, ("title", "cost", "budget_id", "proposal_id", "category")),
    )
    return project


def accepted_without_project(process: Process) -> list[Proposal]:
    """Accepted proposals of ``process`` that are not yet on any ballot."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.process_id == process.id,
                Proposal.state == ProposalState.ACCEPTED,
                ~select(Project.id).where(Project.proposal_id == Proposal.id).exists(),
            )
            .order_by(Proposal.supports_count.desc(), Proposal.id)
        )
    )


def project_from_proposal(
    budget: Budget, proposal: Proposal, cost: int | None = None, actor: User | None = None
) -> Project:
    """Turn an accepted proposal into a project; the cost defaults to its estimate. Logged
    as ``actor``'s (None: the system, as the demo)."""
    if proposal.state != ProposalState.ACCEPTED:
        raise Invalid(_("Solo las propuestas aceptadas pueden ser proyectos."))
    cost = cost if cost is not None else proposal.cost_estimate
    if not cost:
        raise Invalid(_("La propuesta «%(title)s» no tiene costo.", title=proposal.title))
    return create_project(
        budget,
        title=proposal.title,
        cost=cost,
        description=proposal.body,
        proposal=proposal,
        actor=actor,
    )


def projects_from_proposals(
    budget: Budget, proposal_ids: set[int], actor: User | None = None
) -> list[Project]:
    """Put the chosen accepted proposals of the budget's process on its ballot, each
    project logged as ``actor``'s."""
    candidates = [p for p in accepted_without_project(budget.process) if p.id in proposal_ids]
    if not candidates:
        raise Invalid(_("No elegiste ninguna propuesta aceptada."))
    return [project_from_proposal(budget, proposal, actor=actor) for proposal in candidates]
