"""Deleting one's own account (ARCO cancellation), with the test client."""

from sqlalchemy import func, select

from participa.accounts.models import Role, User, UserSession
from participa.accounts.services import authenticate
from participa.audit.models import ActionLog
from participa.budgets.models import Ballot
from participa.conversation.models import Comment
from participa.extensions import db
from participa.notifications.models import Follow, Notification
from participa.notifications.services import notify
from participa.processes.models import District
from participa.proposals.models import Proposal, Support
from tests import factories as f
from tests.support.census import ANA, setup_census
from tests.support.opendata import proposal

URL = "/cuenta/eliminar"


def delete(client, content: str = "keep", password: str = f.PASSWORD, confirmed: bool = True):
    data = {"password": password, "content": content}
    if confirmed:
        data["confirmado"] = "1"
    return client.post(URL, data=data)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def comment(author, target: Proposal, body: str, parent: Comment | None = None) -> Comment:
    c = Comment(
        target_type="proposal",
        target_id=target.id,
        author_id=author.id,
        body=body,
        parent_id=parent.id if parent else None,
    )
    db.session.add(c)
    db.session.flush()
    return c


def test_deleting_leaves_a_tombstone_without_personal_data(client, auth):
    setup_census()
    process = f.process(now_allows=("allows_propose",))
    resident = f.user(email="ximena.quiroga@example.org")
    resident.stored_name = "Ximena Quiroga Ledezma"
    resident.district_id = db.session.scalar(select(District.id))
    mine = proposal(process, resident, "Banquetas anchas en la calle Roble")
    comment(resident, mine, "Lo digo yo, Ximena")
    db.session.add(Follow(user_id=resident.id, process_id=process.id))
    notify([resident.id], "proposal_answered", "Asunto", "Texto")
    admin = f.admin()
    db.session.commit()
    auth.login(resident)
    assert client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert db.session.get(User, resident.id).identity_id is not None

    response = delete(client)
    assert response.status_code == 303
    db.session.expire_all()
    tomb = db.session.get(User, resident.id)
    assert tomb.deleted_at is not None and not tomb.is_active
    assert tomb.stored_name == "" and tomb.name == "Cuenta eliminada"
    assert "ximena" not in tomb.email and tomb.email.endswith(".invalid")
    assert tomb.district_id is None and tomb.identity_id is None
    assert tomb.email_confirmed_at is None and not tomb.check_password(f.PASSWORD)
    assert authenticate("ximena.quiroga@example.org", f.PASSWORD) is None
    for model in (UserSession, Follow, Notification):
        assert count(model, model.user_id == resident.id) == 0, model
    # kept (the default): the proposal and the comment, under "Cuenta eliminada"
    assert db.session.get(Proposal, mine.id) is not None
    page = client.get(f"/procesos/{process.slug}/propuestas/{mine.id}").text
    assert "Cuenta eliminada" in page and "Ximena Quiroga" not in page
    # the browser is signed out; the old cookie signs nobody in
    assert client.get("/cuenta").status_code == 302
    assert auth.attempt("ximena.quiroga@example.org").status_code == 401

    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "accounts.deleted"))
    assert entry is not None and entry.target_id == resident.id
    auth.login(admin)
    log_page = client.get("/admin/registro").text
    assert f"Una persona eliminó su cuenta (n.º {resident.id})" in log_page
    for personal in ("Ximena", "ximena.quiroga", "Quiroga"):
        assert personal not in log_page
        assert personal not in client.get("/admin/registro.csv").text
    people = client.get("/admin/usuarios").text
    assert "Cuenta eliminada" in people and "ximena.quiroga" not in people


def test_a_wrong_password_or_no_confirmation_changes_nothing(client, auth):
    resident = auth.login_as(Role.RESIDENT)
    wrong = delete(client, password="not-my-password-at-all")
    assert wrong.status_code == 422
    assert "Tu contraseña actual no es esa." in wrong.text
    assert 'value="remove"' in wrong.text  # the form again
    asked = delete(client, content="remove", confirmed=False)
    assert asked.status_code == 200
    assert 'data-testid="confirm-page"' in asked.text
    assert "Sí, eliminar mi cuenta" in asked.text
    # the page carries the typed password to post it again: no browser or proxy keeps it
    assert asked.headers["Cache-Control"] == "private, no-store"
    empty = client.post(URL, data={"content": "keep", "confirmado": "1"})
    assert empty.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, resident.id).deleted_at is None
    assert client.get("/cuenta").status_code == 200


