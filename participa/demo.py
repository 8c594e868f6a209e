"""Demonstration data: a fictional municipality with three processes in the past, present
and future, ~30 proposals, projects, ~1,000 ballots per budget and a finished tally.

Everything is generated from a seed, so two loads give the same data. Its texts and its
people (accounts, census) live in ``participa/demo_data/``.
"""

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from participa.accountability import items as execution_items
from participa.accountability import milestones
from participa.accountability import statuses as execution_statuses
from participa.accounts.models import Role, User
from participa.accounts.services import create_admin, register_user
from participa.audit.services import acting_as
from participa.budgets import services as budgets
from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Channel
from participa.census import hashing, importing, verification
from participa.census.models import Identity
from participa.conversation.models import Comment
from participa.db import utcnow
from participa.demo_data.people import CENSUS_PEOPLE, DEMO_LOGINS, RESIDENT_DOCUMENT, STAFF
from participa.demo_data.texts import (
    COMMENTS,
    DISTRICTS,
    IDEAS,
    MUNICIPALITY,
    OFFICES,
    REJECTION_REASONS,
)
from participa.extensions import db
from participa.interop.pabulib import import_pb
from participa.legal.demo import load_legal_demo
from participa.notifications.demo import load_notifications_demo
from participa.opendata.services import publish
from participa.processes import services as processes
from participa.processes.models import District, Process
from participa.proposals.models import Proposal, ProposalState, Support
from participa.results.services import request_tally
from participa.results.tasks import run_tally
from participa.staff import services as staff_services
from participa.tallying.pabulib import read

AMSTERDAM = Path(__file__).parent / "demo_data" / "Netherlands_Amsterdam_335.pb"
# the accounts and census of participa.demo_data.people are read from here by the CLI
__all__ = ["CENSUS_PEOPLE", "DEMO_LOGINS", "RESIDENT_DOCUMENT", "load", "voter_document"]


@acting_as("demo")
def load(seed: int = 2026, ballots: int = 1000) -> bool:
    """Load the demo unless it is already there. Returns whether anything was loaded.
    Its actions are logged as the demonstration data's, not the demo administrator's."""
    if db.session.scalar(select(Process.id).where(Process.slug == "presupuesto-2026")):
        return False
    rng = random.Random(seed)
    now = utcnow().replace(second=0, microsecond=0)
    districts = _districts()
    admin = create_admin(*DEMO_LOGINS["administrador"], name="Dirección de Participación Ciudadana")
    resident = register_user(
        DEMO_LOGINS["residente"][0],
        "Lucía Hernández",
        DEMO_LOGINS["residente"][1],
        district_id=districts[0].id,
    )
    staff = [
        register_user(email, f"Equipo de {key}", password, role=role)
        for key, role in STAFF.items()
        for email, password in [DEMO_LOGINS[key]]
    ]
    voters = _voters(rng, districts, max(ballots, 60))
    _past_process(rng, now, districts, voters[:ballots])
    _voting_process(rng, now, districts, voters, resident, ballots)
    _proposals_process(rng, now, districts, voters)
    _process_staff(admin, districts)
    _census(admin, resident, voters)
    load_legal_demo([admin, resident, *staff], resident)  # consents, a request to answer
    load_notifications_demo(resident)  # her bell: answers, the vote opening
    db.session.commit()
    _amsterdam()
    _follow_up(rng, now)
    _publish_open_data()
    return True


def _follow_up(rng, now) -> None:
    """The 2025 winners under construction: statuses, progress, spending and milestones."""
    process = db.session.scalars(select(Process).where(Process.slug == "presupuesto-2025")).one()
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    items = execution_items.items_from_results(process, admin)
    statuses = execution_statuses.statuses(process)
    for i, item in enumerate(items):
        status = statuses[min(i % 5, len(statuses) - 1)]
        execution_items.update_item(
            item,
            admin,
            status=status,
            progress=status.progress,
            office=rng.choice(OFFICES),
            spent=item.budgeted * status.progress // 100,
        )
        if status.progress >= 30:
            milestones.add_milestone(
                item,
                admin,
                (now - _days(rng.uniform(20, 200))).date(),
                "Se publicó la licitación y se recibieron propuestas.",
            )
        if status.progress >= 60:
            milestones.add_milestone(
                item,
                admin,
                (now - _days(rng.uniform(1, 19))).date(),
                "Arrancó la obra; la vecindad puede seguir el avance aquí.",
            )
    db.session.commit()


def _publish_open_data() -> None:
    """A first version of every process's open data, as the daily task would publish."""
    for process in db.session.scalars(select(Process)).all():
        publish(process, "manual")
        db.session.commit()


