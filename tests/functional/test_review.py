"""Proposal review through the web pages: the roles matrix, an evaluator's answer held and
published by the administration, the author reading it, the threshold, and roles."""

import pytest
from sqlalchemy import select

from participa.accounts.models import Role, User
from participa.audit.models import ActionLog
from participa.extensions import db
from participa.notifications.models import Notification
from participa.processes.models import Process
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import Auth

ROLES = [Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER, Role.ADMIN]


def make(process, author, title="Parque para la colonia"):
    return proposals.create_proposal(
        process,
        author,
        title=title,
        body="Un parque con juegos y árboles para las familias de la colonia.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )


def as_role(client, role):
    person = f.user(role)
    db.session.commit()
    Auth(client).login(person)
    return person


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302)] + [(r, 200 if r in (Role.EVALUATOR, Role.ADMIN) else 403) for r in ROLES],
)
def test_evaluation_queue_roles(client, role, expected):
    if role:
        as_role(client, role)
    response = client.get("/evaluacion")
    assert response.status_code == expected
    if role is None:
        assert "/entrar" in response.headers["Location"]
    if expected == 200:
        assert "Evaluación de propuestas" in response.text


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302)] + [(r, 200 if r == Role.ADMIN else 403) for r in ROLES],
)
def test_roles_page_roles(client, role, expected):
    target = f.user()
    db.session.commit()
    if role:
        as_role(client, role)
    response = client.get("/admin/usuarios")
    assert response.status_code == expected
    if role is None:
        assert "/entrar" in response.headers["Location"]
    changed = client.post(f"/admin/usuarios/{target.id}/rol", data={"role": "admin"})
    assert changed.status_code == (303 if expected == 200 else expected)
    db.session.expire_all()
    assert db.session.get(User, target.id).role == ("admin" if expected == 200 else "resident")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/propuestas/{proposal}/evaluador",
        "/admin/procesos/{process}/publicar-respuestas",
        "/admin/procesos/{process}/umbral-de-apoyos",
    ],
)
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER])
def test_admin_review_actions_refuse_other_roles(client, path, role):
    process = f.process(now_allows=("allows_propose",))
    proposal = make(process, f.user())
    db.session.commit()
    as_role(client, role)
    url = path.format(proposal=proposal.id, process=process.id)
    response = client.post(url, data={"evaluator_id": "0", "support_threshold": "3"})
    assert response.status_code == 403
    client.post("/salir")
    assert client.post(url).status_code == 302  # anonymous: to the login page


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.MODERATOR, Role.OFFICER])
def test_evaluation_page_refuses_other_roles(client, role):
    proposal = make(f.process(now_allows=("allows_propose",)), f.user())
    db.session.commit()
    as_role(client, role)
    assert client.get(f"/evaluacion/propuestas/{proposal.id}").status_code == 403
    response = client.post(f"/evaluacion/propuestas/{proposal.id}", data={"feasible": "no"})
    assert response.status_code == 403


