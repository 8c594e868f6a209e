"""Changing the e-mail of an account, confirmed at the new address: the link mailed there
(read from the messages the app writes, ``MAIL_OUTBOX_DIR``), the notice to the old one,
and every way a link stops working: expiry, reuse, a newer request, a password change,
another account, an address taken meanwhile. The clock is moved by replacing ``utcnow``
of the token module, never by waiting."""

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from participa.accounts import email_change, services, tokens
from participa.accounts.models import AccountToken, TokenPurpose, User
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.security import RedactTokens
from tests import factories as f
from tests.support.auth import Auth
from tests.support.mail import LINK, body_of, path_of, token_of

NEW = "nueva@example.org"


@pytest.fixture
def clock(monkeypatch):
    def move(delta: timedelta) -> None:
        later = utcnow() + delta
        monkeypatch.setattr(tokens, "utcnow", lambda: later)
        monkeypatch.setattr(email_change, "utcnow", lambda: later)

    return move


@pytest.fixture
def ana(auth) -> User:
    user = f.user(email="ana@example.org")
    db.session.commit()
    auth.login(user)
    auth.client.get("/cuenta")  # the greeting shown
    return user


def ask(client, email=NEW, password=f.PASSWORD):
    return client.post("/cuenta/correo", data={"email": email, "current_password": password})


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get_one(User, user_id)


def open_link(client, link: str):
    opened = client.get(path_of(link))
    assert opened.status_code == 303 and opened.headers["Location"] == "/cuenta/cambiar-correo"
    return client.get("/cuenta/cambiar-correo")


def everything_stored() -> str:
    db.session.expire_all()
    return "\n".join(
        repr(tuple(row))
        for table in db.metadata.sorted_tables
        for row in db.session.execute(select(table))
    )