def _amsterdam() -> None:
    """Amsterdam's 2020 Indische Buurt budget, imported from Pabulib and tallied."""
    report = import_pb(read(AMSTERDAM), slug="amsterdam-indische-buurt-2020")
    report.budget.process.title = "Amsterdam, Indische Buurt 2020 (Pabulib)"
    run = request_tally(report.budget)
    db.session.commit()
    run_tally(run.id)


def _districts() -> list[District]:
    city = District(name=MUNICIPALITY)
    db.session.add(city)
    db.session.flush()
    children = [District(name=name, parent_id=city.id) for name in DISTRICTS]
    db.session.add_all(children)
    db.session.flush()
    return children


def _voters(rng: random.Random, districts: list[District], n: int) -> list[int]:
    """``n`` resident accounts sharing one password hash (hashing 1,000 would take minutes)."""
    template = User(email="x", name="x", password_hash="")
    template.set_password("vecino-demo-2026")
    given = ["María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Rosa", "Carlos", "Sofía"]
    family = ["García", "Martínez", "López", "Hernández", "González", "Pérez", "Rodríguez"]
    rows = [
        {
            "email": f"vecino{i:04d}@participa.example",
            "password_hash": template.password_hash,
            "name": f"{rng.choice(given)} {rng.choice(family)}",
            "role": Role.RESIDENT,
            "district_id": rng.choice(districts).id,
            "created_at": utcnow(),
            "email_confirmed_at": utcnow(),  # the demo's accounts are confirmed
        }
        for i in range(1, n + 1)
    ]
    return list(
        db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows)
    )


def voter_document(number: int) -> str:
    """The census document of the generated voter ``vecino{number:04d}``."""
    return f"SLV{number:06d}"


