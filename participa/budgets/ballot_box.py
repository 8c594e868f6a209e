"""The ballot box: what confirming a ballot needs of a budget and its process (rules,
project costs, whether voting is open now, who may vote) as plain values
(:class:`BallotBox`), read in one statement built once per dialect (a vote is the busiest
request of all) or taken from a loaded budget; and the checks of a selection against it
before anything is stored (:func:`validate_selection`, :func:`require_voting_open`), with
each broken rule in plain words (:func:`describe`). Storing the ballot is
:mod:`participa.budgets.ballots`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, func, select, true

from participa.budgets.models import Budget, Project, min_spend
from participa.budgets.validation import BallotRules, Violation, check_ballot
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.fast_statements import FastStatement
from participa.formatting import money
from participa.processes.models import Action, Phase, Process, VoteScope, phases_allow


def ballot_rules(budget: Budget | Row) -> BallotRules:
    """The pure ballot rules of ``budget``: the ORM object or a row of its columns."""
    return BallotRules(
        ballot_type=budget.ballot_type,
        amount=budget.amount,
        min_projects=budget.min_projects,
        max_projects=budget.max_projects,
        min_spend=min_spend(budget.amount, budget.min_spend_percent),
        min_points=budget.min_points,
        max_points=budget.max_points,
        max_total_points=budget.max_total_points,
    )


# The statements of a vote, built once. The ballot box runs as a FastStatement (the
# session's connection and transaction, SQLAlchemy's events and errors, without its result
# objects: participa.fast_statements says why); the project costs, read only on SQLite and
# when a loaded budget is checked, with ``connection.execute``.
_budgets, _processes, _phases = Budget.__table__, Process.__table__, Phase.__table__
_projects = Project.__table__
_PROJECT_COSTS = select(_projects.c.id, _projects.c.cost).where(
    _projects.c.budget_id == bindparam("budget_id"), _projects.c.archived_at.is_(None)
)
# Everything of a phase that Process.allows and Phase.allows read.
_PHASE_RULE_COLUMNS = (
    "starts_at",
    "ends_at",
    "allows_propose",
    "allows_support",
    "allows_comment",
    "allows_vote",
    "shows_vote_counts",
    "shows_results",
)
_BALLOT_BOX: dict[str, FastStatement] = {}  # by dialect name


def _ballot_box_statement(dialect: str) -> FastStatement:
    """The budget, its process and the process's phases (a row per phase, in order); on
    PostgreSQL also the budget's project ids and costs, as two parallel arrays aggregated
    once (the same on every row), instead of a statement of their own."""
    if dialect in _BALLOT_BOX:
        return _BALLOT_BOX[dialect]
    joined = _budgets.join(_processes, _processes.c.id == _budgets.c.process_id).outerjoin(
        _phases, _phases.c.process_id == _processes.c.id
    )
    columns: list[Any] = [
        _budgets.c.title,
        _budgets.c.currency,
        _budgets.c.district_id,
        _budgets.c.ballot_type,
        _budgets.c.amount,
        _budgets.c.min_projects,
        _budgets.c.max_projects,
        _budgets.c.min_spend_percent,
        _budgets.c.min_points,
        _budgets.c.max_points,
        _budgets.c.max_total_points,
        _processes.c.id.label("process_id"),
        _processes.c.title.label("process_title"),
        _processes.c.vote_scope,
        _processes.c.verification_to_vote,
        _processes.c.published_at,
        *(_phases.c[name] for name in _PHASE_RULE_COLUMNS),
    ]
    if dialect == "postgresql":
        # Tied to the parameter, not to the budget's column: computed once, not per phase.
        costs = (
            select(
                func.array_agg(_projects.c.id).label("project_ids"),
                func.array_agg(_projects.c.cost).label("project_costs"),
            )
            .where(
                _projects.c.budget_id == bindparam("budget_id"), _projects.c.archived_at.is_(None)
            )
            .subquery("costs")
        )
        joined = joined.join(costs, true())
        columns += [costs.c.project_ids, costs.c.project_costs]
    _BALLOT_BOX[dialect] = FastStatement(
        select(*columns)
        .select_from(joined)
        .where(
            _budgets.c.id == bindparam("budget_id"),
            _processes.c.slug == bindparam("slug"),
            _budgets.c.archived_at.is_(None),  # an archived budget is off the ballot
        )
        .order_by(_phases.c.position, _phases.c.id)
    )
    return _BALLOT_BOX[dialect]


def project_costs(budget_id: int) -> dict[int, int]:
    """Cost of each project of a budget's ballot, by project id."""
    return dict(db.session.connection().execute(_PROJECT_COSTS, {"budget_id": budget_id}).all())


