"""The public receipt check: a receipt code tells whether its ballot was stored and counted,
and nothing else: never what it holds (a vote buyer holding the code learns nothing of the
vote). Only the signed-in voter who cast the ballot sees its choices, on the budget page."""

from sqlalchemy import select

from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.budgets.receipts import receipt_hash
from participa.extensions import db
from participa.opendata import services as opendata
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot
from tests.support.opendata import folder_of, read_csv, shift_phases


def voted(process_allows=("allows_vote",)):
    process = f.process(now_allows=process_allows)
    budget = f.budget(process, amount=1000, costs=(600, 500, 300, 200))
    p1, p2, p3, _p4 = f.projects(budget)
    ballot = cast_ballot(budget, f.user(), [p2.id, p3.id])
    code = ballot.receipt_code
    cast_ballot(budget, f.user(), [p1.id])
    db.session.commit()
    return process, budget, code, (p1, p2, p3)


def check(client, code):
    response = client.post("/comprobante", data={"code": code})
    assert response.status_code == 200
    return response.text


def test_receipt_page_offers_a_form(client):
    response = client.get("/comprobante")
    assert response.status_code == 200
    assert 'name="code"' in response.text and "Comprobar" in response.text


def test_unknown_code_says_so(client):
    voted()
    page = check(client, "AAAA-BBBB-CCCC")
    assert 'data-status="not_found"' in page
    assert "No encontramos ninguna boleta" in page


def test_recorded_ballot_before_results_reveals_nothing_else(client):
    _process, budget, code, (_p1, p2, p3) = voted()
    page = check(client, code)
    assert 'data-status="recorded"' in page
    assert "Tu boleta está registrada" in page and budget.title in page
    assert p2.title not in page and p3.title not in page


def counted(voted_process):
    """Close the vote of ``voted()``'s process and publish its official tally."""
    process, budget, code, projects = voted_process
    shift_phases(process, 15)
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    return process, budget, code, projects


def test_counted_ballot_says_counted_and_never_what_it_holds(client):
    _process, budget, code, (p1, p2, p3) = counted(voted())
    # lower case, spaces instead of dashes: the code is normalised
    page = check(client, " " + code.lower().replace("-", " ") + " ")
    assert 'data-status="counted"' in page
    assert "Tu boleta se contó" in page and budget.title in page
    for project in (p1, p2, p3):  # neither the choices nor what was left out
        assert project.title not in page
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipt_hash(code)))
    # nor anything that finds the ballot's row (and its choices) in the published ballots
    assert ballot.public_id not in page and ballot.receipt_hash not in page
    assert 'data-testid="receipt-projects"' not in page
    assert 'data-testid="own-ballot-link"' not in page


def test_the_published_data_tell_a_code_holder_no_more(ctx):
    """Whoever holds a code can hash it, as the open data invite; the hash is among the
    counted receipts, and in no file beside a ballot's choices."""
    process, budget, code, _projects = counted(voted())
    folder = folder_of(opendata.publish(process, "manual"))
    db.session.commit()
    digest = receipt_hash(code)
    holding = sorted(p.name for p in folder.iterdir() if digest in p.read_text(encoding="utf-8"))
    assert holding == ["comprobantes.csv", "comprobantes.json"]
    receipts = read_csv(folder, "comprobantes.csv")
    assert list(receipts[0]) == ["budget_id", "receipt_hash"]  # no ballot id, no day
    assert [r["receipt_hash"] for r in receipts] == sorted(r["receipt_hash"] for r in receipts)
    assert len(receipts) == len(read_csv(folder, "boletas.csv")) == 2
    assert str(budget.id) == receipts[0]["budget_id"]


def test_only_the_signed_in_voter_who_cast_it_is_led_to_its_choices(client, auth, app):
    process, budget, code, (_p1, p2, _p3) = counted(voted())
    owner = db.session.get(
        User,
        db.session.scalar(select(Ballot.user_id).where(Ballot.receipt_hash == receipt_hash(code))),
    )
    auth.login(f.user())  # someone else, signed in, holding the code: counted, no more
    page = check(client, code)
    assert 'data-status="counted"' in page and 'data-testid="own-ballot-link"' not in page
    assert p2.title not in page
    owners = app.test_client()
    Auth(owners).login(owner)
    page = check(owners, code)
    assert 'data-status="counted"' in page and 'data-testid="own-ballot-link"' in page
    assert p2.title not in page  # the check itself still lists nothing
    own = owners.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/").text
    assert own.count('data-testid="chosen-note"') == 2  # the owner's page: their two choices


def test_old_code_after_a_changed_vote_is_not_found(client):
    _process, budget, code, (p1, _p2, _p3) = voted()
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipt_hash(code)))
    cast_ballot(budget, db.session.get(User, ballot.user_id), [p1.id])
    db.session.commit()
    assert 'data-status="not_found"' in check(client, code)


def test_empty_code_is_an_error(client):
    response = client.post("/comprobante", data={"code": ""})
    assert response.status_code == 200
    assert "data-status" not in response.text
    assert "error-summary" in response.text
