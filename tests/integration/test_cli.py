"""The command-line entry points."""

from sqlalchemy import func, select

from participa.accounts.models import Role, User
from participa.budgets.models import Ballot
from participa.extensions import db
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
    run = db.session.scalar(select(TallyRun).order_by(TallyRun.id))
    assert run.status == RunStatus.DONE and run.ballots_counted == 1000
    again = runner.invoke(args=["demo", "load"])
    assert "already present" in again.output
    assert db.session.scalar(select(func.count(TallyRun.id))) == 2  # 2025 and Amsterdam
