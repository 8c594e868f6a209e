"""Budgets, projects and ballots."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Executable,
    Row,
    bindparam,
    delete,
    false,
    func,
    or_,
    select,
    text,
    true,
)

from participa.accounts.models import User
from participa.audit.services import log, snapshot
from participa.budgets.models import (
    RULE_NAMES,
    Ballot,
    BallotItem,
    BallotType,
    Budget,
    Channel,
    Project,
    min_spend,
    new_public_id,
)
from participa.budgets.validation import BallotRules, Violation, check_ballot
from participa.census.ballots import claim_online_ballot
from participa.census.verification import require_verified
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.formatting import money
from participa.notifications.sealing import PLACEHOLDER as SECRET_PLACEHOLDER
from participa.notifications.sealing import seal
from participa.notifications.services import notify, track_notifications
from participa.processes.models import Action, District, Phase, Process, VoteScope, phases_allow
from participa.proposals.models import Proposal, ProposalState
from participa.sql import insert_ignoring_conflicts
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
        raise Invalid(_("El monto del presupuesto debe ser mayor que cero."))
    if ballot_type not in {t.value for t in BallotType}:
        raise Invalid(_("Tipo de boleta desconocido."))
    if rule not in RULE_NAMES:
        raise Invalid(_("Regla de conteo desconocida."))
    approval_like = BallotType(ballot_type).vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1)
    if rule in APPROVAL_ONLY and not approval_like:
        raise Invalid(_("El Método de Partes Iguales necesita una boleta de aprobación."))
    if rule == "greedy-threshold" and min_score is None:
        raise Invalid(_("La regla con umbral necesita el mínimo de votos."))
    if min_projects < 0 or (max_projects is not None and max_projects < max(min_projects, 1)):
        raise Invalid(_("El máximo de proyectos debe ser al menos el mínimo (y al menos 1)."))
    if not 0 <= min_spend_percent <= 100:
        raise Invalid(_("El porcentaje mínimo a gastar va de 0 a 100."))
    cumulative = ballot_type == BallotType.CUMULATIVE
    if cumulative and not (max_points or max_total_points):
        raise Invalid(_("Una boleta de puntos necesita un máximo de puntos."))
    if cumulative and max_points is not None and max_points < max(min_points, 1):
        raise Invalid(_("Los puntos máximos deben ser al menos los mínimos (y al menos 1)."))
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
        position=len(process.budgets) + 1,
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


def update_budget(
    budget: Budget, actor: User, *, title: str, district_id: int | None, **rules: Any
) -> Budget:
    """Change a budget before voting opens; once it has, its voting rules (ballot type,
    limits, amount, rule) are fixed. Logged publicly with the values before and after."""
    if budget.process.voting_started():
        raise NotAllowed(_("La votación ya empezó: las reglas de voto no se pueden cambiar."))
    before = snapshot(budget, BUDGET_FIELDS)
    for name, value in {
        "title": title.strip(),
        "district_id": district_id,
        **voting_rules(**rules),
    }.items():
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


def create_project(
    budget: Budget,
    *,
    title: str,
    cost: int,
    description: str = "",
    proposal: Proposal | None = None,
    actor: User | None = None,
) -> Project:
    """Put a costed project on ``budget``'s ballot, optionally born from ``proposal``."""
    if budget.process.voting_started():
        raise NotAllowed(_("La votación ya empezó: la boleta no se puede cambiar."))
    if cost <= 0:
        raise Invalid(_("El costo de un proyecto debe ser mayor que cero."))
    if cost > budget.amount:
        raise Invalid(_("El costo no puede superar el monto del presupuesto."))
    if proposal is not None and proposal.process_id != budget.process_id:
        raise Invalid(_("La propuesta es de otro proceso."))
    project = Project(
        budget_id=budget.id,
        title=title.strip(),
        description=description.strip(),
        cost=cost,
        proposal_id=proposal.id if proposal else None,
        position=len(budget.projects) + 1,
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
        after=snapshot(project, ("title", "cost", "budget_id", "proposal_id")),
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


def project_from_proposal(budget: Budget, proposal: Proposal, cost: int | None = None) -> Project:
    """Turn an accepted proposal into a project; the cost defaults to its estimate."""
    if proposal.state != ProposalState.ACCEPTED:
        raise Invalid(_("Solo las propuestas aceptadas pueden ser proyectos."))
    cost = cost if cost is not None else proposal.cost_estimate
    if not cost:
        raise Invalid(_("La propuesta «%(title)s» no tiene costo.", title=proposal.title))
    return create_project(
        budget, title=proposal.title, cost=cost, description=proposal.body, proposal=proposal
    )


def projects_from_proposals(budget: Budget, proposal_ids: set[int]) -> list[Project]:
    """Put the chosen accepted proposals of the budget's process on its ballot."""
    candidates = [p for p in accepted_without_project(budget.process) if p.id in proposal_ids]
    if not candidates:
        raise Invalid(_("No elegiste ninguna propuesta aceptada."))
    return [project_from_proposal(budget, proposal) for proposal in candidates]


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


# The statements of a vote, built once: SQLAlchemy keys them once and reuses their compiled
# form on every confirmation. They run on the session's connection with
# ``connection.execute`` (no ORM objects): SQLAlchemy's events see them, and its errors
# (``IntegrityError``, a lost connection invalidated) are those of every other statement.
_budgets, _processes, _phases = Budget.__table__, Process.__table__, Phase.__table__
_projects = Project.__table__
_PROJECT_COSTS = select(_projects.c.id, _projects.c.cost).where(
    _projects.c.budget_id == bindparam("budget_id")
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
_BALLOT_BOX: dict[str, Executable] = {}  # by dialect name


def _ballot_box_statement(dialect: str) -> Executable:
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
        *(_phases.c[name] for name in _PHASE_RULE_COLUMNS),
    ]
    if dialect == "postgresql":
        # Tied to the parameter, not to the budget's column: computed once, not per phase.
        costs = (
            select(
                func.array_agg(_projects.c.id).label("project_ids"),
                func.array_agg(_projects.c.cost).label("project_costs"),
            )
            .where(_projects.c.budget_id == bindparam("budget_id"))
            .subquery("costs")
        )
        joined = joined.join(costs, true())
        columns += [costs.c.project_ids, costs.c.project_costs]
    _BALLOT_BOX[dialect] = (
        select(*columns)
        .select_from(joined)
        .where(_budgets.c.id == bindparam("budget_id"), _processes.c.slug == bindparam("slug"))
        .order_by(_phases.c.position, _phases.c.id)
    )
    return _BALLOT_BOX[dialect]


_ITEM_COLUMNS = ("ballot_id", "budget_id", "project_id", "points", "rank")
_FIRST_BALLOT: dict[str, Executable] = {}  # by dialect name
# The ballot, its items and its receipt in one statement: RETURNING nothing when a unique
# pair stopped the ballot (then nothing at all is inserted).
_FIRST_BALLOT_POSTGRESQL = text(
    """
    WITH ballot AS (
        INSERT INTO ballots (budget_id, user_id, identity_id, receipt_hash, public_id,
                             channel, created_at, updated_at)
        VALUES (:budget_id, :user_id, :identity_id, :receipt_hash, :public_id,
                :channel, :created_at, :updated_at)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), items AS (
        INSERT INTO ballot_items (ballot_id, budget_id, project_id, points, rank)
        SELECT ballot.id, :budget_id, item.project_id, item.points, item.rank
        FROM ballot, unnest(CAST(:projects AS integer[]), CAST(:points AS integer[]),
                            CAST(:ranks AS integer[])) AS item (project_id, points, rank)
    ), receipt AS (
        INSERT INTO notifications (user_id, kind, subject, body, secret, created_at)
        SELECT :user_id, :kind, :subject, :body, :secret, :created_at FROM ballot
        RETURNING id
    )
    SELECT ballot.id AS ballot_id, receipt.id AS receipt_id FROM ballot, receipt
    """
)


def _insert_first_ballot() -> Executable:
    """``INSERT INTO ballots ... ON CONFLICT DO NOTHING RETURNING id`` (any unique pair)."""
    dialect = db.engine.dialect.name
    if dialect not in _FIRST_BALLOT:
        ballots = Ballot.__table__
        _FIRST_BALLOT[dialect] = insert_ignoring_conflicts(ballots).returning(ballots.c.id)
    return _FIRST_BALLOT[dialect]


@functools.lru_cache(maxsize=128)
def _insert_items(count: int) -> Executable:
    """``INSERT INTO ballot_items ... VALUES (...), (...)`` of ``count`` rows: one statement,
    where the driver's executemany pipelines one per row (py-spy showed that pipeline
    costing more CPU than everything else the ballot's storing does). Written as text:
    SQLAlchemy compiles a multi-row ``insert().values()`` again on every execution."""
    rows = ", ".join(
        "(" + ", ".join(f":{column}_{i}" for column in _ITEM_COLUMNS) + ")" for i in range(count)
    )
    columns = ", ".join(_ITEM_COLUMNS)
    return text(f"INSERT INTO {BallotItem.__tablename__} ({columns}) VALUES {rows}")


def _item_parameters(rows: list[dict]) -> dict:
    return {f"{column}_{i}": row[column] for i, row in enumerate(rows) for column in _ITEM_COLUMNS}


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
    rows = connection.execute(_ballot_box_statement(dialect), params).all()
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
        voting_open=phases_allow(phases, Action.VOTE, utcnow()),
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


def cast_ballot(
    budget: Budget, user: User, project_ids: list[int], points: list[int] | None = None
) -> Ballot:
    """:func:`confirm_ballot` on a loaded budget."""
    return confirm_ballot(BallotBox.of(budget), user, project_ids, points)


def confirm_ballot(
    box: BallotBox, user: User, project_ids: list[int], points: list[int] | None = None
) -> Ballot:
    """Store ``user``'s ballot on the budget of ``box``, replacing a previous one while
    voting is open, and queue its receipt (:func:`notify`). Refuses with ``NotAllowed``
    (voting closed, residency not verified, outside the vote scope), ``Invalid`` (a rule
    of the ballot broken) or ``Conflict`` (this person voted at a booth).

    Safe under parallel requests: ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
    (budget, voter) and (budget, census identity) pairs makes exactly one ballot row per
    person, and ``SELECT ... FOR UPDATE`` serialises the replacement of its items.

    A first ballot, the common case, is a few Core statements: its row (RETURNING its id),
    its items and its receipt; no ORM object is flushed.

    Confirming exactly the stored ballot again (a double click, a retried request) changes
    nothing: the ballot keeps its receipt code, no new receipt is sent, and the returned
    ballot's ``receipt_code`` is None.

    A first ballot is returned as stored but not attached to the session (read its items
    from the database); a replaced one is the session's row.
    """
    require_voting_open(box)
    require_verified(box.verification_to_vote, user, Action.VOTE)  # census: the process may ask
    if box.needs_scope_check:
        require_vote_scope(db.session.get_one(Budget, box.budget_id), user)
    validate_selection(box, project_ids, points)
    now = utcnow()
    code = new_receipt_code()
    values: dict[str, Any] = {
        "budget_id": box.budget_id,
        "user_id": user.id,
        "channel": Channel.ONLINE,
        "created_at": now,
        "updated_at": now,
        "receipt_hash": receipt_hash(code),
    }
    receipt = (  # subject, body, and the code: stored sealed, put in the body when sent
        _("Tu voto en «%(budget)s» quedó registrado", budget=box.title),
        _(
            "Gracias por votar en «%(process)s». Tu código de comprobante es %(code)s: con él "
            "puedes comprobar en «Comprobar mi boleta» que tu boleta está registrada y, al "
            "publicarse los resultados, que se contó. El código no muestra lo que elegiste. "
            "Si cambias tu voto recibirás un código nuevo.",
            process=box.process_title,
            code=SECRET_PLACEHOLDER,
        ),
        code,
    )
    first = {**values, "identity_id": user.identity_id, "public_id": new_public_id()}
    new_id = _store_first_ballot(box, first, project_ids, points, receipt)
    if new_id is not None:
        ballot = Ballot(id=new_id, **first)  # as stored; not attached to the session
        ballot.receipt_code = code
        return ballot
    # This account's ballot exists (replace it), or this person's identity holds a ballot
    # cast at a booth (claim_online_ballot refuses it on the row made here).
    db.session.execute(insert_ignoring_conflicts(Ballot, ["budget_id", "user_id"]).values(**values))
    ballot = db.session.scalars(
        select(Ballot)
        .where(Ballot.budget_id == box.budget_id, Ballot.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    claim_online_ballot(ballot, user)  # census: refuses after a booth ballot
    rows = ballot_item_rows(box, ballot.id, project_ids, points)
    if ballot.receipt_hash is not None and _same_items(ballot.id, rows):
        ballot.receipt_code = None  # unchanged: the code given when it was confirmed holds
        return ballot
    db.session.execute(delete(BallotItem).where(BallotItem.ballot_id == ballot.id))
    ballot.updated_at = now
    ballot.receipt_hash = values["receipt_hash"]
    db.session.flush()
    db.session.expire(ballot, ["items"])
    db.session.execute(_insert_items(len(rows)), _item_parameters(rows))
    ballot.receipt_code = code
    notify([user.id], "ballot_confirmed", *receipt)
    return ballot


def _store_first_ballot(
    box: BallotBox,
    values: dict,
    project_ids: list[int],
    points: list[int] | None,
    receipt: tuple[str, str, str],
) -> int | None:
    """Insert a first ballot with its items and its receipt; its id, or None when a unique
    pair stopped it: (budget, voter) or (budget, census identity) already holds a ballot
    (of this account, or of this person at a booth), and nothing was written.

    The row belongs to this transaction (a parallel confirmation of the same person waits
    on the unique indexes until it ends), so no lock is needed. PostgreSQL does it all in
    one statement; other databases in three.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ordinal = box.rules.ballot_type == BallotType.ORDINAL
        nothing: list[int | None] = [None] * len(project_ids)
        row = connection.execute(
            _FIRST_BALLOT_POSTGRESQL,
            {
                **values,
                "projects": project_ids,
                "points": points or nothing,
                "ranks": list(range(1, len(project_ids) + 1)) if ordinal else nothing,
                "kind": "ballot_confirmed",
                "subject": receipt[0],
                "body": receipt[1],
                "secret": seal(receipt[2]),
            },
        ).first()
        if row is None:
            return None
        track_notifications([row.receipt_id])
        return row.ballot_id
    new_id = connection.execute(_insert_first_ballot(), values).scalar()
    if new_id is not None:
        rows = ballot_item_rows(box, new_id, project_ids, points)
        connection.execute(_insert_items(len(rows)), _item_parameters(rows))
        notify([values["user_id"]], "ballot_confirmed", *receipt)
    return new_id


def _same_items(ballot_id: int, rows: list[dict]) -> bool:
    """Whether the stored items of ``ballot_id`` are exactly ``rows`` (projects, points,
    ranks)."""
    items = BallotItem.__table__.c
    stored = db.session.execute(
        select(items.project_id, items.points, items.rank).where(items.ballot_id == ballot_id)
    ).all()
    wanted = {(row["project_id"], row["points"], row["rank"]) for row in rows}
    return len(stored) == len(rows) and {tuple(row) for row in stored} == wanted


RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to copy by hand


def new_receipt_code() -> str:
    """A random receipt code such as ``7KQ4-MZ2P-X9CA`` (60 bits): 12 random bytes read at
    once, each mapped to one of the 32 characters (256 is a multiple of 32: uniform)."""
    chars = "".join(RECEIPT_ALPHABET[byte % 32] for byte in secrets.token_bytes(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def receipt_hash(code: str) -> str:
    """What is stored and published of a receipt code: its SHA-256, hex."""
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def vote_refusal(budget: Budget, user: User) -> str | None:
    """Why ``user`` may not vote in ``budget`` under the process's vote scope, or None."""
    return scope_refusal(budget, user.district, user_id=user.id, identity_id=user.identity_id)


def require_vote_scope(budget: Budget, user: User) -> None:
    """Refuse a vote outside the process's vote scope."""
    if budget.district_id is None or budget.process.vote_scope == VoteScope.ALL:
        return  # nothing to check (and no need to load the voter's district)
    # Serialise this person's confirmations (and paper ballots, which lock the same row):
    # two at once in two district budgets would both pass the check.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    refusal = vote_refusal(budget, user)
    if refusal:
        raise NotAllowed(refusal)


def ballot_of(budget: Budget, user: User) -> Ballot | None:
    """``user``'s confirmed ballot on ``budget``, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.user_id == user.id)
    )


def selected_ids(ballot: Ballot | None) -> list[int]:
    """The ballot's project ids: ranked best first on ordinal ballots, else by id."""
    if not ballot:
        return []
    items = sorted(ballot.items, key=lambda i: (i.rank or 0, i.project_id))
    return [i.project_id for i in items]


def ballot_item_rows(
    budget: Budget | BallotBox,
    ballot_id: int,
    project_ids: list[int],
    points: list[int] | None = None,
) -> list[dict]:
    """Rows of ``ballot_items`` for one ballot: points for cumulative ballots, ranks (1 =
    first choice) for ordinal ones."""
    if isinstance(budget, BallotBox):
        budget_id, ballot_type = budget.budget_id, budget.rules.ballot_type
    else:
        budget_id, ballot_type = budget.id, budget.ballot_type
    ordinal = ballot_type == BallotType.ORDINAL
    return [
        {
            "ballot_id": ballot_id,
            "budget_id": budget_id,
            "project_id": pid,
            "points": points[i] if points else None,
            "rank": i + 1 if ordinal else None,
        }
        for i, pid in enumerate(project_ids)
    ]


def scope_refusal(
    budget: Budget, home: District | None, *, user_id: int | None, identity_id: int | None
) -> str | None:
    """Why a person living in ``home`` (their account's or their census district) may not
    vote in ``budget`` under the process's vote scope, or None. Their ballots in other
    district budgets are found by account and by identity: online and booth ballots alike."""
    process = budget.process
    if budget.district_id is None or process.vote_scope == VoteScope.ALL:
        return None
    voters = [Ballot.user_id == user_id] if user_id else []
    if identity_id:
        voters.append(Ballot.identity_id == identity_id)
    others = (  # this person's ballots in the process's other district budgets
        select(Budget.title)
        .join(Ballot, Ballot.budget_id == Budget.id)
        .where(
            Budget.process_id == process.id,
            Budget.district_id.is_not(None),
            Budget.id != budget.id,
            or_(false(), *voters),
        )
        .limit(1)
    )
    if process.vote_scope == VoteScope.OWN:
        if home is None:
            return _(
                "Este presupuesto es de un distrito: indica o verifica tu distrito para "
                "votar en él."
            )
        lineage = {d.id for d in home.lineage()}
        if budget.district_id not in lineage:
            return _(
                "Solo puedes votar en los presupuestos de tu distrito (%(name)s).", name=home.name
            )
        # A move (a census re-import, a changed district) gives no second district vote.
        moved = (
            db.session.scalar(others.where(Budget.district_id.not_in(lineage))) if voters else None
        )
        if moved:
            return _(
                "Ya votaste en «%(title)s», del distrito donde vivías: un cambio de domicilio "
                "no da otro voto en este proceso.",
                title=moved,
            )
        return None
    if not voters:
        return None
    elsewhere = db.session.scalar(others)
    if elsewhere:
        return _(
            "Ya votaste en «%(title)s»: en este proceso se vota en un solo distrito.",
            title=elsewhere,
        )
    return None
