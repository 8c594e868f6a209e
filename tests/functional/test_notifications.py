"""Notification preferences (per topic and channel) and notifications in the application.

- every kind the code sends is declared in ``participa.notifications.kinds.KINDS``;
- ``notify()`` respects each person's choices per kind and channel, and the always-on kinds
  (receipts, account mails, moderation) cannot be turned off, not even by a forged form;
- the bell counts the unread ones with one query; opening one, "mark as read" and "mark all
  as read" work, only on one's own notifications (another's is a 404);
- an account mail (a personal link) is never shown in the application, and a receipt's
  code never is: a phrase stands in its place.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from participa.accounts import access, email_change
from participa.extensions import db
from participa.notifications import kinds, preferences
from participa.notifications.models import Notification, NotificationOptOut
from participa.notifications.services import notify
from tests import factories as f
from tests.support.mail import body_of
from tests.support.queries import counting

ROOT = Path(__file__).resolve().parents[2] / "participa"
CODE = "K7Q2-PX9M-RECIBO"


def sent_kinds() -> set[str]:
    """Every kind given to ``notify(users, kind, ...)`` in the code (a string, or a name
    of its module), and the kind inserted by the ballot's one-statement path."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        source = path.read_text()
        tree = ast.parse(source)
        module = None
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "notify"):
                continue
            if len(node.args) < 2:
                continue
            kind = node.args[1]
            if isinstance(kind, ast.Constant):
                found.add(kind.value)
            elif isinstance(kind, ast.Name):
                if module is None:
                    name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
                    module = importlib.import_module(name)
                found.add(getattr(module, kind.id))
            else:
                raise AssertionError(f"{path}: a notify() whose kind cannot be read")
        found.update(re.findall(r'"kind": "([a-z_]+)"', source))
    return found


def test_every_kind_the_code_sends_is_declared(app):
    sent = sent_kinds()
    assert {"proposal_answered", "ballot_confirmed", access.RESET} <= sent  # the scan works
    assert sent - set(kinds.KINDS) == set(), "declare these kinds in notifications/kinds.py"
    assert set(kinds.KINDS.values()) <= set(kinds.TOPICS)


def test_an_undeclared_kind_is_refused(ctx):
    with pytest.raises(kinds.UnknownKind):
        notify([f.user().id], "something_new", "Asunto", "Cuerpo")
    with pytest.raises(kinds.UnknownKind):
        notify([], "something_new", "Asunto", "Cuerpo")


def test_account_mails_are_always_mailed_and_never_in_the_application():
    account_mails = (access.CONFIRMATION, access.RESET, access.ATTEMPT, access.CHANGED)
    changes = (email_change.LINK, email_change.TAKEN, email_change.ASKED, email_change.CHANGED)
    for kind in (*account_mails, *changes):
        topic = kinds.topic_of(kind)
        assert (topic.email, topic.in_app) == (kinds.Policy.ALWAYS, kinds.Policy.NEVER), kind
    for kind in ("ballot_confirmed", "content_hidden"):
        assert kinds.topic_of(kind).email == kinds.Policy.ALWAYS


def channels(user_id: int, kind: str) -> tuple[bool, bool] | None:
    db.session.expire_all()
    row = db.session.execute(
        select(Notification.by_email, Notification.in_app).where(
            Notification.user_id == user_id, Notification.kind == kind
        )
    ).one_or_none()
    return None if row is None else tuple(row)


def everything_on() -> dict[str, str]:
    return {f"{topic}-{channel}": "y" for topic, channel in kinds.optional_choices()}


def test_the_page_shows_everything_on_by_default_and_always_on_topics_disabled(client, auth):
    auth.login_as()
    page = client.get("/cuenta/notificaciones")
    assert page.status_code == 200
    for topic, channel in kinds.optional_choices():
        assert re.search(rf'name="{topic}-{channel}"[^>]*value="y" checked', page.text)
    assert 'data-testid="always-receipts-email"' in page.text
    assert 'data-testid="never-account-in_app"' in page.text
    assert "nunca se muestran en la aplicación" in page.text  # the reason is shown
    assert page.text.count("checked disabled") == 5  # receipts ×2, moderation ×2, account mail


