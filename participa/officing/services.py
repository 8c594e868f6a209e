"""In-person voting: an officer checks a person in against the census and records their
paper ballot, one at a time or in bulk.

A paper ballot goes through the same rules as an online one (``validate_selection``) and is
stored with ``channel='booth'``, the person's identity and the officer. One ballot per
person and budget holds across channels: the booth refuses someone who voted online (found
by their verified account) or at another booth, and the database's unique pairs (budget,
identity) and (budget, account) decide any race.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, true
from sqlalchemy.orm import selectinload

from participa.accounts.models import Role, User
from participa.audit.services import log
from participa.budgets.ballot_box import require_voting_open, validate_selection
from participa.budgets.ballots import ballot_item_rows
from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Channel
from participa.budgets.scope import scope_refusal
from participa.census.hashing import document_hash
from participa.census.models import CensusEntry, Identity
from participa.census.verification import account_of, census_entry, identity_for
from participa.csvfiles import OTHER_SEPARATORS, csv_rows, shown
from participa.db import utcnow
from participa.errors import Conflict, DomainError, Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, District, Process
from participa.processes.queries import published
from participa.sql import insert_ignoring_conflicts
from participa.staff import access
from participa.staff.access import Scope
from participa.views_common import parse_id

SEPARATOR_RE = re.compile(r"[\s;]+")


def require_officer(user: User, budget: Budget) -> None:
    """``user`` keeps a booth of ``budget``'s process (every process's, or that one's)."""
    if not access.may_act(user, Role.OFFICER, budget.process_id):
        raise NotAllowed(
            _("Solo el personal de casilla de este proceso puede registrar votos en persona.")
        )


@dataclass(frozen=True)
class CheckIn:
    """A person of the census who may vote in the budget."""

    entry: CensusEntry
    identity: Identity | None  # None until they verify online or vote at a booth
    account: User | None  # the account verified with their document, if any

    @property
    def district(self) -> District | None:
        return self.entry.district


def ballot_of_person(
    budget: Budget, identity: Identity | None, account: User | None
) -> Ballot | None:
    """The ballot this person already has on ``budget``, through any channel."""
    matches = []
    if identity is not None:
        matches.append(Ballot.identity_id == identity.id)
    if account is not None:
        matches.append(Ballot.user_id == account.id)
    if not matches:
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, or_(*matches)).limit(1)
    )


def _already_voted(ballot: Ballot) -> Conflict:
    if ballot.channel == Channel.BOOTH:
        return Conflict(_("Esta persona ya votó en una casilla en este presupuesto."))
    return Conflict(
        _("Esta persona ya votó en línea en este presupuesto; no puede votar también en papel.")
    )


def require_booths(budget: Budget) -> None:
    """Booths take ballots only in processes with in-person voting (which requires verified
    online voting: see ``Process.in_person_voting``)."""
    if not budget.process.in_person_voting:
        raise NotAllowed(
            _("Este proceso no tiene votación en casilla: no se pueden registrar boletas en papel.")
        )


def check_in(officer: User, budget: Budget, document: str) -> CheckIn:
    """Find the person of ``document`` in the census and make sure they have not voted on
    ``budget`` yet (online or at a booth). Writes nothing."""
    require_officer(officer, budget)
    require_booths(budget)
    if not document.strip():
        raise Invalid(_("Escribe el documento de la persona."))
    entry = census_entry(document)
    if entry is None:
        raise NotAllowed(_("Ese documento no está en el padrón: no puede votar en esta casilla."))
    identity = db.session.scalar(
        select(Identity).where(Identity.document_hash == entry.document_hash)
    )
    account = account_of(identity) if identity else None
    existing = ballot_of_person(budget, identity, account)
    if existing is not None:
        raise _already_voted(existing)
    refusal = scope_refusal(
        budget,
        entry.district,
        user_id=account.id if account else None,
        identity_id=identity.id if identity else None,
    )
    if refusal:
        raise NotAllowed(refusal)
    return CheckIn(entry, identity, account)


def _lock_person(identity: Identity, account: User | None) -> None:
    """Serialise this person's ballots across booths and channels before the checks that
    span budgets (the vote scope): the account's row first, as online voting locks it,
    then the identity's (a person with no account, at two booths at once)."""
    if account is not None:
        db.session.execute(select(User.id).where(User.id == account.id).with_for_update())
    db.session.execute(select(Identity.id).where(Identity.id == identity.id).with_for_update())


