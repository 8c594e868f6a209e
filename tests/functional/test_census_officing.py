"""The census, verification and booth pages, with the test client."""

import io

from sqlalchemy import func, select

from participa.accounts.models import Role, User
from participa.budgets.models import Ballot
from participa.census.models import CensusEntry, IdentityConflict
from participa.extensions import db
from participa.processes.models import District
from tests import factories as f
from tests.support.census import ANA, LUIS, setup_census


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_pages_refuse_residents_and_send_anonymous_to_login(client, auth):
    resident = f.user()
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    db.session.commit()
    for path in (
        "/casilla",
        f"/casilla/{budget.id}",
        f"/casilla/{budget.id}/lote",
        "/admin/padron",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/entrar" in response.headers["Location"], path
    assert client.get("/verificacion").status_code == 302
    auth.login(resident)
    for path in (
        "/casilla",
        f"/casilla/{budget.id}",
        f"/casilla/{budget.id}/lote",
        "/admin/padron",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/casilla/{budget.id}/boleta", data={"document": ANA}).status_code == 403
    assert (
        client.post("/admin/padron", data={"text": f"{ANA},1985-01-01,Centro"}).status_code == 403
    )
    assert count(CensusEntry) == 0


def test_admin_uploads_the_census_and_sees_errors_by_line(client, auth):
    db.session.add(District(name="Centro"))
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    assert client.get("/admin/padron").status_code == 200
    bad = f"documento,fecha_nacimiento,distrito\n{ANA},1985-01-01,Centro\n{LUIS},15/02/1990,Sur\n"
    response = client.post(
        "/admin/padron",
        data={"file": (io.BytesIO(bad.encode()), "padron.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'data-testid="census-error-row"' in response.text
    assert "15/02/1990" in response.text and "Sur" in response.text
    assert count(CensusEntry) == 0
    good = f"documento,fecha_nacimiento,distrito\n{ANA},1985-01-01,Centro\n"
    response = client.post(
        "/admin/padron",
        data={"file": (io.BytesIO(good.encode("utf-8-sig")), "padron.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert count(CensusEntry) == 1
    response = client.post("/admin/padron", data={"text": f"{LUIS},1990-02-15,Centro"})
    assert response.status_code == 303
    page = client.get("/admin/padron")
    assert "El padrón tiene 2 personas" in page.text
    assert ANA not in page.text
    assert client.post("/admin/padron", data={}).status_code == 422


def test_resident_verifies_once_and_a_second_account_is_shown_to_admins(client, auth):
    setup_census()
    first, second, admin = f.user(), f.user(), f.admin()
    db.session.commit()
    auth.login(first)
    assert 'data-testid="verify-form"' in client.get("/verificacion").text
    wrong = client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-02"})
    assert wrong.status_code == 422
    assert client.post("/verificacion", data={"document": "", "birth_date": ""}).status_code == 422
    response = client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert response.status_code == 303
    page = client.get("/verificacion")
    assert 'data-testid="verified"' in page.text and "Centro" in page.text
    client.post("/salir")

    auth.login(second)
    taken = client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert taken.status_code == 409
    assert "otra cuenta" in taken.text
    assert count(IdentityConflict) == 1
    assert db.session.get(User, second.id).identity_id is None
    client.post("/salir")

    auth.login(admin)
    page = client.get("/admin/padron")
    conflicts = page.text.split('data-testid="identity-conflicts"')[1]
    assert second.email in conflicts and first.email in conflicts


def test_unverified_resident_cannot_vote_where_verification_is_asked(client, auth):
    setup_census()
    process = f.process(now_allows=("allows_vote",))
    process.verification_to_vote = True
    budget = f.budget(process)
    resident = f.user()
    db.session.commit()
    auth.login(resident)
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    pid = str(f.project_ids(budget)[0])
    response = client.post(url, data={"project": pid})
    assert response.status_code == 403
    assert "verifica tu residencia" in response.text
    client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert client.post(url, data={"project": pid}).status_code == 303


def test_officer_checks_in_and_records_a_paper_ballot(client, auth):
    setup_census()
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    budget = f.budget(process)
    officer = f.user(Role.OFFICER)
    db.session.commit()
    auth.login(officer)
    index = client.get("/casilla")
    assert f"/casilla/{budget.id}" in index.text
    page = client.get(f"/casilla/{budget.id}")
    assert 'data-testid="check-in-form"' in page.text
    unknown = client.post(f"/casilla/{budget.id}", data={"document": "NOES000000HNLXXX00"})
    assert unknown.status_code == 403 and "padrón" in unknown.text
    checked = client.post(f"/casilla/{budget.id}", data={"document": ANA})
    assert checked.status_code == 200
    assert 'data-testid="paper-ballot-form"' in checked.text
    assert f'value="{ANA}"' in checked.text

    ids = [str(i) for i in f.project_ids(budget)]
    over = client.post(f"/casilla/{budget.id}/boleta", data={"document": ANA, "project": ids})
    assert over.status_code == 422
    assert 'data-testid="ballot-error"' in over.text
    assert f'value="{ids[0]}" checked' in over.text  # the capture is kept to be fixed
    assert count(Ballot) == 0
    done = client.post(f"/casilla/{budget.id}/boleta", data={"document": ANA, "project": ids[:2]})
    assert done.status_code == 303
    (ballot,) = db.session.scalars(select(Ballot)).all()
    assert (ballot.channel, ballot.officer_id) == ("booth", officer.id)
    again = client.post(f"/casilla/{budget.id}", data={"document": ANA})
    assert again.status_code == 409 and "ya votó" in again.text
    twice = client.post(f"/casilla/{budget.id}/boleta", data={"document": ANA, "project": ids[:1]})
    assert twice.status_code == 409
    assert 'data-testid="check-in-error"' in twice.text
    assert count(Ballot) == 1


def test_officer_enters_a_bulk_of_paper_ballots(client, auth):
    setup_census()
    budget = f.budget(f.with_booths(f.process(now_allows=("allows_vote",))))
    officer = f.user(Role.OFFICER)
    db.session.commit()
    auth.login(officer)
    p1, p2, _p3, _p4 = f.project_ids(budget)
    assert 'data-testid="bulk-form"' in client.get(f"/casilla/{budget.id}/lote").text
    text = f"documento,proyectos\n{ANA},{p1} {p2}\nNOES000000HNLXXX00,{p1}\n{LUIS},x\n"
    response = client.post(f"/casilla/{budget.id}/lote", data={"text": text})
    assert response.status_code == 200
    rejected = response.text.split('data-testid="bulk-rejected"')[1]
    assert rejected.count('data-testid="bulk-rejected-row"') == 2
    assert ">3</th>" in rejected and ">4</th>" in rejected
    assert count(Ballot) == 1
    none = client.post(f"/casilla/{budget.id}/lote", data={"text": f"{ANA},{p1}\n"})
    assert none.status_code == 422 and "ya votó" in none.text
    assert count(Ballot) == 1


def test_booth_pages_when_voting_is_closed(client, auth):
    setup_census()
    budget = f.budget(f.with_booths(f.process(now_allows=("allows_propose",))))
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    assert f"/casilla/{budget.id}" not in client.get("/casilla").text
    page = client.get(f"/casilla/{budget.id}")
    assert 'data-testid="voting-closed"' in page.text
    pid = str(f.project_ids(budget)[0])
    refused = client.post(f"/casilla/{budget.id}/boleta", data={"document": ANA, "project": pid})
    assert refused.status_code == 403
    bulk = client.post(f"/casilla/{budget.id}/lote", data={"text": f"{ANA},{pid}"})
    assert bulk.status_code == 403
    assert count(Ballot) == 0
