"""In-person voting: check-in against the census, paper ballots under the online rules,
one ballot per person across channels, and bulk entry that reports every rejected line."""

from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.services import entries
from participa.budgets.ballots import ballot_of
from participa.budgets.models import Ballot, BallotItem, BallotType
from participa.census import hashing, importing, verification
from participa.census.models import Identity
from participa.errors import Conflict, Invalid, NotAllowed
from participa.extensions import db
from participa.officing import services as officing
from participa.processes.models import District
from tests import factories as f
from tests.conftest import need
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot, selected_ids
from tests.support.parallel import post_together

ANA = "GOMA850101MNLRRN09"
LUIS = "PELU900215HNLRPS03"
ROSA = "RORS700330MNLSSS01"
EVA = "EVAX010101MNLXXX02"
THREADS = 12


@pytest.fixture
def booth(ctx):
    """A process open for voting that asks online voters to verify, a knapsack budget of
    1,000 with projects costing 400, 300, 300 and 200, an officer and a census of four."""
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(
        "documento,fecha_nacimiento,distrito\n"
        f"{ANA},1985-01-01,Centro\n{LUIS},1990-02-15,Centro\n"
        f"{ROSA},1970-03-30,Centro\n{EVA},2001-01-01,Centro\n"
    )
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    budget = f.budget(process)
    officer = f.user(Role.OFFICER)
    db.session.commit()
    return budget, officer


def ballots() -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).order_by(Ballot.id)))


def budget_app_client(user):
    client = current_app.test_client()
    Auth(client).login(user)
    return client


def verified_resident(document: str, born: date):
    resident = f.user()
    verification.verify(resident, document, born)
    return resident


def test_online_then_booth_is_refused(booth):
    budget, officer = booth
    resident = verified_resident(ANA, date(1985, 1, 1))
    cast_ballot(budget, resident, f.project_ids(budget)[:2])
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        officing.check_in(officer, budget, ANA)
    assert "en línea" in refused.value.message
    with pytest.raises(Conflict):
        officing.record_paper_ballot(
            officer, budget, "goma-850101-mnlrrn09", f.project_ids(budget)[:1]
        )
    db.session.rollback()
    (only,) = ballots()
    assert only.channel == "online"
    assert only.identity_id == resident.identity_id


def test_an_unverified_account_cannot_vote_online_where_booths_are_open(booth):
    """Booths need verified online voting, so every online ballot carries its person
    (every order of online vote, booth and verification: test_one_ballot_per_person)."""
    budget, _officer = booth
    with pytest.raises(verification.VerificationRequired):
        cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    db.session.rollback()
    assert ballots() == []


def test_booth_then_online_is_refused(booth):
    budget, officer = booth
    ids = f.project_ids(budget)
    paper = officing.record_paper_ballot(officer, budget, ANA, [ids[0], ids[3]])
    db.session.commit()
    resident = verified_resident(ANA, date(1985, 1, 1))  # verifies after voting in person
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        cast_ballot(budget, resident, ids[:2])
    assert refused.value.message == "Ya votaste en persona en este presupuesto."
    db.session.rollback()
    assert [b.id for b in ballots()] == [paper.id]


def test_booth_for_a_verified_account_then_online_keeps_the_paper_ballot(booth):
    budget, officer = booth
    ids = f.project_ids(budget)
    resident = verified_resident(LUIS, date(1990, 2, 15))
    db.session.commit()
    paper = officing.record_paper_ballot(officer, budget, LUIS, [ids[1]])
    db.session.commit()
    assert paper.user_id == resident.id  # the account sees that it voted
    assert ballot_of(budget, resident).id == paper.id
    with pytest.raises(Conflict):
        cast_ballot(budget, resident, [ids[0]])
    db.session.rollback()
    items = db.session.scalars(select(BallotItem.project_id)).all()
    assert items == [ids[1]]
    assert db.session.get(Ballot, paper.id).channel == "booth"