def test_staff_cannot_delete_their_account_while_they_hold_a_role(client, auth):
    admin = auth.login_as(Role.ADMIN)
    page = client.get(URL)
    assert 'data-testid="delete-refusal"' in page.text and "rol" in page.text
    refused = delete(client)
    assert refused.status_code == 403
    client.post("/salir")
    evaluator = f.user()
    f.process_role(evaluator, f.process(), Role.EVALUATOR)
    db.session.commit()
    auth.login(evaluator)
    assert delete(client).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None
    assert db.session.get(User, evaluator.id).deleted_at is None


def test_removing_takes_only_what_is_allowed_and_says_why_the_rest_stays(client, auth):
    process = f.process(now_allows=("allows_propose", "allows_support"))
    resident, neighbour = f.user(), f.user()
    free = proposal(process, resident, "Propuesta sin apoyos")
    supported = proposal(process, resident, "Propuesta con apoyos", supports_count=1)
    db.session.add(Support(proposal_id=supported.id, user_id=neighbour.id))
    answered = proposal(process, resident, "Propuesta respondida", state="rejected")
    discussed = proposal(process, neighbour, "Propuesta de la vecina")
    lonely = comment(resident, discussed, "Un comentario sin respuestas")
    answered_to = comment(resident, discussed, "Un comentario con respuesta")
    reply = comment(neighbour, discussed, "Te respondo", parent=answered_to)
    own_on_free = comment(resident, free, "Comento mi propia propuesta")
    db.session.commit()
    free_id, own_on_free_id, lonely_id = free.id, own_on_free.id, lonely.id
    auth.login(resident)
    page = client.get(URL).text
    kept = page.split('data-testid="kept-content"')[1].split("</ul>")[0]
    assert "Propuesta con apoyos" in kept and "tiene apoyos de otras personas" in kept
    assert "Propuesta respondida" in kept and "respondida por el municipio" in kept
    assert "Propuesta sin apoyos" not in kept
    assert "1 comentario tuyo tiene respuestas" in kept

    assert delete(client, content="remove").status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, free_id) is None
    assert db.session.get(Comment, own_on_free_id) is None
    assert db.session.get(Comment, lonely_id) is None
    for stays in (supported, answered):
        assert db.session.get(Proposal, stays.id).author_id == resident.id
    assert db.session.get(Comment, answered_to.id) is not None
    assert db.session.get(Comment, reply.id) is not None
    assert count(Support, Support.proposal_id == supported.id) == 1


def test_verifying_again_after_deleting_cannot_vote_twice(client, auth):
    setup_census()
    process = f.process(now_allows=("allows_vote",))
    process.verification_to_vote = True
    budget = f.budget(process)
    first = f.user()
    db.session.commit()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    pid = str(f.project_ids(budget)[0])
    auth.login(first)
    client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert client.post(url, data={"project": pid}).status_code == 303
    assert delete(client).status_code == 303
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot).where(Ballot.budget_id == budget.id))
    assert ballot.user_id == first.id and ballot.identity_id is not None  # still counted

    again = f.user()
    db.session.commit()
    auth.login(again)
    verified = client.post("/verificacion", data={"document": ANA, "birth_date": "1985-01-01"})
    assert verified.status_code == 303  # the census link was released
    db.session.expire_all()
    assert db.session.get(User, again.id).identity_id == ballot.identity_id
    second = client.post(url, data={"project": pid})
    assert second.status_code == 409
    assert "emitida desde otra cuenta" in second.text  # not "you voted in person"
    assert count(Ballot, Ballot.budget_id == budget.id) == 1


def test_nothing_is_ever_mailed_to_a_deleted_account(client, auth):
    """A kept proposal answered later notifies its author: the message is given up, not
    sent to the tombstone's address."""
    from participa.notifications.tasks import send_notification

    resident = auth.login_as(Role.RESIDENT)
    assert delete(client).status_code == 303
    (note_id,) = notify([resident.id], "proposal_answered", "Asunto", "Texto")
    db.session.commit()
    send_notification(note_id)
    db.session.expire_all()
    note = db.session.get(Notification, note_id)
    assert note.sent_at is None and note.failed_at is not None


def test_bulk_statements_by_primary_key_work_with_the_name_shown(ctx):
    """``User.name`` reads "Cuenta eliminada" for a deleted account and is ``stored_name``
    underneath: a bulk UPDATE by primary key (as the demo loads its voters) takes either."""
    from sqlalchemy import update

    ana, luis = f.user(), f.user()
    db.session.commit()
    db.session.execute(
        update(User), [{"id": ana.id, "name": "Ana"}, {"id": luis.id, "locale": "en"}]
    )
    db.session.commit()
    db.session.expire_all()
    assert (ana.name, ana.stored_name, luis.locale) == ("Ana", "Ana", "en")