def test_the_link_goes_to_the_new_address_and_switches_it_once(client, ana, outbox, app, caplog):
    caplog.set_level(logging.DEBUG)
    elsewhere = app.test_client()  # another device of Ana's
    Auth(elsewhere).login(ana)
    ana_id = ana.id
    asked = ask(client)
    assert asked.status_code == 303 and asked.headers["Location"] == "/cuenta/correo/enviado"
    assert NEW in client.get("/cuenta/correo/enviado").text

    link = outbox.link(NEW, "cambiar-correo")
    token = token_of(link)
    stored = db.session.scalars(select(AccountToken)).all()
    assert [(t.purpose, t.new_email) for t in stored] == [("change_email", NEW)]
    assert stored[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in everything_stored()  # the sealed link was erased once sent
    sent_to = db.session.scalars(select(Notification.to_email)).all()
    assert sent_to == [None, None]  # the new address too
    notice = body_of(outbox.last("ana@example.org"))  # the old address: told, no link
    assert NEW in notice and not LINK.search(notice) and token not in notice
    assert token not in caplog.text and NEW not in caplog.text  # nothing personal logged
    assert fresh(ana_id).email == "ana@example.org"  # nothing changes before the link

    page = open_link(client, link)
    assert page.status_code == 200 and NEW in page.text and token not in page.text
    assert fresh(ana_id).email == "ana@example.org"  # opening it changes nothing
    done = client.post("/cuenta/cambiar-correo")
    assert done.status_code == 303 and done.headers["Location"] == "/cuenta/seguridad"
    assert "ahora tu correo es" in client.get("/cuenta/seguridad").text
    user = fresh(ana_id)
    assert user.email == NEW and user.is_confirmed
    assert db.session.scalars(select(AccountToken)).all() == []
    assert client.get("/cuenta").status_code == 200  # still signed in here
    assert elsewhere.get("/cuenta").status_code == 302  # the other session ended
    told = body_of(outbox.last("ana@example.org"))
    assert "ya no usa este correo" in told and NEW in told
    assert Auth(app.test_client()).attempt(NEW).status_code == 302  # signs in with it

    again = open_link(client, link)  # used: it opens nothing any more
    assert again.status_code == 400 and "no es válido o ya venció" in again.text
    assert client.post("/cuenta/cambiar-correo").status_code == 400
    assert token not in caplog.text and NEW not in caplog.text


def test_a_wrong_password_or_the_same_address_changes_nothing(client, ana, outbox):
    refused = ask(client, password="no-es-la-mia")
    assert refused.status_code == 422
    assert 'id="current_password-error"' in refused.text
    assert f'value="{NEW}"' in refused.text  # what was typed is kept
    same = ask(client, email="ANA@example.org")
    assert same.status_code == 422 and 'id="email-error"' in same.text
    bad = ask(client, email="no-es-correo")
    assert bad.status_code == 422 and 'id="email-error"' in bad.text
    assert db.session.scalars(select(AccountToken)).all() == []
    assert outbox.messages() == []


def test_an_address_of_another_account_is_answered_like_a_free_one(client, ana, outbox):
    other = f.user(email="beto@example.org")
    db.session.commit()
    free = ask(client)
    free_page = client.get("/cuenta/correo/enviado").text.replace(NEW, "X")
    taken = ask(client, email="Beto@example.org")
    assert (taken.status_code, taken.headers["Location"]) == (
        free.status_code,
        free.headers["Location"],
    )
    taken_page = client.get("/cuenta/correo/enviado").text.replace("beto@example.org", "X")
    assert taken_page == free_page
    to_beto = body_of(outbox.last("beto@example.org"))
    assert "ya hay una cuenta con este correo" in to_beto and not LINK.search(to_beto)
    notice = body_of(outbox.last("ana@example.org"))
    assert "beto@example.org" in notice and not LINK.search(notice)
    # no link for that address; the earlier one (to a free address) stopped working
    assert db.session.scalars(select(AccountToken)).all() == []
    assert fresh(other.id).email == "beto@example.org"


def test_an_address_taken_before_the_link_is_opened_is_refused_clearly(client, ana, outbox):
    ask(client)
    link = outbox.link(NEW, "cambiar-correo")
    f.user(email=NEW)  # registers meanwhile
    db.session.commit()
    assert open_link(client, link).status_code == 200
    refused = client.post("/cuenta/cambiar-correo")
    assert refused.status_code == 409
    assert "Otra cuenta ya usa el correo" in refused.text
    assert fresh(ana.id).email == "ana@example.org"


def test_a_link_expires(client, ana, outbox, clock):
    ask(client)
    link = outbox.link(NEW, "cambiar-correo")
    clock(timedelta(days=1) - timedelta(minutes=1))
    assert open_link(client, link).status_code == 200
    clock(timedelta(days=1, seconds=1))
    refused = client.post("/cuenta/cambiar-correo")
    assert refused.status_code == 400 and "Pedir otro cambio de correo" in refused.text
    assert fresh(ana.id).email == "ana@example.org"


def test_a_newer_request_replaces_the_link(client, ana, outbox):
    ask(client)
    first = outbox.link(NEW, "cambiar-correo")
    ask(client, email="otra@example.org")
    second = outbox.link("otra@example.org", "cambiar-correo")
    assert open_link(client, first).status_code == 400
    assert open_link(client, second).status_code == 200
    assert client.post("/cuenta/cambiar-correo").status_code == 303
    assert fresh(ana.id).email == "otra@example.org"


def test_a_password_change_ends_the_link(client, ana, outbox):
    ask(client)
    link = outbox.link(NEW, "cambiar-correo")
    changed = client.post(
        "/cuenta/seguridad/contrasena",
        data={
            "current_password": f.PASSWORD,
            "password": "otra-clave-muy-segura",
            "confirm": "otra-clave-muy-segura",
        },
    )
    assert changed.status_code == 303
    assert open_link(client, link).status_code == 400
    assert fresh(ana.id).email == "ana@example.org"


def test_a_link_opened_by_another_account_is_refused_and_stays_valid(client, ana, outbox, app):
    ask(client)
    link = outbox.link(NEW, "cambiar-correo")
    beto = app.test_client()
    Auth(beto).login(f.user())
    db.session.commit()
    refused = open_link(beto, link)
    assert refused.status_code == 403 and "de otra cuenta" in refused.text
    assert beto.post("/cuenta/cambiar-correo").status_code == 403
    assert fresh(ana.id).email == "ana@example.org"
    assert open_link(client, link).status_code == 200  # still Ana's to use
    assert client.post("/cuenta/cambiar-correo").status_code == 303
    assert fresh(ana.id).email == NEW


def test_a_link_opened_signed_out_asks_to_sign_in_first(client, ana, outbox, app):
    ask(client)
    link = outbox.link(NEW, "cambiar-correo")
    browser = app.test_client()
    opened = browser.get(path_of(link))
    asked = browser.get(opened.headers["Location"])
    assert asked.status_code == 302 and "/entrar" in asked.headers["Location"]
    assert Auth(browser).attempt("ana@example.org").status_code == 302
    page = browser.get("/cuenta/cambiar-correo")  # the link waited across the sign-in
    assert page.status_code == 200 and NEW in page.text
    assert browser.post("/cuenta/cambiar-correo").status_code == 303
    assert fresh(ana.id).email == NEW


def test_request_logs_never_carry_the_link(ctx):
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '"GET /cuenta/cambiar-correo/abcDEF_123 HTTP/1.1"',
        (),
        None,
    )
    RedactTokens().filter(record)
    assert "abcDEF_123" not in record.getMessage()


def test_the_token_row_names_the_purpose_and_address(ctx):
    user = f.user()
    token = tokens.issue(user, TokenPurpose.CHANGE_EMAIL, new_email=NEW)
    found = tokens.find(token, TokenPurpose.CHANGE_EMAIL)
    assert found is not None and found[0].id == user.id and found[1].new_email == NEW
    assert tokens.holder(token, TokenPurpose.RESET_PASSWORD) is None  # bound to its purpose
    services.change_password(user, "otra-clave-muy-segura")
    assert tokens.find(token, TokenPurpose.CHANGE_EMAIL) is None


def test_account_mails_follow_the_language_of_the_profile(client, ana, outbox):
    user = fresh(ana.id)
    user.locale = "en"
    db.session.commit()
    ask(client)
    assert "To make this the e-mail address" in body_of(outbox.last(NEW))
    assert "Your Participa account asked" in body_of(outbox.last("ana@example.org"))
    client.post("/cuenta/olvide-mi-contrasena", data={"email": "ana@example.org"})
    assert "To choose your new password" in body_of(outbox.last("ana@example.org"))
