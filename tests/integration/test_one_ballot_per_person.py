"""One ballot per person and budget across channels (online, booth), in every order of the
three events that can meet: an online vote, a paper ballot at a booth, and the account's
verification with the same person's document.

The rule: booths exist only in processes whose online vote asks for a verified residency
(a check constraint), so every online ballot there carries its person's identity and the
unique (budget, identity) pair decides. Ballots cast before this rule (data kept by the
migration) are reconciled when the account verifies: the paper ballot counts, the online
one is annulled and kept whole, and administrators see it in the action log.
"""

from datetime import date, timedelta
from itertools import permutations

import pytest
from flask import current_app
from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from participa.accounts.models import Role
from participa.audit.services import entries
from participa.budgets.ballots import ballot_item_rows
from participa.budgets.models import AnnulledBallot, Ballot, BallotItem
from participa.census import hashing, importing, verification
from participa.census.models import Identity
from participa.census.verification import VerificationRequired
from participa.db import utcnow
from participa.errors import Conflict, DomainError, Invalid
from participa.extensions import db
from participa.officing import services as officing
from participa.processes import services as processes
from participa.processes.models import District
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.conftest import need
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot
from tests.support.parallel import post_together

ANA = "GOMA850101MNLRRN09"
BORN = date(1985, 1, 1)


@pytest.fixture
def people(ctx):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(f"documento,fecha_nacimiento,distrito\n{ANA},1985-01-01,Centro\n")
    return f.user(), f.user(Role.OFFICER)


def ballots_of_person(budget, resident) -> list[Ballot]:
    """Every counted ballot on ``budget`` of the person behind ``resident`` (by account, or
    by the identity of ANA's document)."""
    identity = db.session.scalar(
        select(Identity.id).where(Identity.document_hash == hashing.document_hash(ANA))
    )
    match = Ballot.user_id == resident.id
    if identity is not None:
        match = or_(match, Ballot.identity_id == identity)
    return list(db.session.scalars(select(Ballot).where(Ballot.budget_id == budget.id, match)))


def counted(budget) -> int:
    run = results.request_tally(budget, rule="greedy")  # a preview: voting is open
    db.session.commit()
    return run_tally(run.id).ballots_counted


def test_booths_need_verified_online_voting_in_the_database(ctx):
    process = f.process(now_allows=("allows_vote",))
    db.session.commit()
    with pytest.raises(Invalid):
        processes.update_settings(
            process,
            f.admin(),
            vote_scope="all",
            verification_to_vote=False,
            verification_to_propose=False,
            in_person_voting=True,
        )
    db.session.rollback()
    process.in_person_voting = True  # around the service: the database refuses it too
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert not process.in_person_voting


def test_booths_refuse_ballots_in_a_process_without_them(people):
    _resident, officer = people
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        officing.record_paper_ballot(officer, budget, ANA, f.project_ids(budget)[:1])
    assert "no tiene votación en casilla" in refused.value.message
    assert budget not in officing.open_budgets()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


EVENTS = ("online", "booth", "verify")


@pytest.mark.parametrize("order", list(permutations(EVENTS)), ids="-".join)
def test_every_order_in_a_process_with_booths_leaves_one_ballot(people, order):
    resident, officer = people
    budget = f.budget(f.with_booths(f.process(now_allows=("allows_vote",))))
    db.session.commit()
    ids = f.project_ids(budget)
    refused = []
    for event in order:
        try:
            if event == "online":
                cast_ballot(budget, resident, ids[:2])
            elif event == "booth":
                officing.record_paper_ballot(officer, budget, ANA, [ids[3]])
            else:
                verification.verify(resident, ANA, BORN)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            refused.append((event, type(error)))
    (ballot,) = ballots_of_person(budget, resident)
    assert counted(budget) == 1
    if order.index("online") < order.index("verify"):  # an unverified account cannot vote
        assert ("online", VerificationRequired) in refused
    first = "booth" if order.index("booth") < order.index("online") else "online"
    if first == "booth" or ("online", VerificationRequired) in refused:
        assert ballot.channel == "booth"
    else:
        assert ballot.channel == "online" and ("booth", Conflict) in refused
    assert ballot.identity_id is not None  # the database's unique pair holds it
    assert db.session.scalar(select(func.count(AnnulledBallot.id))) == 0


# --- ballots from before booths required verification (kept by the migration) ------------


def legacy_paper_ballot(budget, officer, project_ids) -> Ballot:
    """A paper ballot of ANA recorded as the booth stored it when a process could have
    booths without verified online voting."""
    identity = verification.identity_for(verification.census_entry(ANA))
    ballot = Ballot(budget_id=budget.id, identity_id=identity.id, officer_id=officer.id)
    ballot.channel = "booth"
    db.session.add(ballot)
    db.session.flush()
    db.session.execute(insert(BallotItem), ballot_item_rows(budget, ballot.id, project_ids, None))
    db.session.commit()
    return ballot