def test_a_paper_ballot_records_channel_identity_and_officer(booth):
    budget, officer = booth
    ids = f.project_ids(budget)
    paper = officing.record_paper_ballot(officer, budget, ROSA, [ids[0], ids[1]])
    online_voter = verified_resident(EVA, date(2001, 1, 1))
    online = cast_ballot(budget, online_voter, [ids[2]])
    db.session.commit()
    identity = db.session.scalar(
        select(Identity).where(Identity.document_hash == hashing.document_hash(ROSA))
    )
    assert (paper.channel, paper.identity_id, paper.officer_id) == (
        "booth",
        identity.id,
        officer.id,
    )
    assert paper.user_id is None
    assert selected_ids(paper) == sorted([ids[0], ids[1]])
    assert (online.channel, online.officer_id) == ("online", None)
    assert entries(action="officing.paper_ballot")[0].actor_id == officer.id


def test_booth_twice_and_unknown_documents_are_refused(booth):
    budget, officer = booth
    ids = f.project_ids(budget)
    officing.record_paper_ballot(officer, budget, ANA, [ids[0]])
    db.session.commit()
    with pytest.raises(Conflict) as twice:
        officing.record_paper_ballot(officer, budget, ANA, [ids[1]])
    assert "casilla" in twice.value.message
    with pytest.raises(NotAllowed) as unknown:
        officing.check_in(officer, budget, "NOES000000HNLXXX00")
    assert "padrón" in unknown.value.message
    db.session.rollback()
    assert len(ballots()) == 1


def test_a_lost_race_at_the_booth_makes_no_second_ballot(booth, monkeypatch):
    budget, officer = booth
    ids = f.project_ids(budget)
    officing.record_paper_ballot(officer, budget, ANA, [ids[0]])
    db.session.commit()
    monkeypatch.setattr(officing, "ballot_of_person", lambda *args: None)  # both saw none
    with pytest.raises(Conflict):
        officing.record_paper_ballot(officer, budget, ANA, [ids[1]])
    db.session.rollback()
    assert len(ballots()) == 1


def test_paper_ballots_follow_the_online_rules(booth):
    budget, officer = booth
    with pytest.raises(Invalid) as refused:
        officing.record_paper_ballot(officer, budget, ANA, f.project_ids(budget))  # 1,200
    assert "1,200" in refused.value.message
    db.session.rollback()
    assert ballots() == []


def test_only_officers_and_administrators_record_paper_ballots(booth):
    budget, _officer = booth
    with pytest.raises(NotAllowed):
        officing.record_paper_ballot(f.user(), budget, ANA, f.project_ids(budget)[:1])
    assert officing.record_paper_ballot(f.admin(), budget, ANA, f.project_ids(budget)[:1])


def test_closed_phase_is_refused(ctx):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(f"{ANA},1985-01-01,Centro\n")
    budget = f.budget(f.process(now_allows=("allows_propose",)))
    officer = f.user(Role.OFFICER)
    with pytest.raises(NotAllowed):
        officing.record_paper_ballot(officer, budget, ANA, f.project_ids(budget)[:1])
    with pytest.raises(NotAllowed):
        officing.bulk_paper_ballots(officer, budget, f"{ANA},{f.project_ids(budget)[0]}\n")
    assert ballots() == []


def test_bulk_reports_every_rejected_line_and_stores_the_good_ones(booth):
    budget, officer = booth
    p1, p2, p3, p4 = f.project_ids(budget)
    online_voter = verified_resident(EVA, date(2001, 1, 1))
    cast_ballot(budget, online_voter, [p1])
    db.session.commit()
    text = "\n".join(
        [
            "documento,proyectos",  # 1: header
            f"{ANA},{p1} {p4}",  # 2: good
            f"{LUIS},{p1};dos",  # 3: not a project number
            f"NOES000000HNLXXX00,{p2}",  # 4: not in the census
            f"{ROSA},{p1} {p2} {p3} {p4}",  # 5: over budget
            f"goma 850101 mnlrrn09,{p2}",  # 6: line 2's person again
            f"{EVA},{p2}",  # 7: voted online
            "",  # 8: blank, not a ballot
            f"{ROSA},",  # 9: no projects
            f",{p1}",  # 10: no document
            f"{ROSA},{p2} 999999",  # 11: a project of no budget
            f"{LUIS},{p2},3",  # 12: points on an approval ballot
            f"{ROSA},{p2};{p3}",  # 13: good (fixes line 5)
        ]
    )
    result = officing.bulk_paper_ballots(officer, budget, text)
    db.session.commit()
    assert result.accepted == 2
    reasons = dict(result.rejected)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 9, 10, 11, 12]
    assert "«dos»" in reasons[3]
    assert "padrón" in reasons[4]
    assert "1,200" in reasons[5]
    assert "línea 2" in reasons[6]
    assert "en línea" in reasons[7]
    assert "proyectos" in reasons[9]
    assert "documento" in reasons[10]
    assert "no están en este presupuesto" in reasons[11]
    assert "puntos" in reasons[12]
    booth_ballots = [b for b in ballots() if b.channel == "booth"]
    assert len(booth_ballots) == 2
    assert {b.officer_id for b in booth_ballots} == {officer.id}
    assert sorted(selected_ids(b) for b in booth_ballots) == [[p1, p4], [p2, p3]]
    (logged,) = entries(action="officing.bulk_paper_ballots")
    assert logged.after["accepted"] == 2 and logged.after["rejected"] == sorted(reasons)


