"""A resident's path through the web pages, with the test client."""

import csv
import io
from datetime import timedelta

from sqlalchemy import delete, func, select

from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals.models import Proposal, Support
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f


def register(client, email="ana@example.org"):
    return client.post(
        "/registro",
        data={
            "name": "Ana López",
            "email": email,
            "district_id": 0,
            "password": "una-clave-larga",
            "confirm": "una-clave-larga",
            "accept_legal": "y",
        },
    )


def test_register_login_logout(client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/registro/revisa-tu-correo"
    assert (
        db.session.scalar(select(User).where(User.email == "ana@example.org")).name == "Ana López"
    )
    assert "Revisa tu correo" in client.get(response.headers["Location"]).text
    page = client.get("/verificacion")  # a new account is not signed in by registering
    assert page.status_code == 302 and "/entrar" in page.headers["Location"]
    good = client.post("/entrar", data={"email": "ANA@example.org", "password": "una-clave-larga"})
    assert good.status_code == 302
    assert client.get("/verificacion").status_code == 200
    assert client.post("/salir").status_code == 302
    bad = client.post("/entrar", data={"email": "ana@example.org", "password": "otra-cosa-xx"})
    assert "Correo o contraseña incorrectos" in bad.text


def visible(response) -> str:
    """The answer as the browser sees it, the registered address aside."""
    return response.text.replace("ana@example.org", "EMAIL").replace("luis@example.org", "EMAIL")


def test_registration_answers_the_same_for_a_registered_email(ctx):
    """Nobody learns from the registration page which addresses have an account: the
    owner of a registered one is told by e-mail instead, and the account is untouched."""
    register(ctx.test_client(), email="ana@example.org")
    ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    ana_hash = ana.password_hash
    db.session.execute(delete(Notification))
    db.session.commit()
    answers = {}
    for email in ("luis@example.org", "Ana@Example.org"):
        client = ctx.test_client()  # each from a browser of its own
        response = register(client, email=email)
        landing = client.get(response.headers["Location"])
        answers[email] = (response.status_code, response.headers["Location"], visible(landing))
    assert answers["luis@example.org"] == answers["Ana@Example.org"]
    assert answers["luis@example.org"][0] == 302
    assert db.session.scalar(select(func.count(User.id))) == 2  # no second Ana
    db.session.expire_all()
    assert db.session.get(User, ana.id).password_hash == ana_hash
    assert db.session.get(User, ana.id).name == "Ana López"
    notes = {n.user_id: n for n in db.session.scalars(select(Notification))}
    luis = db.session.scalar(select(User).where(User.email == "luis@example.org"))
    assert set(notes) == {ana.id, luis.id}  # each address gets an e-mail
    assert notes[ana.id].kind == "registration_attempt"
    assert "intentó crear una cuenta" in notes[ana.id].body
    assert notes[luis.id].kind == "email_confirmation"
    assert all(n.sent_at is not None for n in notes.values())  # sent after the commit


def test_registration_hashes_a_password_for_a_registered_email_too(client, monkeypatch):
    from participa.accounts import services

    register(client, email="ana@example.org")
    hashed = []
    original = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda p: hashed.append(p) or original(p))
    monkeypatch.setattr(
        "participa.accounts.models.hash_password", lambda p: hashed.append(p) or original(p)
    )
    register(client, email="luis@example.org")
    register(client, email="ana@example.org")
    assert hashed == ["una-clave-larga", "una-clave-larga"]  # the same work both times


