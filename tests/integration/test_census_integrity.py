"""The census keeps one identity per person: a changed key stops it instead of minting
second identities; a move does not give a second district vote; parallel verifications
and booths serialise on the person."""

import threading
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.budgets.models import Ballot
from participa.census import hashing, importing, verification
from participa.census.models import Identity
from participa.errors import NotAllowed
from participa.extensions import db
from participa.officing import services as officing
from participa.processes.models import District, VoteScope
from tests import factories as f
from tests.conftest import need
from tests.support.ballots import cast_ballot
from tests.support.parallel import run_together

ANA, LUIS = "GOMA850101MNLRRN09", "PELU900215HNLRPS03"
HEADER = "documento,fecha_nacimiento,distrito\n"


@pytest.fixture
def towns(ctx):
    north, south = District(name="Norte"), District(name="Sur")
    db.session.add_all([north, south])
    db.session.flush()
    importing.import_census(f"{HEADER}{ANA},1985-01-01,Norte\n{LUIS},1990-02-15,Norte\n")
    db.session.commit()
    return north, south


def identities() -> int:
    return db.session.scalar(select(func.count(Identity.id)))


def test_a_changed_census_key_stops_the_census_instead_of_doubling_people(towns, monkeypatch):
    resident = f.user()
    verification.verify(resident, ANA, date(1985, 1, 1))
    db.session.commit()
    monkeypatch.setitem(current_app.config, "CENSUS_SALT", "another-key")  # a rotated key
    with pytest.raises(hashing.CensusKeyChanged):
        importing.import_census(f"{HEADER}{ANA},1985-01-01,Norte\n")
    db.session.rollback()
    with pytest.raises(hashing.CensusKeyChanged):
        verification.verify(f.user(), ANA, date(1985, 1, 1))
    db.session.rollback()
    budget = f.budget(f.with_booths(f.process(now_allows=("allows_vote",))))
    db.session.commit()
    with pytest.raises(hashing.CensusKeyChanged):
        officing.check_in(f.user(Role.OFFICER), budget, ANA)
    db.session.rollback()
    assert identities() == 1
    monkeypatch.delitem(current_app.config, "CENSUS_SALT")  # the former key: all is well
    assert verification.census_entry(ANA) is not None


def test_a_move_gives_no_second_district_vote(towns):
    north, south = towns
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    process.vote_scope = VoteScope.OWN
    north_budget = f.budget(process, district_id=north.id)
    south_budget = f.budget(process, district_id=south.id)
    resident, officer = f.user(), f.user(Role.OFFICER)
    verification.verify(resident, ANA, date(1985, 1, 1))
    cast_ballot(budget=north_budget, user=resident, project_ids=f.project_ids(north_budget)[:1])
    officing.record_paper_ballot(officer, north_budget, LUIS, f.project_ids(north_budget)[:1])
    db.session.commit()
    importing.import_census(f"{HEADER}{ANA},1985-01-01,Sur\n{LUIS},1990-02-15,Sur\n")  # moved
    db.session.commit()
    with pytest.raises(NotAllowed) as online:
        cast_ballot(south_budget, resident, f.project_ids(south_budget)[:1])
    assert "cambio de domicilio" in online.value.message
    db.session.rollback()
    with pytest.raises(NotAllowed) as paper:
        officing.record_paper_ballot(officer, south_budget, LUIS, f.project_ids(south_budget)[:1])
    assert "cambio de domicilio" in paper.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ballot.id))) == 2


def test_two_verifications_of_one_account_at_once_verify_it_once(towns):
    """The second attempt loaded the account before the first committed (two requests):
    once it gets the lock it sees the account verified and changes nothing."""
    resident = f.user()
    db.session.commit()
    app = current_app._get_current_object()
    loaded, first_done, result = threading.Event(), threading.Event(), {}

    def second_request():
        with app.app_context():
            stale = db.session.get(type(resident), resident.id)  # unverified when read
            assert not stale.is_verified
            loaded.set()
            first_done.wait(10)
            result["verification"] = verification.verify(stale, LUIS, date(1990, 2, 15))
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=second_request)
    thread.start()
    loaded.wait(10)
    verification.verify(resident, ANA, date(1985, 1, 1))
    db.session.commit()
    first_done.set()
    thread.join()
    assert result["verification"].already
    db.session.expire_all()
    ana = db.session.scalar(
        select(Identity.id).where(Identity.document_hash == hashing.document_hash(ANA))
    )
    assert db.session.get(type(resident), resident.id).identity_id == ana
    assert identities() == 1  # LUIS was never tied to the account


def test_parallel_paper_ballots_of_one_person_in_two_districts_make_one(towns, is_postgres):
    """Under "one district of choice", two officers record the same new person's paper
    ballot in two district budgets at once: one is stored, the other refused."""
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    north, south = towns
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    process.vote_scope = VoteScope.ONE
    budgets_ = [f.budget(process, district_id=d.id) for d in (north, south)]
    officers = [f.user(Role.OFFICER) for _ in range(8)]
    verification.identity_for(verification.census_entry(ANA))  # known from an earlier booth visit
    db.session.commit()
    app = current_app._get_current_object()
    ids = {b.id: f.project_ids(b)[:1] for b in budgets_}

    def recorder(officer_id, budget_id):
        def record(wait) -> str:
            with app.app_context():
                officer = db.session.get(type(officers[0]), officer_id)
                budget = db.session.get(type(budgets_[0]), budget_id)
                wait()
                try:
                    officing.record_paper_ballot(officer, budget, ANA, ids[budget_id])
                    db.session.commit()
                    return "stored"
                except Exception as error:  # refused (409/403), or lost the unique race
                    db.session.rollback()
                    return type(error).__name__
                finally:
                    db.session.remove()

        return record

    statuses = run_together([recorder(o.id, budgets_[i % 2].id) for i, o in enumerate(officers)])
    assert statuses.count("stored") == 1, statuses
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
