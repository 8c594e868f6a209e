"""Small builders of test data, going through the domain services like the app does."""

from datetime import timedelta
from itertools import count

from participa.accounts.models import Role, User
from participa.accounts.services import register_user
from participa.budgets import services as budgets
from participa.budgets.models import BallotType, Budget, Project
from participa.categories import services as categories
from participa.categories.models import Category
from participa.db import utcnow
from participa.extensions import db
from participa.processes import services as processes
from participa.processes.models import Process
from participa.staff import access
from participa.staff.models import ProcessRole

PASSWORD = "correct-horse-battery"
HISTORY = "Datos de prueba con historia"  # the reason phases that began in the past need
_seq = count(1)


def user(role: Role = Role.RESIDENT, email: str | None = None) -> User:
    n = next(_seq)
    return register_user(email or f"persona{n}@example.org", f"Persona {n}", PASSWORD, role=role)


def admin() -> User:
    return user(Role.ADMIN)


def process(
    *, now_allows: tuple[str, ...] = (), slug: str | None = None, published: bool = True
) -> Process:
    """A process with a past phase, a current phase allowing ``now_allows`` and a future one
    (published, unless ``published=False``: a draft)."""
    n = next(_seq)
    p = processes.create_process(
        title=f"Proceso {n}",
        slug=slug or f"proceso-{n}",
        description="Descripción",
        municipality="Santa Lucía",
        district_id=None,
        published=published,
    )
    now = utcnow()
    processes.add_phase(
        p,
        title="Antes",
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=10),
        reason=HISTORY,
    )
    processes.add_phase(
        p,
        title="Ahora",
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=10),
        reason=HISTORY,
        **{f"{a}": True for a in now_allows},
    )
    processes.add_phase(
        p,
        title="Después",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=20),
        shows_results=True,
    )
    return p


def with_booths(p: Process) -> Process:
    """Let booths take paper ballots in ``p`` (online voting then needs verification)."""
    p.verification_to_vote = True
    p.in_person_voting = True
    db.session.flush()
    return p


def budget(
    p: Process, amount: int = 1000, costs: tuple[int, ...] = (400, 300, 300, 200), **options
) -> Budget:
    """A budget with one project per cost, as an administrator left it before voting
    opened (the projects are inserted directly: the service refuses them once the
    process's voting phase has started, as in most tests)."""
    options.setdefault("ballot_type", BallotType.KNAPSACK)
    b = budgets.create_budget(p, title=f"Presupuesto {next(_seq)}", amount=amount, **options)
    for i, cost in enumerate(costs, start=1):
        db.session.add(Project(budget_id=b.id, title=f"Proyecto {i}", cost=cost, position=i))
    db.session.flush()
    db.session.refresh(b, ["projects"])
    return b


def category(name: str | None = None, *, archived: bool = False, **values) -> Category:
    """A category as an administrator creates it (last in the order), archived if asked."""
    c = categories.create_category(name=name or f"Categoría {next(_seq)}", **values)
    if archived:
        categories.set_archived(c, True)
    return c


def project_ids(b: Budget) -> list[int]:
    return [p.id for p in sorted(b.projects, key=lambda p: (p.position, p.id))]


def projects(b: Budget) -> list[Project]:
    return sorted(b.projects, key=lambda p: (p.position, p.id))


def trusted_user(role: Role = Role.RESIDENT) -> User:
    """A verified resident whose account is two days old: their reports count towards the
    automatic hiding of content (``conversation.reports.counts_towards_hiding``)."""
    from participa.census.models import Identity

    u = user(role)
    identity = Identity(document_hash=f"{next(_seq):064x}")
    db.session.add(identity)
    db.session.flush()
    u.identity_id = identity.id
    u.created_at = utcnow() - timedelta(days=2)
    db.session.flush()
    return u


def process_role(u: User, p: Process, role: Role) -> ProcessRole:
    """``u`` acts as ``role`` (evaluator, moderator, officer) on ``p`` only."""
    assignment = ProcessRole(user_id=u.id, process_id=p.id, role=role)
    db.session.add(assignment)
    db.session.flush()
    access.forget()
    return assignment