def test_login_next_never_leaves_the_site(client):
    user = f.user()
    db.session.commit()
    response = client.post(
        "/entrar?next=https://evil.example/x", data={"email": user.email, "password": f.PASSWORD}
    )
    assert response.headers["Location"] == "/"
    response = client.post("/salir")
    response = client.post(
        "/entrar?next=//evil.example", data={"email": user.email, "password": f.PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_propose_support_and_withdraw(client, auth):
    process = f.process(now_allows=("allows_propose", "allows_support"))
    author, fan = f.user(), f.user()
    db.session.commit()
    auth.login(author)
    response = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={
            "title": "Bancas y sombra en la plaza",
            "category": "espacio-publico",
            "district_id": 0,
            "body": "Poner bancas, árboles y una pérgola para que la plaza tenga sombra en verano.",
            "cost_estimate": "150000",
        },
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.title, proposal.cost_estimate, proposal.author_id) == (
        "Bancas y sombra en la plaza",
        150000,
        author.id,
    )

    listing = client.get(f"/procesos/{process.slug}/propuestas/?q=bancas")
    assert "Bancas y sombra en la plaza" in listing.text
    assert "Bancas" not in client.get(f"/procesos/{process.slug}/propuestas/?q=zzz").text

    client.post("/salir")
    auth.login(fan)
    support_url = f"/procesos/{process.slug}/propuestas/{proposal.id}/apoyar"
    assert client.post(support_url).status_code == 303
    assert client.post(support_url).status_code == 303
    assert db.session.scalar(select(func.count(Support.id))) == 1
    refused = client.post(
        f"/procesos/{process.slug}/propuestas/{proposal.id}/retirar", data={"confirmado": "1"}
    )
    assert refused.status_code == 403
    client.post("/salir")
    auth.login(author)
    client.post(
        f"/procesos/{process.slug}/propuestas/{proposal.id}/retirar", data={"confirmado": "1"}
    )
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "withdrawn"


def test_short_proposal_is_refused_with_the_form_errors(client, auth):
    process = f.process(now_allows=("allows_propose",))
    author = f.user()
    db.session.commit()
    auth.login(author)
    response = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={
            "title": "Corto",
            "category": "espacio-publico",
            "body": "breve",
            "district_id": 0,
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_proposal_list_paginates_and_filters(client):
    process = f.process(now_allows=("allows_propose",))
    author = f.user()
    for i in range(15):
        db.session.add(
            Proposal(
                process_id=process.id,
                author_id=author.id,
                title=f"Propuesta número {i:02d}",
                body="x" * 40,
                category="cultura" if i % 2 else "deporte",
            )
        )
    db.session.commit()
    first = client.get(f"/procesos/{process.slug}/propuestas/?orden=titulo")
    assert "Propuesta número 00" in first.text and "Propuesta número 14" not in first.text
    second = client.get(f"/procesos/{process.slug}/propuestas/?orden=titulo&page=2")
    assert "Propuesta número 14" in second.text
    culture = client.get(f"/procesos/{process.slug}/propuestas/?categoria=cultura")
    assert "Propuesta número 01" in culture.text and "Propuesta número 00" not in culture.text


def test_vote_review_confirm_change_and_results_csv(client, auth):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    voter = f.user()
    db.session.commit()
    p1, p2, p3, p4 = f.project_ids(budget)
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    auth.login(voter)
    assert client.get(f"{base}/boleta").status_code == 200

    over = client.post(f"{base}/boleta/revisar", data={"project": [p1, p2, p3, p4]})
    assert over.status_code == 422 and "presupuesto es de" in over.text
    review = client.post(f"{base}/boleta/revisar", data={"project": [p1, p2]})
    assert review.status_code == 200 and "Confirmar mi voto" in review.text
    assert db.session.scalar(select(func.count(Ballot.id))) == 0  # reviewing stores nothing

    assert client.post(f"{base}/boleta/confirmar", data={"project": [p1, p2]}).status_code == 303
    assert client.post(f"{base}/boleta/confirmar", data={"project": [p3]}).status_code == 303
    ballot = db.session.scalar(select(Ballot))
    assert [i.project_id for i in ballot.items] == [p3]

    malformed = client.post(f"{base}/boleta/confirmar", data={"project": ["1; drop"]})
    assert malformed.status_code == 422
    db.session.expire_all()
    assert [i.project_id for i in db.session.scalar(select(Ballot)).items] == [p3]

    # while voting is open, even a tally stays private (an administrator's preview)
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    assert run.preview
    assert "results-hidden" in client.get(f"{base}/resultados/").text
    assert client.get(f"{base}/resultados/resultados.csv").status_code == 404
    now = utcnow()
    process.phases[1].ends_at = now - timedelta(minutes=1)  # voting closes,
    process.phases[2].starts_at = now - timedelta(minutes=1)  # results phase opens
    db.session.commit()
    assert "results-pending" in client.get(f"{base}/resultados/").text  # no official tally yet
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    page = client.get(f"{base}/resultados/")
    assert page.status_code == 200 and "Proyecto 3" in page.text
    download = client.get(f"{base}/resultados/resultados.csv")
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["project_id"] for r in rows if r["selected"] == "1"] == [str(p3), str(p1), str(p2)]
    ballots_text = client.get(f"{base}/resultados/boletas.csv").text
    ballots = list(csv.DictReader(io.StringIO(ballots_text)))
    assert len(ballots) == 1 and ballots[0]["projects"] == str(p3)
    assert list(ballots[0]) == ["ballot", "date", "projects", "points"]  # nothing on the voter
    assert ballots[0]["ballot"] != str(ballot.id) and len(ballots[0]["ballot"]) == 16
    assert voter.email not in ballots_text and voter.name not in ballots_text


def test_voting_closed_refuses_and_stores_nothing(client, auth):
    process = f.process(now_allows=("allows_support",))
    budget = f.budget(process)
    voter = f.user()
    db.session.commit()
    auth.login(voter)
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    response = client.post(f"{base}/boleta/confirmar", data={"project": f.project_ids(budget)[:1]})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_public_pages_render(client):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    db.session.commit()
    assert process.title in client.get("/").text
    page = client.get(f"/procesos/{process.slug}")
    assert page.status_code == 200 and "Ahora" in page.text and budget.title in page.text
    assert client.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/").status_code == 200
    assert client.get("/procesos/no-existe").status_code == 404
    ballot = client.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert ballot.status_code == 302 and "/entrar" in ballot.headers["Location"]