def _census(admin: User, resident: User, voters: list[int]) -> None:
    """The census: every generated voter, the resident and ``CENSUS_PEOPLE``. The voters
    are verified in bulk (their identities inserted, their accounts and ballots linked to
    them, as ``verification.verify`` would) and the resident through ``verification.verify``."""
    names: dict[int | None, str] = {d.id: d.name for d in db.session.scalars(select(District))}
    homes = dict(
        db.session.execute(select(User.id, User.district_id).where(User.id.in_(voters))).all()
    )
    voter_rows = [
        (voter_document(i), date(1950, 1, 1) + _days((i * 7919) % 20_000), homes[uid])
        for i, uid in enumerate(voters, start=1)
    ]
    lines = ["documento,fecha_nacimiento,distrito"]
    lines += [f"{doc},{born.isoformat()},{names[district]}" for doc, born, district in voter_rows]
    document, born = RESIDENT_DOCUMENT
    lines.append(f"{document},{born.isoformat()},{names[resident.district_id]}")
    lines += [f"{doc},{when.isoformat()},{district}" for doc, when, district in CENSUS_PEOPLE]
    importing.import_census("\n".join(lines) + "\n", actor=admin)
    stamp = utcnow()
    identity_ids = db.session.scalars(
        insert(Identity).returning(Identity.id, sort_by_parameter_order=True),
        [
            {"document_hash": hashing.document_hash(doc), "district_id": home, "created_at": stamp}
            for doc, _born, home in voter_rows
        ],
    ).all()
    db.session.execute(
        update(User),
        [
            {"id": uid, "identity_id": identity_id}
            for uid, identity_id in zip(voters, identity_ids, strict=True)
        ],
    )
    # their ballots, in every budget, carry the identity: one ballot per person and budget
    db.session.execute(
        update(Ballot)
        .where(Ballot.user_id.in_(voters))
        .values(
            identity_id=select(User.identity_id).where(User.id == Ballot.user_id).scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    verification.verify(resident, document, born)
    db.session.flush()


def _process(title, slug, description) -> Process:
    return processes.create_process(
        title=title,
        slug=slug,
        description=description,
        municipality=MUNICIPALITY,
        district_id=None,
        published=True,
    )


def _phases(process: Process, now, phases) -> None:
    """Phases come last: once a voting phase has started the ballot cannot change."""
    for name, start, end, allows in phases:
        flags: dict[str, Any] = dict.fromkeys(allows, True)  # allows_* keywords
        processes.add_phase(
            process,
            title=name,
            starts_at=now + start,
            ends_at=now + end,
            reason="Datos de demostración",  # the demo's phases begin in the past
            **flags,
        )


def _days(n: float) -> timedelta:
    return timedelta(days=n)


def _past_process(rng, now, districts, voters) -> None:
    process = _process(
        "Presupuesto Participativo 2025",
        "presupuesto-2025",
        "La ciudadanía decidió en qué invertir 12 millones de pesos del presupuesto 2025.",
    )
    phases = [
        ("Propuestas", _days(-400), _days(-340), ["allows_propose"]),
        ("Revisión técnica", _days(-340), _days(-300), []),
        ("Votación", _days(-300), _days(-280), ["allows_vote"]),
        ("Resultados", _days(-280), _days(-250), ["shows_results"]),
        ("Seguimiento de obras", _days(-250), _days(30), ["shows_results"]),
    ]
    budget = budgets.create_budget(
        process,
        title="Todo el municipio",
        amount=12_000_000,
        ballot_type=BallotType.KNAPSACK,
        min_projects=1,
        description="Proyectos para cualquier colonia del municipio.",
    )
    for title, category, cost, body in rng.sample(IDEAS, 14):
        budgets.create_project(budget, title=title, cost=cost, description=body, category=category)
    _ballots(rng, budget, voters, when=now - _days(290))
    _phases(process, now, phases)
    run = request_tally(budget)
    db.session.commit()
    run_tally(run.id)


def _voting_process(rng, now, districts, voters, resident, n_ballots) -> None:
    process = _process(
        "Presupuesto Participativo 2026",
        "presupuesto-2026",
        "Tú decides en qué se invierten 10 millones de pesos en todo el municipio y 3 millones "
        "en el sector Centro. Vota por los proyectos que más te importan.",
    )
    # booths take paper ballots, so the online vote asks for a verified residency (set on
    # the model: the settings service refuses changes once voting started)
    process.verification_to_vote = True
    process.in_person_voting = True
    phases = [
        ("Información", _days(-75), _days(-60), []),
        ("Propuestas y apoyos", _days(-60), _days(-35), ["allows_propose", "allows_support"]),
        ("Revisión técnica", _days(-35), _days(-7), []),
        ("Votación", _days(-7), _days(14), ["allows_vote"]),
        ("Resultados", _days(14), _days(30), ["shows_results"]),
        ("Seguimiento de obras", _days(30), _days(400), ["shows_results"]),
    ]
    authors = [*voters[:40], resident.id]
    proposals = []
    for i, (title, category, cost, body) in enumerate(IDEAS):
        proposal = Proposal(
            process_id=process.id,
            author_id=rng.choice(authors),
            title=title,
            body=body,
            category=category,
            district_id=rng.choice([None, *(d.id for d in districts)]),
            cost_estimate=cost if i % 3 else None,
            created_at=now - _days(60) + _days(rng.uniform(0, 24)),
        )
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.flush()
    _supports(rng, proposals, voters)
    states = [ProposalState.ACCEPTED] * 18 + [ProposalState.REJECTED] * 6
    states += [ProposalState.EVALUATING] * 4 + [ProposalState.WITHDRAWN] * 2
    for proposal, state, (_t, _c, cost, _b) in zip(proposals, states, IDEAS, strict=True):
        proposal.state = state
        if state == ProposalState.ACCEPTED:
            proposal.cost_estimate = cost
            proposal.answer = "Factible. El área técnica confirmó el costo estimado."
            proposal.answered_at = now - _days(8)
        elif state == ProposalState.REJECTED:
            proposal.answer = rng.choice(REJECTION_REASONS)
            proposal.answered_at = now - _days(8)
        elif state == ProposalState.WITHDRAWN:
            proposal.withdrawn_at = now - _days(40)
    db.session.flush()
    city = budgets.create_budget(
        process,
        title="Todo el municipio",
        amount=10_000_000,
        ballot_type=BallotType.KNAPSACK,
        min_projects=1,
        description="Proyectos que benefician a todo el municipio.",
    )
    centro = budgets.create_budget(
        process,
        title="Sector Centro",
        amount=3_000_000,
        ballot_type=BallotType.APPROVAL,
        min_projects=1,
        max_projects=3,
        district_id=districts[0].id,
        description="Elige hasta tres proyectos para el sector Centro.",
    )
    accepted = [p for p in proposals if p.state == ProposalState.ACCEPTED]
    for proposal in accepted[:13]:
        budgets.project_from_proposal(city, proposal)
    for proposal in accepted[13:]:
        budgets.project_from_proposal(centro, proposal)
    budgets.create_project(
        centro,
        title="Remozamiento de la plaza principal",
        cost=1_400_000,
        description="Nuevas jardineras, bancas y kiosco restaurado.",
        category="espacio-publico",
    )
    _ballots(rng, city, voters[:n_ballots], when=now - _days(3))
    _ballots(rng, centro, voters[: n_ballots // 3], when=now - _days(3))
    _phases(process, now, phases)


def _proposals_process(rng, now, districts, voters) -> None:
    process = _process(
        "Ideas para el Presupuesto 2027",
        "ideas-2027",
        "¿Qué le hace falta a tu colonia? Propón proyectos y apoya los que te gusten: los más "
        "apoyados pasan a revisión técnica.",
    )
    phases = [
        (
            "Propuestas y apoyos",
            _days(-10),
            _days(45),
            ["allows_propose", "allows_support", "allows_comment"],
        ),
        ("Revisión técnica", _days(45), _days(90), []),
        ("Votación", _days(90), _days(110), ["allows_vote"]),
        ("Resultados", _days(110), _days(140), ["shows_results"]),
    ]
    ideas = rng.sample(IDEAS, 8)
    proposals = []
    for title, category, cost, body in ideas:
        proposal = Proposal(
            process_id=process.id,
            author_id=rng.choice(voters),
            title=title,
            body=body,
            category=category,
            district_id=rng.choice(districts).id,
            cost_estimate=cost if rng.random() < 0.5 else None,
            created_at=now - _days(rng.uniform(0, 9)),
        )
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.flush()
    _supports(rng, proposals, voters[:300])
    _comments(rng, proposals, voters, now)
    _phases(process, now, phases)


def _process_staff(admin: User, districts: list[District]) -> None:
    """A resident who evaluates the proposals of the 2027 process, and of no other."""
    email, password = DEMO_LOGINS["evaluadora-2027"]
    register_user(email, "Marta Garza (evaluación 2027)", password, district_id=districts[1].id)
    process = db.session.scalars(select(Process).where(Process.slug == "ideas-2027")).one()
    staff_services.assign(process, email, Role.EVALUATOR, admin)


def _comments(rng, proposals, voters, now) -> None:
    for proposal in proposals[:5]:
        first = Comment(
            target_type="proposal",
            target_id=proposal.id,
            author_id=rng.choice(voters),
            body=rng.choice(COMMENTS),
            created_at=now - _days(rng.uniform(1, 8)),
        )
        db.session.add(first)
        db.session.flush()
        db.session.add(
            Comment(
                target_type="proposal",
                target_id=proposal.id,
                parent_id=first.id,
                author_id=rng.choice(voters),
                body=rng.choice(COMMENTS),
                created_at=first.created_at + _days(0.5),
            )
        )
    db.session.flush()


def _supports(rng, proposals, voters) -> None:
    rows = []
    for proposal in proposals:
        backers = rng.sample(voters, rng.randint(3, min(len(voters), 120)))
        proposal.supports_count = len(backers)
        rows += [
            {"proposal_id": proposal.id, "user_id": uid, "created_at": proposal.created_at}
            for uid in backers
        ]
    db.session.execute(insert(Support), rows)
    db.session.flush()


def _ballots(rng, budget: Budget, voters: list[int], when) -> None:
    """One valid ballot per voter: projects drawn by popularity until the rules stop them."""
    db.session.refresh(budget, ["projects"])
    projects = list(budget.projects)
    popularity = [rng.uniform(0.2, 3.0) for _ in projects]
    limit = budget.max_projects or len(projects)
    ballots = []
    for voter in voters:
        chosen, spent = list[int](), 0
        for project in _weighted_order(rng, projects, popularity):
            fits = (
                budget.ballot_type != BallotType.KNAPSACK or spent + project.cost <= budget.amount
            )
            if fits and len(chosen) < limit:
                chosen.append(project.id)
                spent += project.cost
            if len(chosen) >= rng.randint(1, limit):
                break
        ballots.append((voter, chosen))
    stamp = when
    ids = db.session.scalars(
        insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True),
        [
            {
                "budget_id": budget.id,
                "user_id": voter,
                "channel": Channel.ONLINE,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for voter, _ in ballots
        ],
    ).all()
    db.session.execute(
        insert(BallotItem),
        [
            {"ballot_id": bid, "budget_id": budget.id, "project_id": pid}
            for bid, (_, chosen) in zip(ids, ballots, strict=True)
            for pid in chosen
        ],
    )
    db.session.flush()


def _weighted_order(rng, projects, weights):
    """Projects in a random order where heavier ones tend to come first."""
    keys = [rng.random() ** (1 / w) for w in weights]
    return [p for _, p in sorted(zip(keys, projects, strict=True), key=lambda kp: -kp[0])]
