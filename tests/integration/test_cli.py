"""The command-line entry points."""

from datetime import date

import pytest
from sqlalchemy import func, select

from participa.accounts.models import Role, User
from participa.accounts.services import register_user
from participa.audit.models import ActionLog
from participa.budgets.models import Ballot, Budget
from participa.census import hashing, importing, verification
from participa.census.models import Identity
from participa.errors import Conflict
from participa.extensions import db
from participa.notifications.models import Notification
from participa.officing import services as officing
from participa.processes.models import Process
from participa.proposals.models import Proposal
from participa.results.models import RunStatus, TallyRun


def test_create_admin(ctx):
    runner = ctx.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "Alcaldia@Example.org", "--password", "una-clave-segura"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("alcaldia@example.org", Role.ADMIN)
    assert user.check_password("una-clave-segura")
    short = runner.invoke(args=["users", "create-admin", "b@example.org", "--password", "corta"])
    assert short.exit_code != 0 and "10" in short.output
    bad = runner.invoke(args=["users", "create-admin", "not an email", "--password", "x" * 12])
    assert bad.exit_code != 0 and "no válido" in bad.output
    again = runner.invoke(
        args=["users", "create-admin", "alcaldia@example.org", "--password", "otra-clave-larga"]
    )
    assert again.exit_code != 0 and "--promote" in again.output
    assert user.check_password("una-clave-segura")  # never silently overwritten
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_promote_keeps_the_password(ctx):
    from tests import factories as f

    resident = f.user()
    db.session.commit()
    result = ctx.test_cli_runner().invoke(
        args=["users", "create-admin", resident.email, "--promote"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    promoted = db.session.get(User, resident.id)
    assert promoted.role == Role.ADMIN and promoted.check_password(f.PASSWORD)


def test_demo_load_is_realistic_and_loads_once(ctx):
    runner = ctx.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@participa.example" in first.output
    assert "vecina@participa.example" in first.output
    statuses = {
        p.slug: [ph.status() for ph in p.phases] for p in db.session.scalars(select(Process))
    }
    assert "current" in statuses["presupuesto-2026"]
    assert set(statuses["presupuesto-2025"]) >= {"past"}
    assert statuses["ideas-2027"][-1] == "future"
    amsterdam = db.session.scalar(select(Process).where(Process.slug.startswith("amsterdam")))
    assert amsterdam.results_visible() and amsterdam.budgets[0].amount == 200_000
    assert db.session.scalar(select(func.count(Proposal.id))) >= 30
    assert db.session.scalar(select(func.count(Ballot.id))) >= 1000
    resident = db.session.scalar(select(User).where(User.email == "vecina@participa.example"))
    bell = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == resident.id, Notification.in_app)
    ).all()
    assert "phase_opened" in bell and "proposal_answered" in bell  # something in her bell
    run = db.session.scalar(select(TallyRun).order_by(TallyRun.id))
    assert run.status == RunStatus.DONE and run.ballots_counted == 1000
    # every action of the load is the demonstration data's, not the demo administrator's
    origins = db.session.execute(select(ActionLog.origin, func.count()).group_by(ActionLog.origin))
    assert dict(origins.all()) == {"demo": db.session.scalar(select(func.count(ActionLog.id)))}
    again = runner.invoke(args=["demo", "load"])
    assert "already present" in again.output
    assert db.session.scalar(select(func.count(TallyRun.id))) == 2  # 2025 and Amsterdam
    _demo_census_and_booths(first.output)


def _demo_census_and_booths(output: str) -> None:
    """The 2026 process has booths (so a verified online vote); the census holds every
    voter, the resident and ten people without an account, printed by the command."""
    from participa.demo import CENSUS_PEOPLE, DEMO_LOGINS, RESIDENT_DOCUMENT, voter_document

    voting = db.session.scalar(select(Process).where(Process.slug == "presupuesto-2026"))
    assert voting.in_person_voting and voting.verification_to_vote
    assert importing.census_size() == 1000 + 1 + len(CENSUS_PEOPLE)
    assert RESIDENT_DOCUMENT[0] in output
    assert all(document in output for document, _born, _district in CENSUS_PEOPLE)
    # every ballot of a generated voter carries the voter's identity
    ballots = select(Ballot).join(Budget).where(Budget.process_id == voting.id)
    assert db.session.scalar(select(func.count()).select_from(ballots.subquery())) >= 1000
    unlinked = ballots.where(Ballot.identity_id.is_(None))
    assert db.session.scalar(select(func.count()).select_from(unlinked.subquery())) == 0
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert users[DEMO_LOGINS["residente"][0]].is_verified
    first_voter = users["vecino0001@participa.example"]
    identity = db.session.get(Identity, first_voter.identity_id)
    assert identity.document_hash == hashing.document_hash(voter_document(1))
    assert identity.district_id == first_voter.district_id
    # at the booth: a voter who voted online is refused, a person of the census is not
    officer = users[DEMO_LOGINS["casilla"][0]]
    city = next(b for b in voting.budgets if b.district_id is None)
    with pytest.raises(Conflict):
        officing.check_in(officer, city, voter_document(1))
    document, born, district = CENSUS_PEOPLE[0]
    person = officing.check_in(officer, city, document)
    assert person.account is None and person.district.name == district
    # a new account verifies with another one
    document, born, district = CENSUS_PEOPLE[1]
    newcomer = register_user("nueva@example.org", "Nueva Vecina", "una-clave-segura")
    assert verification.verify(newcomer, document, born).district.name == district
    assert isinstance(
        verification.verify(
            register_user("otra@example.org", "Otra", "otra-clave-segura"),
            document,
            date(1999, 9, 9),
        ).refused,
        verification.VerificationFailed,
    )