def _insert_ballot_unless_taken():
    """``INSERT INTO ballots ... ON CONFLICT DO NOTHING`` on any unique pair: a person who
    already has a ballot (by identity or by account) gets no second one."""
    return insert_ignoring_conflicts(Ballot)


def _record(
    officer: User,
    budget: Budget,
    document: str,
    project_ids: list[int],
    points: list[int] | None,
) -> Ballot:
    person = check_in(officer, budget, document)
    validate_selection(budget, project_ids, points)
    identity = person.identity or identity_for(person.entry)
    account = person.account if person.identity else account_of(identity)
    _lock_person(identity, account)
    existing = ballot_of_person(budget, identity, account)  # again, now that it is locked
    if existing is not None:
        raise _already_voted(existing)
    refusal = scope_refusal(
        budget,
        person.entry.district,
        user_id=account.id if account else None,
        identity_id=identity.id,
    )
    if refusal:
        raise NotAllowed(refusal)
    now = utcnow()
    ballot_id = db.session.execute(
        _insert_ballot_unless_taken()
        .values(
            budget_id=budget.id,
            user_id=account.id if account else None,
            identity_id=identity.id,
            officer_id=officer.id,
            channel=Channel.BOOTH,
            created_at=now,
            updated_at=now,
        )
        .returning(Ballot.id)
    ).scalar()
    if ballot_id is None:  # a parallel request recorded this person's ballot first
        raise Conflict(_("Esta persona ya votó en este presupuesto."))
    db.session.execute(insert(BallotItem), ballot_item_rows(budget, ballot_id, project_ids, points))
    db.session.flush()
    return db.session.get_one(Ballot, ballot_id)


def record_paper_ballot(
    officer: User,
    budget: Budget,
    document: str,
    project_ids: list[int],
    points: list[int] | None = None,
) -> Ballot:
    """Record the paper ballot of the person with ``document`` on ``budget``.

    The same rules as online voting apply; a person not in the census, or who already voted
    in this budget (online or at a booth), is refused. The caller commits.
    """
    require_officer(officer, budget)
    require_voting_open(budget)
    ballot = _record(officer, budget, document, project_ids, points)
    log(
        "officing.paper_ballot",
        ballot,
        actor=officer,
        process_id=budget.process_id,
        after={"budget_id": budget.id, "channel": Channel.BOOTH.value},
    )
    return ballot


@dataclass
class BulkResult:
    """``accepted`` ballots were stored; every other line is in ``rejected`` with why."""

    accepted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.accepted + len(self.rejected)


def _numbers(text: str, what: str) -> list[int]:
    values = []
    for token in SEPARATOR_RE.split(text.strip()):
        number = parse_id(token)
        if number is None:
            raise Invalid(_("«%(value)s» no es un número de %(what)s.", value=token, what=what))
        values.append(number)
    return values


def parse_bulk_line(budget: Budget, cells: list[str]) -> tuple[str, list[int], list[int] | None]:
    """``documento,proyectos[,puntos]`` -> (document, project ids, points or None)."""
    if len(cells) > 3:
        raise Invalid(
            _("Tiene %(n)d columnas; se esperan documento, proyectos y puntos.", n=len(cells))
        )
    if len(cells) == 1 and any(sep in cells[0] for sep in OTHER_SEPARATORS):
        raise Invalid(_("Separa el documento y los proyectos con una coma (,)."))
    document, projects, points_text = [*cells, "", ""][:3]
    if not document:
        raise Invalid(_("Falta el documento."))
    if not projects:
        raise Invalid(_("Faltan los proyectos elegidos."))
    project_ids = _numbers(projects, _("proyecto"))
    points = _numbers(points_text, _("puntos")) if points_text else None
    if budget.ballot_type == BallotType.CUMULATIVE:
        if points is None:
            raise Invalid(_("Faltan los puntos de cada proyecto."))
        if len(points) != len(project_ids):
            raise Invalid(
                _(
                    "Hay %(n)d proyectos y %(m)d puntos; debe haber unos puntos por proyecto.",
                    n=len(project_ids),
                    m=len(points),
                )
            )
    return document, project_ids, points