@pytest.fixture
def legacy(people):
    """A process voting now whose online vote needs no verification, like those that had
    booths before the rule."""
    resident, officer = people
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    db.session.commit()
    return budget, resident, officer


@pytest.mark.parametrize("online_first", [True, False], ids=["online-booth", "booth-online"])
def test_verifying_after_voting_in_both_channels_keeps_the_paper_ballot(legacy, online_first):
    budget, resident, officer = legacy
    ids = f.project_ids(budget)
    if online_first:
        online = cast_ballot(budget, resident, ids[:2])
        db.session.commit()
        paper = legacy_paper_ballot(budget, officer, [ids[3]])
    else:
        paper = legacy_paper_ballot(budget, officer, [ids[3]])
        online = cast_ballot(budget, resident, ids[:2])
        db.session.commit()
    online_public_id, receipt, code = online.public_id, online.receipt_hash, online.receipt_code
    assert counted(budget) == 2  # the double vote the verification reveals

    result = verification.verify(resident, ANA, BORN)
    db.session.commit()

    assert [b.id for b in ballots_of_person(budget, resident)] == [paper.id]
    assert counted(budget) == 1
    (annulled,) = db.session.scalars(select(AnnulledBallot)).all()
    assert (annulled.public_id, annulled.receipt_hash, annulled.kept_ballot_id) == (
        online_public_id,
        receipt,
        paper.id,
    )
    assert [c["project_id"] for c in annulled.choices] == sorted(ids[:2])
    assert (annulled.user_id, annulled.reason) == (resident.id, "paper_ballot_counts")
    assert any("esa boleta es la que cuenta" in note for note in result.notes)
    (entry,) = entries(action="ballot.annulled")
    assert entry.after["kept_ballot"] == paper.public_id and not entry.public
    with pytest.raises(Conflict):  # and the account cannot vote online again
        cast_ballot(budget, resident, ids[:1])
    db.session.rollback()
    check = current_app.test_client().post("/comprobante", data={"code": code})
    assert 'data-status="annulled"' in check.text  # its receipt says it does not count


def test_verifying_after_voting_online_ties_the_ballot_to_the_person(legacy):
    budget, resident, officer = legacy
    ids = f.project_ids(budget)
    online = cast_ballot(budget, resident, ids[:2])
    db.session.commit()
    verification.verify(resident, ANA, BORN)
    db.session.commit()
    assert db.session.get(Ballot, online.id).identity_id == resident.identity_id
    with pytest.raises(IntegrityError):  # the database now refuses a second ballot
        legacy_paper_ballot(budget, officer, [ids[3]])
    db.session.rollback()
    assert counted(budget) == 1


def test_a_duplicate_found_after_voting_closed_changes_no_ballot(legacy):
    budget, resident, officer = legacy
    ids = f.project_ids(budget)
    online = cast_ballot(budget, resident, ids[:2])
    db.session.commit()
    paper = legacy_paper_ballot(budget, officer, [ids[3]])
    for phase in budget.process.phases:  # voting closes
        if phase.allows_vote:
            phase.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = verification.verify(resident, ANA, BORN)
    db.session.commit()
    assert {b.id for b in ballots_of_person(budget, resident)} == {online.id, paper.id}
    assert db.session.scalar(select(func.count(AnnulledBallot.id))) == 0
    (entry,) = entries(action="ballot.duplicate_after_close")
    assert entry.after["duplicate_ballot"] == online.public_id
    assert any("revisará" in note for note in result.notes)


def test_parallel_verification_attempts_stop_at_the_daily_limit(people, is_postgres):
    """Twenty wrong tries at once from one account: exactly the limit's worth are checked
    (and logged); the others are refused without looking at the census."""
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    resident, _officer = people
    db.session.commit()
    app = current_app._get_current_object()
    clients = []
    for _ in range(20):
        client = app.test_client()
        Auth(client).login(resident)
        clients.append(client)
    wrong = {"document": ANA, "birth_date": "1999-09-09"}
    statuses = post_together([(client, "/verificacion", wrong) for client in clients])
    db.session.expire_all()
    checked = entries(action="census.verify_failed")
    assert len(checked) == verification.MAX_FAILED_VERIFICATIONS
    assert statuses.count(403) == len(clients) - verification.MAX_FAILED_VERIFICATIONS


def test_administrators_see_the_annulled_ballot(legacy):
    budget, resident, officer = legacy
    ids = f.project_ids(budget)
    cast_ballot(budget, resident, ids[:2])
    db.session.commit()
    legacy_paper_ballot(budget, officer, [ids[3]])
    verification.verify(resident, ANA, BORN)
    db.session.commit()
    client = current_app.test_client()
    Auth(client).login(f.admin())
    page = client.get("/admin/padron").text
    table = page.split('data-testid="annulled-ballots"')[1].split("</table>")[0]
    assert budget.title in table and resident.email in table
