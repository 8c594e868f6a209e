"""The census: import with line-numbered errors, hashes only, verification, one identity
per document, and the verification a process can ask for to vote or propose."""

from datetime import date

import pytest
from sqlalchemy import func, select

from participa.accounts.models import User
from participa.audit.services import entries
from participa.categories.defaults import DEFAULT_CATEGORIES
from participa.census import hashing, importing, verification
from participa.census.models import CensusEntry, Identity, IdentityConflict
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import District
from participa.proposals import services as proposals
from tests import factories as f
from tests.support.ballots import cast_ballot

ANA = "GOMA850101MNLRRN09"
LUIS = "PELU900215HNLRPS03"
ROSA = "RORS700330MNLSSS01"


def districts(*names: str) -> dict[str, District]:
    made = {name: District(name=name) for name in names}
    db.session.add_all(made.values())
    db.session.flush()
    return made


def census_csv(*lines: str) -> str:
    return "\n".join(["documento,fecha_nacimiento,distrito", *lines]) + "\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(ctx):
    districts("Centro", "Norte")
    text = census_csv(
        f"{ANA},1985-01-01,Centro",  # line 2: good
        f"{LUIS},,Norte",  # 3: birth date missing
        f"{ROSA},1970-13-30,Centro",  # 4: no 13th month
        "XXXX000000HNLXXX00,1999-05-05,Atlántida",  # 5: unknown district
        "goma-850101 mnlrrn09,1985-01-01,Norte",  # 6: line 2's document, written otherwise
        "",  # blank lines are not rows
        "ABC,1980-01-01,Centro",  # 8: too short to be a document
        "AAAA111111HNLAAA01,01/02/1980,Centro,extra",  # 9: too many columns
    )
    with pytest.raises(importing.CensusErrors) as refused:
        importing.import_census(text)
    rows = dict(refused.value.rows)
    assert sorted(rows) == [3, 4, 5, 6, 8, 9]
    assert "fecha_nacimiento" in rows[3]
    assert "1970-13-30" in rows[4]
    assert "Atlántida" in rows[5]
    assert "línea 2" in rows[6]
    assert "documento" in rows[8]
    assert "columnas" in rows[9]
    assert refused.value.details[0].startswith("Línea 3:")
    db.session.rollback()
    assert count(CensusEntry) == 0


def test_import_then_reimport_updates_the_district(ctx):
    d = districts("Centro", "Norte")
    first = importing.import_census(
        census_csv(f"{ANA},1985-01-01,centro", f"{LUIS},1990-02-15,Norte"), actor=f.admin()
    )
    assert (first.rows, first.added, first.updated) == (2, 2, 0)
    resident = f.user()
    verification.verify(resident, ANA, date(1985, 1, 1))
    assert resident.district_id == d["Centro"].id
    db.session.commit()

    # semicolons, no header, the same person written with spaces and hyphens, moved north
    again = importing.import_census("GOMA-850101 MNLRRN09;1985-01-01;Norte\n")
    db.session.commit()
    assert (again.rows, again.added, again.updated, again.identities_moved) == (1, 0, 1, 1)
    assert count(CensusEntry) == 2
    entry = db.session.scalar(
        select(CensusEntry).where(CensusEntry.document_hash == hashing.document_hash(ANA))
    )
    assert entry.district_id == d["Norte"].id
    db.session.refresh(resident)
    assert resident.district_id == d["Norte"].id
    unchanged = importing.import_census(census_csv(f"{LUIS},1990-02-15,Norte"))
    assert (unchanged.added, unchanged.updated) == (0, 0)


def test_import_is_logged_for_administrators(ctx):
    districts("Centro")
    admin = f.admin()
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"), actor=admin)
    db.session.commit()
    (entry,) = entries(action="census.import")
    assert entry.actor_id == admin.id
    assert entry.after["added"] == 1


def test_an_empty_file_is_refused(ctx):
    with pytest.raises(Invalid):
        importing.import_census("documento,fecha_nacimiento,distrito\n\n")
    with pytest.raises(importing.CensusErrors) as refused:
        importing.import_census("documento,distrito\nX,Y\n")
    assert refused.value.rows[0][0] == 1


def test_verification_links_the_identity_and_sets_the_district(ctx):
    d = districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    resident = f.user()
    wrong_date = verification.verify(resident, ANA, date(1985, 1, 2)).refused
    not_there = verification.verify(resident, LUIS, date(1990, 2, 15)).refused
    assert isinstance(wrong_date, Invalid) and isinstance(not_there, Invalid)
    assert not resident.is_verified
    result = verification.verify(resident, " goma850101mnlrrn09 ", date(1985, 1, 1))
    db.session.commit()
    assert resident.is_verified
    assert result.district.id == d["Centro"].id
    assert resident.district_id == d["Centro"].id
    identity = db.session.get(Identity, resident.identity_id)
    assert identity.document_hash == hashing.document_hash(ANA)
    again = verification.verify(resident, LUIS, date(1990, 2, 15))  # already verified: nothing
    assert again.already
    assert again.identity.id == identity.id
    assert count(Identity) == 1