BULK_HEADER = ("documento", "proyectos", "puntos")


def _is_header(cells: list[str]) -> bool:
    """A first line naming columns: ``documento...``, or no digit at all (a ballot line
    always has project numbers)."""
    return cells[0].casefold().startswith("documento") or not any(
        c.isdigit() for c in "".join(cells)
    )


def _reason(error: DomainError) -> str:
    return " ".join([error.message, *error.details])


def bulk_paper_ballots(officer: User, budget: Budget, text: str) -> BulkResult:
    """Record many paper ballots from CSV lines ``documento,proyectos[,puntos]``.

    Project ids are separated by spaces or semicolons (ranked best first on ordinal
    ballots); ``puntos`` is the parallel list for cumulative ballots. Each line is checked
    on its own like a single paper ballot: good lines are stored, and every other line is
    reported with its number and reason. An optional first line ``documento,...`` is a
    header. The caller commits.
    """
    require_officer(officer, budget)
    require_voting_open(budget)
    require_booths(budget)
    rows = csv_rows(text, delimiter=",")
    if rows and _is_header(rows[0][1]):
        line, header = rows[0]
        if [cell.casefold() for cell in header] not in (list(BULK_HEADER[:2]), list(BULK_HEADER)):
            raise Invalid(
                _(
                    "Línea %(line)d: el encabezado «%(header)s» no se reconoce: debe ser "
                    "documento,proyectos (y ,puntos en boletas de puntos), separado con "
                    "comas; o quítalo.",
                    line=line,
                    header=shown(",".join(header)),
                )
            )
        rows = rows[1:]
    if not rows:
        raise Invalid(_("No hay boletas que registrar."))
    result = BulkResult()
    recorded: dict[str, int] = {}
    for line, cells in rows:
        try:
            document, project_ids, points = parse_bulk_line(budget, cells)
            doc_hash = document_hash(document)
            if doc_hash in recorded:
                raise Conflict(
                    _(
                        "Esta persona ya votó: su boleta se registró en la línea %(line)d.",
                        line=recorded[doc_hash],
                    )
                )
            _record(officer, budget, document, project_ids, points)
        except DomainError as error:
            result.rejected.append((line, _reason(error)))
        else:
            recorded[doc_hash] = line
            result.accepted += 1
    log(
        "officing.bulk_paper_ballots",
        budget,
        actor=officer,
        process_id=budget.process_id,
        after={
            "lines": result.lines,
            "accepted": result.accepted,
            "rejected": [line for line, _reason_text in result.rejected],
        },
    )
    db.session.flush()
    return result


def open_budgets(scope: Scope | None = None) -> list[Budget]:
    """Budgets whose process is in a voting phase now: where a booth can take ballots (of
    the processes of ``scope``; None: every process)."""
    budgets = db.session.scalars(
        select(Budget)
        .join(Process)
        .where(Budget.archived_at.is_(None))
        .where(published())  # nobody votes in a draft
        .where(scope.where(Budget.process_id) if scope is not None else true())
        .options(
            selectinload(Budget.process).selectinload(Process.phases),
            selectinload(Budget.district),
        )
        .order_by(Process.created_at.desc(), Budget.position, Budget.id)
    ).all()
    return [b for b in budgets if b.process.in_person_voting and b.process.allows(Action.VOTE)]


@dataclass(frozen=True)
class BoothCounts:
    """The ballots of one budget so far: on paper (of them, recorded by the viewer) and
    online."""

    paper: int = 0
    mine: int = 0
    online: int = 0


def booth_counts(budgets: list[Budget], officer: User) -> dict[int, BoothCounts]:
    """Per budget, its paper ballots (all, and ``officer``'s) and online ones: one query."""
    if not budgets:
        return {}
    rows = db.session.execute(
        select(
            Ballot.budget_id,
            func.count(Ballot.id).filter(Ballot.channel == Channel.BOOTH),
            func.count(Ballot.id).filter(
                Ballot.channel == Channel.BOOTH, Ballot.officer_id == officer.id
            ),
            func.count(Ballot.id).filter(Ballot.channel == Channel.ONLINE),
        )
        .where(Ballot.budget_id.in_([b.id for b in budgets]))
        .group_by(Ballot.budget_id)
    ).all()
    return {row[0]: BoothCounts(row[1], row[2], row[3]) for row in rows}