def test_evaluator_answers_admin_publishes_together_author_reads(client, auth):
    admin, evaluator, other = f.admin(), f.user(Role.EVALUATOR), f.user(Role.EVALUATOR)
    ana, beto = f.user(), f.user()
    process = f.process(now_allows=("allows_propose", "allows_support"))
    park = make(process, ana, "Parque lineal")
    stadium = make(process, beto, "Estadio nuevo")
    db.session.commit()

    # The administration assigns both proposals to the evaluator.
    auth.login(admin)
    for proposal in (park, stadium):
        response = client.post(
            f"/admin/propuestas/{proposal.id}/evaluador", data={"evaluator_id": evaluator.id}
        )
        assert response.status_code == 303
    not_an_evaluator = client.post(
        f"/admin/propuestas/{park.id}/evaluador", data={"evaluator_id": ana.id}
    )
    assert not_an_evaluator.status_code == 422
    client.post("/salir")

    # Another evaluator does not see them.
    auth.login(other)
    assert "Parque lineal" not in client.get("/evaluacion").text
    assert client.get(f"/evaluacion/propuestas/{park.id}").status_code == 403
    client.post("/salir")

    # The evaluator finds them in the queue and answers; the answers are held.
    auth.login(evaluator)
    queue = client.get("/evaluacion?asignacion=mias")
    assert "Parque lineal" in queue.text and "Estadio nuevo" in queue.text
    page = client.get(f"/evaluacion/propuestas/{park.id}")
    assert page.status_code == 200 and 'data-testid="evaluation-form"' in page.text
    no_cost = client.post(f"/evaluacion/propuestas/{park.id}", data={"feasible": "si"})
    assert no_cost.status_code == 422 and "costo" in no_cost.text
    no_choice = client.post(f"/evaluacion/propuestas/{park.id}", data={"cost": "10"})
    assert no_choice.status_code == 422 and "factible" in no_choice.text
    assert client.post(f"/evaluacion/propuestas/{park.id}/empezar").status_code == 303
    saved = client.post(
        f"/evaluacion/propuestas/{park.id}",
        data={"feasible": "si", "cost": "450000", "reason": "Factible en el camellón."},
    )
    assert saved.status_code == 303
    no_reason = client.post(
        f"/evaluacion/propuestas/{stadium.id}", data={"feasible": "no", "reason": ""}
    )
    assert no_reason.status_code == 422
    client.post(
        f"/evaluacion/propuestas/{stadium.id}",
        data={"feasible": "no", "reason": "Excede el presupuesto del proceso."},
    )
    held = client.get("/evaluacion?estado=held")
    assert "Parque lineal" in held.text and "Estadio nuevo" in held.text
    client.post("/salir")

    # Nothing is public yet, and nobody was notified.
    public = client.get(f"/procesos/{process.slug}/propuestas/{park.id}")
    assert 'data-testid="official-answer"' not in public.text
    assert db.session.scalars(select(Notification)).all() == []

    # The administration sees the held answers and publishes them together.
    auth.login(admin)
    admin_page = client.get(f"/admin/procesos/{process.id}/revision")
    assert 'data-testid="held-answers"' in admin_page.text
    assert "Publicar respuestas" in admin_page.text
    published = client.post(
        f"/admin/procesos/{process.id}/publicar-respuestas",
        data={"proposal": [park.id, stadium.id], "confirmado": "1"},
    )
    assert published.status_code == 303
    again = client.post(
        f"/admin/procesos/{process.id}/publicar-respuestas",
        data={"proposal": [park.id], "confirmado": "1"},
    )
    assert again.status_code == 409
    nothing = client.post(f"/admin/procesos/{process.id}/publicar-respuestas", data={})
    assert nothing.status_code == 422
    client.post("/salir")

    db.session.expire_all()
    assert (
        db.session.get(Proposal, park.id).state,
        db.session.get(Proposal, stadium.id).state,
    ) == (
        "accepted",
        "rejected",
    )
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert sorted(n.user_id for n in notes) == sorted([ana.id, beto.id])
    assert all(n.kind == "proposal_answered" and n.sent_at is not None for n in notes)

    # The author reads the answer on the proposal's page.
    auth.login(ana)
    page = client.get(f"/procesos/{process.slug}/propuestas/{park.id}")
    assert 'data-testid="official-answer"' in page.text
    assert "Factible en el camellón." in page.text and "$450,000" in page.text
    rejected = client.get(f"/procesos/{process.slug}/propuestas/{stadium.id}")
    assert "Excede el presupuesto del proceso." in rejected.text