def test_a_second_account_with_the_same_document_is_refused_and_recorded(ctx):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    first, second = f.user(), f.user()
    verification.verify(first, ANA, date(1985, 1, 1))
    db.session.commit()
    refused = verification.verify(second, ANA, date(1985, 1, 1)).refused
    assert isinstance(refused, verification.IdentityTaken)
    assert refused.status_code == 409
    db.session.commit()  # as the view does: the conflict is kept
    assert not db.session.get(User, second.id).is_verified
    conflict = db.session.scalar(select(IdentityConflict))
    assert conflict.user_id == second.id
    assert conflict.identity_id == first.identity_id
    (row,) = verification.identity_conflicts()
    assert row.holder.id == first.id
    assert isinstance(
        verification.verify(second, ANA, date(1985, 1, 1)).refused, verification.IdentityTaken
    )  # trying again records nothing new
    db.session.commit()
    assert count(IdentityConflict) == 1


def test_a_lost_race_for_the_same_document_is_refused_by_the_database(ctx, monkeypatch):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    first, second = f.user(), f.user()
    verification.verify(first, ANA, date(1985, 1, 1))
    db.session.commit()
    monkeypatch.setattr(verification, "account_of", lambda identity: None)  # both saw it free
    assert isinstance(
        verification.verify(second, ANA, date(1985, 1, 1)).refused, verification.IdentityTaken
    )
    db.session.commit()
    assert db.session.get(User, second.id).identity_id is None
    assert count(IdentityConflict) == 1


def test_only_salted_hashes_are_stored(ctx):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"), actor=f.admin())
    db.session.commit()
    with pytest.raises(importing.CensusErrors):  # a refused file leaves nothing either
        importing.import_census(census_csv(f"{LUIS},1990-02-15,Nowhere"))
    db.session.rollback()
    second = f.user()
    verification.verify(f.user(), ANA, date(1985, 1, 1))
    assert isinstance(
        verification.verify(second, ANA, date(1985, 1, 1)).refused, verification.IdentityTaken
    )
    db.session.commit()
    secrets = {ANA, ANA.lower(), "1985-01-01", "19850101", LUIS}
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            for value in row:
                text = str(value)
                assert not any(secret in text for secret in secrets), (table.name, text)
    entry = db.session.scalar(select(CensusEntry))
    assert len(entry.document_hash) == 64 and len(entry.check_hash) == 64


def test_hashes_depend_on_the_salt(ctx):
    plain = hashing.document_hash(ANA)
    assert hashing.document_hash("goma 850101-mnlrrn09") == plain
    ctx.config["CENSUS_SALT"] = "otra-sal"
    try:
        assert hashing.document_hash(ANA) != plain
    finally:
        ctx.config["CENSUS_SALT"] = None


def test_a_process_can_ask_for_verification_to_vote(ctx):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    process = f.process(now_allows=("allows_vote",))
    process.verification_to_vote = True
    budget = f.budget(process)
    resident = f.user()
    with pytest.raises(NotAllowed) as refused:
        cast_ballot(budget, resident, f.project_ids(budget)[:1])
    assert "verifica tu residencia" in refused.value.message
    assert isinstance(refused.value, verification.VerificationRequired)
    verification.verify(resident, ANA, date(1985, 1, 1))
    ballot = cast_ballot(budget, resident, f.project_ids(budget)[:1])
    assert ballot.identity_id == resident.identity_id
    assert ballot.channel == "online"


def test_an_unverified_ballot_gets_the_identity_once_verified(ctx):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    budget = f.budget(f.process(now_allows=("allows_vote",)))  # no verification asked
    resident = f.user()
    ballot = cast_ballot(budget, resident, f.project_ids(budget)[:1])
    assert ballot.identity_id is None
    verification.verify(resident, ANA, date(1985, 1, 1))
    ballot = cast_ballot(budget, resident, f.project_ids(budget)[1:2])
    assert ballot.identity_id == resident.identity_id


def test_a_process_can_ask_for_verification_to_propose(ctx):
    districts("Centro")
    importing.import_census(census_csv(f"{ANA},1985-01-01,Centro"))
    process = f.process(now_allows=("allows_propose",))
    process.verification_to_propose = True
    author = f.user()
    fields = {
        "title": "Luminarias en la plaza",
        "body": "Poner luz en la plaza del centro.",
        "category": DEFAULT_CATEGORIES[0][0],
        "district_id": None,
        "cost_estimate": None,
    }
    with pytest.raises(NotAllowed) as refused:
        proposals.create_proposal(process, author, **fields)
    assert "propuestas" in refused.value.message
    verification.verify(author, ANA, date(1985, 1, 1))
    assert proposals.create_proposal(process, author, **fields).id


def test_verification_attempts_are_limited_and_logged(ctx):
    from participa.audit.models import ActionLog

    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census("documento,fecha_nacimiento,distrito\nLIMIT0001,1980-05-05,Centro\n")
    guesser = f.user()
    for day in range(1, verification.MAX_FAILED_VERIFICATIONS + 1):
        assert isinstance(
            verification.verify(guesser, "LIMIT0001", date(1980, 5, day + 5)).refused,
            verification.VerificationFailed,
        )
    with pytest.raises(NotAllowed):  # even the right date is refused now
        verification.verify(guesser, "LIMIT0001", date(1980, 5, 5))
    assert guesser.identity_id is None
    logged = db.session.scalars(
        select(ActionLog).where(ActionLog.action == "census.verify_failed")
    ).all()
    assert len(logged) == verification.MAX_FAILED_VERIFICATIONS
    assert all("LIMIT0001" not in str(entry.after) for entry in logged)