@dataclass(frozen=True, slots=True)
class BallotBox:
    """What confirming a ballot needs of a budget and its process: rules, project costs,
    whether voting is open now, who may vote. Plain values, read by :func:`ballot_box` in
    one statement (a vote is the busiest request of all) or taken from a loaded budget
    (:meth:`of`)."""

    budget_id: int
    title: str
    currency: str
    district_id: int | None
    rules: BallotRules
    costs: dict[int, int]
    process_id: int
    process_title: str
    vote_scope: str
    verification_to_vote: bool
    voting_open: bool
    published: bool = True  # False: a draft (nobody votes; the public gets 404)

    @classmethod
    def of(cls, budget: Budget) -> BallotBox:
        process = budget.process
        return cls(
            budget_id=budget.id,
            title=budget.title,
            currency=budget.currency,
            district_id=budget.district_id,
            rules=ballot_rules(budget),
            costs=project_costs(budget.id),
            process_id=process.id,
            process_title=process.title,
            vote_scope=process.vote_scope,
            verification_to_vote=process.verification_to_vote,
            voting_open=process.allows(Action.VOTE),
            published=process.is_published,
        )

    @property
    def needs_scope_check(self) -> bool:
        """Whether the process's vote scope can refuse a voter of this budget."""
        return self.district_id is not None and self.vote_scope != VoteScope.ALL


def ballot_box(slug: str, budget_id: int) -> BallotBox | None:
    """The :class:`BallotBox` of budget ``budget_id`` of process ``slug``, or None: the
    budget, its process, its project costs and the process's phases in one statement (a
    row per phase; on SQLite the costs are a second statement)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    params = {"budget_id": budget_id, "slug": slug}
    rows = _ballot_box_statement(dialect).rows(connection, params)
    if not rows:
        return None
    first = rows[0]
    if dialect == "postgresql":  # parallel arrays, NULL without projects
        costs = dict(zip(first.project_ids or (), first.project_costs or (), strict=True))
    else:
        costs = project_costs(budget_id)
    phases = [row for row in rows if row.starts_at is not None]  # outer join: no phase
    return BallotBox(
        budget_id=budget_id,
        title=first.title,
        currency=first.currency,
        district_id=first.district_id,
        rules=ballot_rules(first),
        costs=costs,
        process_id=first.process_id,
        process_title=first.process_title,
        vote_scope=first.vote_scope,
        verification_to_vote=first.verification_to_vote,
        # nobody votes in a draft (as Process.allows)
        voting_open=first.published_at is not None and phases_allow(phases, Action.VOTE, utcnow()),
        published=first.published_at is not None,
    )


def describe(currency: str, violation: Violation) -> str:
    """A violation of a ballot rule in plain words (amounts in ``currency``)."""
    p = violation.params
    messages = {
        "duplicate": lambda: _("Un proyecto aparece más de una vez en la boleta."),
        "unknown_project": lambda: _(
            "La boleta incluye proyectos que no están en este presupuesto."
        ),
        "empty": lambda: _("Elige al menos un proyecto."),
        "too_few": lambda: _(
            "Elige al menos %(n)d proyectos (llevas %(count)d).", n=p["min"], count=p["count"]
        ),
        "too_many": lambda: _(
            "Puedes elegir como máximo %(n)d proyectos (llevas %(count)d).",
            n=p["max"],
            count=p["count"],
        ),
        "over_budget": lambda: _(
            "Tu selección suma %(total)s y el presupuesto es de %(amount)s.",
            total=money(p["total"], currency),
            amount=money(p["amount"], currency),
        ),
        "under_min_spend": lambda: _(
            "Tu selección suma %(total)s; debe sumar al menos %(min)s.",
            total=money(p["total"], currency),
            min=money(p["min_spend"], currency),
        ),
        "choose_one": lambda: _("Elige exactamente un proyecto."),
        "points_missing": lambda: _("Indica los puntos de cada proyecto que elegiste."),
        "unexpected_points": lambda: _("Esta boleta no lleva puntos."),
        "too_few_points": lambda: _(
            "Cada proyecto elegido lleva al menos %(n)d puntos.", n=p["min"]
        ),
        "too_many_points": lambda: _(
            "Un proyecto puede recibir como máximo %(n)d puntos.", n=p["max"]
        ),
        "over_total_points": lambda: _(
            "Repartiste %(total)d puntos; el máximo es %(n)d.", total=p["total"], n=p["max"]
        ),
    }
    return messages[violation.code]()


def validate_selection(
    budget: Budget | BallotBox, project_ids: list[int], points: list[int] | None = None
) -> list[int]:
    """Check a selection against every rule of ``budget``; return it or raise ``Invalid``.

    For an ordinal ballot ``project_ids`` is the ranking, best first; for a cumulative one
    ``points`` is the parallel list of points.
    """
    box = budget if isinstance(budget, BallotBox) else BallotBox.of(budget)
    violations = check_ballot(box.rules, box.costs, project_ids, points)
    if violations:
        messages = [describe(box.currency, v) for v in violations]
        raise Invalid(messages[0], *messages[1:])
    return project_ids


def require_voting_open(budget: Budget | BallotBox) -> None:
    """Refuse a vote unless a voting phase of the budget's process is open now."""
    if isinstance(budget, BallotBox):
        is_open = budget.voting_open
    else:
        is_open = budget.process.allows(Action.VOTE)
    if not is_open:
        raise NotAllowed(_("La votación no está abierta."))