def test_evaluator_publishes_now(client, auth):
    evaluator, author = f.user(Role.EVALUATOR), f.user()
    process = f.process(now_allows=("allows_propose",))
    proposal = make(process, author)
    db.session.commit()
    auth.login(evaluator)
    response = client.post(
        f"/evaluacion/propuestas/{proposal.id}",
        data={"feasible": "no", "reason": "Ya existe un parque ahí.", "publish_now": "y"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.state, proposal.answer, proposal.evaluator_id) == (
        "rejected",
        "Ya existe un parque ahí.",
        evaluator.id,
    )
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [author.id]
    # Answered: an evaluator can no longer change it.
    again = client.post(
        f"/evaluacion/propuestas/{proposal.id}", data={"feasible": "si", "cost": "10"}
    )
    assert again.status_code == 403


def test_withdrawn_proposal_cannot_be_evaluated(client, auth):
    evaluator, author = f.user(Role.EVALUATOR), f.user()
    proposal = make(f.process(now_allows=("allows_propose",)), author)
    proposals.withdraw(proposal, author)
    db.session.commit()
    auth.login(evaluator)
    page = client.get(f"/evaluacion/propuestas/{proposal.id}")
    assert 'data-testid="evaluation-form"' not in page.text
    response = client.post(
        f"/evaluacion/propuestas/{proposal.id}", data={"feasible": "no", "reason": "x"}
    )
    assert response.status_code == 403 and "retirada" in response.text


def test_threshold_setting_and_public_line(client, auth):
    admin, author = f.admin(), f.user()
    process = f.process(now_allows=("allows_propose", "allows_support"))
    proposal = make(process, author)
    db.session.commit()
    public = f"/procesos/{process.slug}/propuestas/{proposal.id}"
    assert 'data-testid="threshold-status"' not in client.get(public).text

    auth.login(admin)
    bad = client.post(
        f"/admin/procesos/{process.id}/umbral-de-apoyos", data={"support_threshold": "0"}
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/admin/procesos/{process.id}/umbral-de-apoyos", data={"support_threshold": "3"}
    )
    assert ok.status_code == 303
    assert 'value="3"' in client.get(f"/admin/procesos/{process.id}/revision").text
    entry = db.session.scalar(
        select(ActionLog).where(ActionLog.action == "process.support_threshold")
    )
    assert entry.public and entry.after == {"support_threshold": 3}

    assert "Le faltan 3 apoyos para pasar a revisión" in client.get(public).text
    proposals.support(db.session.get(Proposal, proposal.id), f.user())
    proposals.support(db.session.get(Proposal, proposal.id), f.user())
    db.session.commit()
    assert "Le falta 1 apoyo para pasar a revisión" in client.get(public).text

    # Below the threshold, the direct answer and the evaluation are refused.
    refused = client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "rejected", "reason": "No procede."},
    )
    assert refused.status_code == 403 and "Le falta 1 apoyo." in refused.text
    page = client.get(f"/evaluacion/propuestas/{proposal.id}")
    assert 'data-testid="threshold-missing"' in page.text
    assert 'data-testid="evaluation-form"' not in page.text

    proposals.support(db.session.get(Proposal, proposal.id), f.user())
    db.session.commit()
    assert "Alcanzó los 3 apoyos" in client.get(public).text
    assert client.post(f"/evaluacion/propuestas/{proposal.id}/empezar").status_code == 303

    cleared = client.post(
        f"/admin/procesos/{process.id}/umbral-de-apoyos", data={"support_threshold": ""}
    )
    assert cleared.status_code == 303
    db.session.expire_all()
    assert db.session.get(Process, process.id).support_threshold is None


def test_admin_direct_answer_publishes_and_notifies(client, auth):
    admin, author = f.admin(), f.user()
    process = f.process(now_allows=("allows_propose",))
    proposal = make(process, author)
    db.session.commit()
    auth.login(admin)
    response = client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "accepted", "cost": "1200", "reason": ""},
    )
    assert response.status_code == 303
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.state, proposal.cost_estimate, proposal.pending_state) == (
        "accepted",
        1200,
        None,
    )
    (note,) = db.session.scalars(select(Notification)).all()
    assert note.user_id == author.id and "aceptada" in note.body