def test_preferences_are_respected_per_kind_and_channel(client, auth):
    me = auth.login_as()
    form = everything_on()
    del form["answers-email"]  # answers: only in the application
    del form["works-in_app"]  # works: only by e-mail
    del form["phases-email"], form["phases-in_app"]  # phases: nothing
    response = client.post("/cuenta/notificaciones", data=form)
    assert response.status_code == 303
    assert "Guardamos tus preferencias" in client.get(response.location).text
    other = f.user()  # who chose nothing: everything on
    everyone = [me.id, other.id]
    notify(everyone, "proposal_answered", "Respuesta", "Tu propuesta tiene respuesta.")
    notify(everyone, "execution_update", "Avance", "La obra avanza.")
    notify(everyone, "execution_milestone", "Hito", "La obra tiene un hito.")
    notify(everyone, "phase_opened", "Fase", "Empezó la votación.")
    db.session.commit()
    assert channels(me.id, "proposal_answered") == (False, True)
    assert channels(me.id, "execution_update") == (True, False)
    assert channels(me.id, "execution_milestone") == (True, False)  # the same topic
    assert channels(me.id, "phase_opened") is None  # no row at all
    for kind in ("proposal_answered", "execution_update", "phase_opened"):
        assert channels(other.id, kind) == (True, True)
    # the one not to be mailed was never sent (eager sending ran after the commit)
    unmailed = db.session.scalars(
        select(Notification).where(Notification.user_id == me.id, Notification.by_email.is_(False))
    ).one()
    assert unmailed.sent_at is None and unmailed.secret is None
    mailed = db.session.scalars(
        select(Notification).where(Notification.user_id == me.id, Notification.by_email.is_(True))
    ).all()
    assert mailed and all(n.sent_at is not None for n in mailed)
    # the page shows what was stored
    page = client.get("/cuenta/notificaciones").text
    assert re.search(r'name="answers-email"[^>]*value="y">', page)  # unchecked
    assert re.search(r'name="answers-in_app"[^>]*value="y" checked', page)


def test_always_on_kinds_cannot_be_turned_off_even_by_a_forged_form(client, auth):
    me = auth.login_as()
    forged = {
        "receipts-email": "",
        "receipts-in_app": "",
        "moderation-email": "",
        "account-email": "",
        "account-in_app": "y",  # nor can account mails be brought into the application
    }  # and every optional one left out: off
    assert client.post("/cuenta/notificaciones", data=forged).status_code == 303
    stored = set(
        db.session.execute(
            select(NotificationOptOut.topic, NotificationOptOut.channel).where(
                NotificationOptOut.user_id == me.id
            )
        ).all()
    )
    assert stored == {(t, str(c)) for t, c in kinds.optional_choices()}
    notify([me.id], "ballot_confirmed", "Tu voto", "Código [[secret]].", CODE)
    notify([me.id], "content_hidden", "Oculto", "Tu comentario fue ocultado.")
    notify([me.id], access.RESET, "Contraseña", "Abre [[secret]]", "https://x/enlace-secreto")
    notify([me.id], "proposal_answered", "Respuesta", "Tu propuesta tiene respuesta.")
    db.session.commit()
    assert channels(me.id, "ballot_confirmed") == (True, True)
    assert channels(me.id, "content_hidden") == (True, True)
    assert channels(me.id, access.RESET) == (True, False)
    assert channels(me.id, "proposal_answered") is None


def bell(html: str) -> str:
    match = re.search(
        r'data-testid="bell".*?<span class="visually-hidden">(.*?)</span>', html, re.S
    )
    assert match, "no bell on the page"
    return " ".join(match.group(1).split())


def test_the_bell_counts_the_unread_and_marking_them_read_empties_it(client, auth):
    me = auth.login_as()
    first, second, third = (
        notify([me.id], "proposal_answered", f"Respuesta {n}", "Texto.", link="/procesos/x")[0]
        for n in (1, 2, 3)
    )
    db.session.commit()
    assert bell(client.get("/").text) == "Notificaciones, 3 sin leer"
    listing = client.get("/notificaciones").text
    assert (
        listing.index("Respuesta 3") < listing.index("Respuesta 2") < listing.index("Respuesta 1")
    )
    assert listing.count('data-testid="unread"') == 3
    # opening one marks it read and goes to what it is about
    opened = client.get(f"/notificaciones/{first}")
    assert (opened.status_code, opened.location) == (303, "/procesos/x")
    # "mark as read" on another
    assert client.post(f"/notificaciones/{second}/leida").status_code == 303
    assert bell(client.get("/").text) == "Notificaciones, 1 sin leer"
    assert client.get("/notificaciones").text.count('data-testid="unread"') == 1
    response = client.post("/notificaciones/leidas")
    assert response.status_code == 303
    assert "Marcaste 1 notificación como leída." in client.get(response.location).text
    assert bell(client.get("/").text) == "Notificaciones, ninguna sin leer"
    db.session.expire_all()
    read = db.session.scalars(select(Notification.read_at).where(Notification.id == third)).one()
    assert read is not None