def test_bulk_with_points_and_ranks(booth):
    budget, officer = booth
    process = budget.process
    points = f.budget(process, ballot_type=BallotType.CUMULATIVE, max_total_points=5)
    ranked = f.budget(process, ballot_type=BallotType.ORDINAL, max_projects=2)
    q1, q2, _q3, _q4 = f.project_ids(points)
    r1, r2, r3, _r4 = f.project_ids(ranked)
    result = officing.bulk_paper_ballots(
        officer,
        points,
        f"{ANA},{q1} {q2},3 2\n{LUIS},{q1} {q2},3\n{ROSA},{q1},9\n{EVA},{q1} {q2}\n",
    )
    assert result.accepted == 1
    assert [line for line, _reason in result.rejected] == [2, 3, 4]
    ranked_result = officing.bulk_paper_ballots(
        officer, ranked, f"{ANA},{r3} {r1}\n{LUIS},{r1} {r2} {r3}\n"
    )
    db.session.commit()
    assert ranked_result.accepted == 1 and ranked_result.rejected[0][0] == 2
    items = db.session.scalars(
        select(BallotItem).where(BallotItem.budget_id == ranked.id).order_by(BallotItem.rank)
    ).all()
    assert [(i.project_id, i.rank) for i in items] == [(r3, 1), (r1, 2)]
    points_items = db.session.scalars(
        select(BallotItem).where(BallotItem.budget_id == points.id).order_by(BallotItem.points)
    ).all()
    assert [(i.project_id, i.points) for i in points_items] == [(q2, 2), (q1, 3)]


def test_an_empty_bulk_is_refused(booth):
    budget, officer = booth
    with pytest.raises(Invalid):
        officing.bulk_paper_ballots(officer, budget, "documento,proyectos\n\n")
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_parallel_booth_and_online_ballots_of_one_person_make_one_ballot(booth, is_postgres):
    """Half the requests record the person's paper ballot, half confirm their online one,
    all at once: whichever channel stores first wins, the other channel is refused."""
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    budget, officer = booth
    resident = verified_resident(ANA, date(1985, 1, 1))
    db.session.commit()
    ids = [str(i) for i in f.project_ids(budget)]
    online_url = f"/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    jobs = []
    for n in range(THREADS):
        if n % 2:
            url, data = f"/casilla/{budget.id}/boleta", {"document": ANA, "project": ids[:1]}
            jobs.append(("booth", budget_app_client(officer), url, data))
        else:
            jobs.append(("online", budget_app_client(resident), online_url, {"project": ids[1:2]}))
    answers = post_together([(client, url, data) for _channel, client, url, data in jobs])
    statuses: dict[str, list[int]] = {"booth": [], "online": []}
    for (channel, *_request), status in zip(jobs, answers, strict=True):
        statuses[channel].append(status)

    db.session.expire_all()
    (ballot,) = ballots()
    assert ballot.user_id == resident.id and ballot.identity_id == resident.identity_id
    half = THREADS // 2
    if ballot.channel == "booth":  # one paper ballot; every other request refused
        assert sorted(statuses["booth"]) == [303] + [409] * (half - 1)
        assert statuses["online"] == [409] * half
    else:  # online won: the resident may replace their own ballot; no paper ballot
        assert statuses["booth"] == [409] * half
        assert statuses["online"] == [303] * half