def test_roles_page_lists_searches_and_changes_a_role(client, auth):
    admin = f.admin()
    ana = f.user(email="ana.lopez@example.org")
    f.user(email="beto@example.org")
    db.session.commit()
    auth.login(admin)
    page = client.get("/admin/usuarios?q=ana.lopez")
    assert "ana.lopez@example.org" in page.text and "beto@example.org" not in page.text
    response = client.post(
        f"/admin/usuarios/{ana.id}/rol",
        data={"role": "evaluator", "next": "/admin/usuarios?q=ana"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/usuarios?q=ana"
    db.session.expire_all()
    assert db.session.get(User, ana.id).role == "evaluator"
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "user.role"))
    assert (entry.actor_id, entry.target_id, entry.after) == (
        admin.id,
        ana.id,
        {"role": "evaluator"},
    )
    evaluators = client.get("/admin/usuarios?rol=evaluator")
    assert "ana.lopez@example.org" in evaluators.text and "beto@example.org" not in evaluators.text

    unknown = client.post(f"/admin/usuarios/{ana.id}/rol", data={"role": "king"})
    assert unknown.status_code == 422
    own = client.post(f"/admin/usuarios/{admin.id}/rol", data={"role": "resident"})
    assert own.status_code == 403
    offsite = client.post(
        f"/admin/usuarios/{ana.id}/rol", data={"role": "evaluator", "next": "//evil.example"}
    )
    assert offsite.headers["Location"] == "/admin/usuarios"

    # The new evaluator can now open the queue.
    client.post("/salir")
    auth.login(db.session.get(User, ana.id))
    assert client.get("/evaluacion").status_code == 200


def test_a_refused_role_change_is_said_beside_the_person_on_the_same_list(client, auth):
    admin = f.admin()
    ana = f.user(email="ana.sin.confirmar@example.org")
    f.user(email="beto@example.org")
    ana.email_confirmed_at = None  # staff roles need a confirmed e-mail
    db.session.commit()
    auth.login(admin)

    refused = client.post(
        f"/admin/usuarios/{ana.id}/rol",
        data={"role": "evaluator", "next": "/admin/usuarios?q=sin.confirmar"},
    )

    assert refused.status_code == 409
    page = refused.text
    assert 'id="refused-title"' not in page  # not the separate error page
    assert 'data-testid="user-filters"' in page  # the list again
    assert "ana.sin.confirmar@example.org" in page and "beto@example.org" not in page  # as sent
    row = page.split(f'data-user-id="{ana.id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-testid="user-refusal"' in row and "confirm" in row.lower()
    assert '<option value="evaluator" selected>' in row  # the role that was chosen
    db.session.expire_all()
    assert db.session.get(User, ana.id).role == "resident"


def test_a_refused_publication_keeps_the_answers_as_they_were_ticked(client, auth):
    """Publishing with no answer ticked is refused (422) beside the list, which comes back
    unticked as it was sent, not ticked again: a second click must not publish them all."""
    from participa.review import services as review

    process = f.process(now_allows=("allows_propose",))
    author, admin = f.user(), f.admin()
    park = make(process, author)
    review.start_evaluation(park, admin)
    review.record_evaluation(park, admin, True, 450000, "Factible.", publish_now=False)
    db.session.commit()
    auth.login(admin)
    ticked = f'value="{park.id}" checked'
    page = client.get(f"/admin/procesos/{process.id}/revision").get_data(as_text=True)
    assert ticked in page  # ticked by default
    refused = client.post(f"/admin/procesos/{process.id}/publicar-respuestas", data={})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'data-testid="publish-error"' in html
    assert f'id="held-{park.id}"' in html
    assert ticked not in html
    db.session.expire_all()
    assert db.session.get(Proposal, park.id).state == "evaluating"