def test_the_bell_is_one_query_and_only_for_people_signed_in(client, auth):
    with current_app.app_context(), counting() as seen:
        page = client.get("/")
    assert 'data-testid="bell"' not in page.text
    assert not [s for s in seen if "FROM notifications" in s]
    auth.login_as()
    with current_app.app_context(), counting() as seen:
        page = client.get("/")
    assert 'data-testid="bell"' in page.text
    assert len([s for s in seen if "notifications" in s]) == 1


def test_another_persons_notification_cannot_be_read_or_marked(client, auth):
    owner = f.user()
    (theirs,) = notify([owner.id], "proposal_answered", "Suya", "Texto de otra persona.")
    db.session.commit()
    auth.login_as()
    assert client.get(f"/notificaciones/{theirs}").status_code == 404
    assert client.post(f"/notificaciones/{theirs}/leida").status_code == 404
    assert client.post("/notificaciones/leidas").status_code == 303
    assert "Texto de otra persona" not in client.get("/notificaciones").text
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None


def test_no_secret_and_no_account_mail_in_the_application(client, auth, outbox):
    me = auth.login_as()
    (receipt,) = notify(
        [me.id], "ballot_confirmed", "Tu voto quedó registrado", "Tu código es [[secret]].", CODE
    )
    with current_app.test_request_context():  # the links are built for a request
        access.send_confirmation(me)
        access.request_password_reset(me.email)
    db.session.commit()
    assert CODE in body_of(outbox.messages(me.email)[0])  # mailed with its code
    page = client.get("/notificaciones").text
    assert "Tu código es (te lo enviamos por correo)." in page
    assert CODE not in page and "[[secret]]" not in page
    assert "Confirma tu correo" not in page and "contraseña nueva" not in page
    assert "/cuenta/confirmar/" not in page and "/cuenta/restablecer" not in page
    assert bell(client.get("/").text) == "Notificaciones, 1 sin leer"
    account_mails = db.session.scalars(
        select(Notification.id).where(Notification.user_id == me.id, Notification.id != receipt)
    ).all()
    assert len(account_mails) == 2
    for note_id in account_mails:  # not even by their address
        assert client.get(f"/notificaciones/{note_id}").status_code == 404
        assert client.post(f"/notificaciones/{note_id}/leida").status_code == 404


def test_the_list_is_paginated(client, auth):
    me = auth.login_as()
    for n in range(23):
        notify([me.id], "phase_opened", f"Aviso número {n:02d}", "Texto.")
    db.session.commit()
    first = client.get("/notificaciones").text
    assert "Aviso número 22" in first and "Aviso número 02" not in first
    second = client.get("/notificaciones?page=2").text
    assert "Aviso número 02" in second and "Aviso número 22" not in second
    assert client.get("/notificaciones?page=x").status_code == 400


def test_pages_need_a_signed_in_person(client):
    for url in ("/notificaciones", "/cuenta/notificaciones"):
        response = client.get(url)
        assert response.status_code == 302 and "/entrar" in response.location


def test_many_recipients_are_filtered_without_listing_them(client, auth, monkeypatch):
    """Past ``_MAX_LISTED`` recipients the opt-outs of the topic are read whole: the same
    choices are respected."""
    me = auth.login_as()
    form = everything_on()
    del form["phases-email"]
    assert client.post("/cuenta/notificaciones", data=form).status_code == 303
    monkeypatch.setattr(preferences, "_MAX_LISTED", 1)
    other = f.user()
    notify([me.id, other.id], "phase_opened", "Fase", "Empezó la votación.")
    db.session.commit()
    assert channels(me.id, "phase_opened") == (False, True)
    assert channels(other.id, "phase_opened") == (True, True)
