"""The links mailed to the owner of an account, through the pages: e-mail confirmation at
registration, "¿Olvidaste tu contraseña?", the password change and "log out everywhere", and
the reset link an administrator sends. Each link is read from the messages the app writes
(``MAIL_OUTBOX_DIR``, as in the demo); the clock is moved by replacing ``utcnow`` of the
token module, never by waiting."""

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from participa.accounts import access, services, tokens
from participa.accounts.models import AccountToken, Role, User
from participa.audit.models import ActionLog
from participa.budgets.models import Ballot
from participa.conversation.models import Comment
from participa.db import utcnow
from participa.errors import Conflict
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals.models import Proposal, Support
from participa.security import RedactTokens
from tests import factories as f
from tests.support.auth import Auth
from tests.support.mail import body_of, path_of, token_of

NEW_PASSWORD = "otra-clave-muy-segura"


@pytest.fixture
def clock(monkeypatch):
    """``clock(delta)``: from now on the token module's time is ``delta`` ahead."""

    def move(delta: timedelta) -> None:
        later = utcnow() + delta
        monkeypatch.setattr(tokens, "utcnow", lambda: later)
        monkeypatch.setattr(access, "utcnow", lambda: later)

    return move


def register(client, email="ana@example.org", password=f.PASSWORD):
    return client.post(
        "/registro",
        data={
            "name": "Ana López",
            "email": email,
            "district_id": 0,
            "password": password,
            "confirm": password,
            "accept_legal": "y",
        },
    )


def account(email: str) -> User:
    db.session.expire_all()
    user = services.find_by_email(email)
    assert user is not None
    return user


def signed_in(client) -> bool:
    return client.get("/cuenta").status_code == 200


def everything_stored() -> str:
    """Every row of every table, as text."""
    db.session.expire_all()
    return "\n".join(
        repr(tuple(row))
        for table in db.metadata.sorted_tables
        for row in db.session.execute(select(table))
    )


def follow(client, link: str):
    """Open a mailed link: its token goes to the session, then its page (without it)."""
    opened = client.get(path_of(link))
    assert opened.status_code == 303, opened.status_code
    return client.get(opened.headers["Location"])


# ───────────── e-mail confirmation ─────────────


def test_registration_mails_a_link_that_confirms_the_address_once(client, outbox):
    assert register(client).status_code == 302
    assert not account("ana@example.org").is_confirmed
    link = outbox.link("ana@example.org", "confirmar")
    token = token_of(link)
    stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # only its hash
    assert token not in everything_stored()  # the sealed link was erased once sent

    opened = client.get(path_of(link))
    assert opened.headers["Location"] == "/cuenta/confirmar"
    page = client.get("/cuenta/confirmar")
    assert page.status_code == 200 and "Confirmar mi correo" in page.text
    assert token not in page.text  # the page and its form carry no token
    assert not account("ana@example.org").is_confirmed  # opening the link confirms nothing
    done = client.post("/cuenta/confirmar")
    assert done.status_code == 303 and done.headers["Location"] == "/entrar"
    assert "confirmaste tu correo" in client.get("/entrar").text
    assert account("ana@example.org").is_confirmed
    assert db.session.scalars(select(AccountToken)).all() == []

    again = follow(client, link)  # used: it opens nothing any more
    assert again.status_code == 400 and "no es válido o ya venció" in again.text
    assert client.post("/cuenta/confirmar").status_code == 400


def test_a_confirmation_link_expires(client, outbox, clock):
    register(client)
    link = outbox.link("ana@example.org", "confirmar")
    clock(timedelta(days=3) - timedelta(minutes=1))
    assert follow(client, link).status_code == 200  # still valid
    clock(timedelta(days=3, seconds=1))
    refused = client.post("/cuenta/confirmar")
    assert refused.status_code == 400 and "ya venció" in refused.text
    assert not account("ana@example.org").is_confirmed


def test_a_new_confirmation_link_replaces_the_older(client, outbox):
    register(client)
    first = outbox.link("ana@example.org", "confirmar")
    Auth(client).attempt("ana@example.org")  # an unconfirmed account signs in
    assert signed_in(client)
    resent = client.post("/cuenta/confirmacion/reenviar")
    assert resent.status_code == 303
    second = outbox.link("ana@example.org", "confirmar")
    assert second != first
    assert follow(client, first).status_code == 400
    assert client.post("/cuenta/confirmar").status_code == 400
    assert follow(client, second).status_code == 200
    assert client.post("/cuenta/confirmar").headers["Location"] == "/cuenta/seguridad"
    assert account("ana@example.org").is_confirmed


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t[:-1],
        lambda t: t + "x",
        lambda t: "x" * 300,
        lambda t: t.upper(),
    ],
    ids=["one-character", "shorter", "longer", "far-too-long", "case"],
)
def test_an_altered_link_opens_nothing(client, outbox, alter):
    register(client)
    link = outbox.link("ana@example.org", "confirmar")
    altered = link.rsplit("/", 1)[0] + "/" + alter(token_of(link))
    assert follow(client, altered).status_code == 400
    assert client.post("/cuenta/confirmar").status_code == 400
    assert not account("ana@example.org").is_confirmed
    assert follow(client, link).status_code == 200  # the real one still works


def test_a_token_serves_only_its_purpose(client, outbox):
    register(client)
    confirmation = token_of(outbox.link("ana@example.org", "confirmar"))
    bob = f.user()
    db.session.commit()
    client.post("/cuenta/olvide-mi-contrasena", data={"email": bob.email})
    reset = token_of(outbox.link(bob.email, "restablecer"))
    assert follow(client, f"http://localhost/cuenta/restablecer/{confirmation}").status_code == 400
    assert follow(client, f"http://localhost/cuenta/confirmar/{reset}").status_code == 400
    assert client.post("/cuenta/confirmar").status_code == 400
    assert not account("ana@example.org").is_confirmed


def test_a_link_acts_on_its_own_account_whoever_is_signed_in(client, outbox, auth):
    register(client)
    link = outbox.link("ana@example.org", "confirmar")
    bob = auth.login_as()
    follow(client, link)
    assert client.post("/cuenta/confirmar").status_code == 303
    assert account("ana@example.org").is_confirmed
    assert signed_in(client)  # still Bob's session, Bob untouched
    assert account(bob.email).is_confirmed


def test_a_registered_address_is_told_how_to_sign_in_or_reset(client, outbox):
    ana = f.user(email="ana@example.org")
    db.session.commit()
    assert register(client, "Ana@Example.org").status_code == 302
    message = outbox.last("ana@example.org")
    body = body_of(message)
    assert "ya tiene una" in body
    assert "http://localhost/entrar" in body
    assert "http://localhost/cuenta/olvide-mi-contrasena" in body
    assert "/cuenta/restablecer/" not in body and "/cuenta/confirmar/" not in body
    assert account(ana.email).password_hash == ana.password_hash


# ───────────── what an unconfirmed account may do ─────────────


def _open_world():
    process = f.process(
        now_allows=("allows_propose", "allows_support", "allows_comment", "allows_vote")
    )
    budget = f.budget(process)
    author = f.user()
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title="Bancas en la plaza principal",
        body="Bancas a la sombra en la plaza principal, junto a los árboles.",
        category="espacio-publico",
    )
    db.session.add(proposal)
    db.session.commit()
    return process, budget, proposal


def test_an_unconfirmed_account_may_support_but_not_vote_propose_or_comment(client, outbox):
    process, budget, proposal = _open_world()
    register(client)
    Auth(client).attempt("ana@example.org")
    ana = account("ana@example.org")
    home = client.get("/")
    assert 'data-testid="unconfirmed-banner"' in home.text

    base = f"/procesos/{process.slug}"
    supported = client.post(f"{base}/propuestas/{proposal.id}/apoyar")
    assert supported.status_code == 303
    assert db.session.scalar(select(Support).where(Support.user_id == ana.id)) is not None

    ballot = f"{base}/presupuestos/{budget.id}/boleta"
    page = client.get(ballot)
    assert page.status_code == 403
    assert "Para votar primero confirma tu correo electrónico." in page.text
    assert 'data-testid="resend-confirmation"' in page.text
    project = f.project_ids(budget)[0]
    voted = client.post(f"{ballot}/confirmar", data={"project": [project]})
    assert voted.status_code == 403
    assert db.session.scalars(select(Ballot)).all() == []

    new = f"{base}/propuestas/nueva"
    assert client.get(new).status_code == 403
    proposed = client.post(
        new,
        data={
            "title": "Luminarias para la calle oscura",
            "body": "Luminarias nuevas en la calle de mi casa, que está muy oscura.",
            "category": "cultura",
            "district_id": 0,
        },
    )
    assert proposed.status_code == 403
    assert "Para enviar propuestas primero confirma" in proposed.text
    assert 'data-testid="resend-confirmation"' in proposed.text
    assert "Luminarias para la calle oscura" in proposed.text  # what was typed is kept
    assert db.session.scalar(select(Proposal).where(Proposal.author_id == ana.id)) is None

    commented = client.post(
        f"{base}/propuestas/{proposal.id}/comentarios", data={"body": "Me parece muy bien."}
    )
    assert commented.status_code == 403
    assert db.session.scalars(select(Comment)).all() == []

    follow(client, outbox.link("ana@example.org", "confirmar"))
    client.post("/cuenta/confirmar")
    assert client.get(ballot).status_code == 200
    assert 'data-testid="unconfirmed-banner"' not in client.get("/").text


def test_what_unconfirmed_accounts_may_do_is_a_setting(ctx, client, outbox, monkeypatch):
    monkeypatch.setitem(ctx.config, "UNCONFIRMED_ACCOUNTS_MAY", ["vote"])
    process, budget, proposal = _open_world()
    register(client)
    Auth(client).attempt("ana@example.org")
    base = f"/procesos/{process.slug}"
    assert client.get(f"{base}/presupuestos/{budget.id}/boleta").status_code == 200
    assert client.post(f"{base}/propuestas/{proposal.id}/apoyar").status_code == 403


def test_staff_roles_need_a_confirmed_email(client, auth, outbox):
    register(client)
    ana = account("ana@example.org")
    admin = auth.login_as(Role.ADMIN)
    listed = client.get("/admin/usuarios")
    assert "Correo sin confirmar" in listed.text
    refused = client.post(f"/admin/usuarios/{ana.id}/rol", data={"role": "moderator"})
    assert refused.status_code == 409
    assert "aún no confirma su correo" in refused.text
    assert account(ana.email).role == Role.RESIDENT
    ana.email_confirmed_at = utcnow()
    db.session.commit()
    assert (
        client.post(f"/admin/usuarios/{ana.id}/rol", data={"role": "moderator"}).status_code == 303
    )
    assert account(ana.email).role == Role.MODERATOR
    luis = services.register_user("luis@example.org", "Luis", f.PASSWORD, confirmed=False)
    with pytest.raises(Conflict):  # the command line's --promote too
        services.create_admin(luis.email, None, promote=True)
    assert admin.is_admin


# ───────────── forgotten password ─────────────


def _forgot(client, email: str):
    assert client.get("/cuenta/olvide-mi-contrasena").status_code == 200
    return client.post("/cuenta/olvide-mi-contrasena", data={"email": email})


def test_forgot_password_answers_the_same_for_known_unknown_and_blocked(ctx, outbox):
    ana, bob = f.user(), f.user()
    bob.blocked_at = utcnow()
    db.session.commit()
    answers = {}
    for email in (ana.email, "nadie@example.org", bob.email, ana.email.upper()):
        client = ctx.test_client()
        response = _forgot(client, email)
        landing = client.get(response.headers["Location"])
        answers[email] = (
            response.status_code,
            response.headers["Location"],
            landing.status_code,
            landing.text,
        )
    assert len(set(answers.values())) == 1
    assert answers[ana.email][:3] == (303, "/cuenta/olvide-mi-contrasena/enviado", 200)
    assert [m["To"] for m in outbox.messages()] == [ana.email, ana.email]
    assert outbox.messages(bob.email) == []


def test_a_reset_link_sets_a_new_password_once_and_signs_in_afresh(ctx, outbox):
    ana = f.user()
    db.session.commit()
    phone = ctx.test_client()
    Auth(phone).login(ana)
    browser = ctx.test_client()
    _forgot(browser, ana.email)
    link = outbox.link(ana.email, "restablecer")
    assert "1 hora" in body_of(outbox.last(ana.email))

    form = follow(browser, link)
    assert form.status_code == 200 and ana.email in form.text
    assert token_of(link) not in form.text
    weak = browser.post(
        "/cuenta/restablecer", data={"password": "1234567890", "confirm": "1234567890"}
    )
    assert weak.status_code == 422 and "solo números" in weak.text
    assert 'aria-invalid="true"' in weak.text  # beside the field
    assert account(ana.email).check_password(f.PASSWORD)  # nothing changed; the link still works

    done = browser.post(
        "/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/cuenta/seguridad"
    assert signed_in(browser)  # signed in afresh
    assert not signed_in(phone)  # every other session ended
    assert account(ana.email).check_password(NEW_PASSWORD)
    assert Auth(ctx.test_client()).attempt(ana.email).status_code == 401  # the old one
    assert outbox.last(ana.email)["Subject"] == "Tu contraseña de Participa cambió"

    again = follow(ctx.test_client(), link)  # used
    assert again.status_code == 400 and "Pedir un enlace nuevo" in again.text


def test_a_reset_link_expires_after_an_hour(client, outbox, clock):
    ana = f.user()
    db.session.commit()
    _forgot(client, ana.email)
    link = outbox.link(ana.email, "restablecer")
    clock(timedelta(minutes=59))
    assert follow(client, link).status_code == 200
    clock(timedelta(hours=1, seconds=1))
    refused = client.post(
        "/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status_code == 400
    assert account(ana.email).check_password(f.PASSWORD)


def test_a_newer_reset_link_replaces_the_older(client, outbox):
    ana = f.user()
    db.session.commit()
    _forgot(client, ana.email)
    first = outbox.link(ana.email, "restablecer")
    _forgot(client, ana.email)
    second = outbox.link(ana.email, "restablecer")
    assert first != second
    assert follow(client, first).status_code == 400
    assert follow(client, second).status_code == 200


def test_a_password_change_ends_the_reset_links(ctx, outbox):
    ana = f.user()
    db.session.commit()
    _forgot(ctx.test_client(), ana.email)
    link = outbox.link(ana.email, "restablecer")
    laptop = ctx.test_client()
    Auth(laptop).login(ana)
    changed = laptop.post(
        "/cuenta/seguridad/contrasena",
        data={"current_password": f.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert follow(ctx.test_client(), link).status_code == 400
    assert db.session.scalars(select(AccountToken)).all() == []


def test_a_reset_link_resets_its_own_account_only(ctx, client, auth, outbox):
    ana = f.user()
    db.session.commit()
    _forgot(ctx.test_client(), ana.email)
    link = outbox.link(ana.email, "restablecer")
    bob = auth.login_as()  # someone else signed in on this browser
    assert ana.email in follow(client, link).text
    client.post("/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert account(ana.email).check_password(NEW_PASSWORD)
    assert account(bob.email).check_password(f.PASSWORD)
    page = client.get("/cuenta").text
    assert ana.name in page and bob.name not in page  # signed in as Ana now, not Bob


def test_a_reset_through_the_mail_confirms_the_address(client, outbox):
    register(client)
    assert not account("ana@example.org").is_confirmed
    _forgot(client, "ana@example.org")
    follow(client, outbox.link("ana@example.org", "restablecer"))
    client.post("/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert account("ana@example.org").is_confirmed


def test_each_account_gets_a_few_reset_links_an_hour(ctx, outbox, clock):
    ana = f.user(email="ana@example.org")
    db.session.commit()
    answers = set()
    for email in ("ana@example.org", "ANA@example.org", "Ana@Example.org", "ana@EXAMPLE.org"):
        response = _forgot(ctx.test_client(), email)
        answers.add((response.status_code, response.headers["Location"]))
    assert answers == {(303, "/cuenta/olvide-mi-contrasena/enviado")}  # the same answer
    assert len(outbox.messages(ana.email)) == 3  # PASSWORD_RESET_MAILS_PER_HOUR
    clock(timedelta(minutes=61))
    _forgot(ctx.test_client(), ana.email)
    assert len(outbox.messages(ana.email)) == 4


def test_a_typo_in_the_address_is_said_beside_the_field(client, outbox):
    response = client.post("/cuenta/olvide-mi-contrasena", data={"email": "ana-sin-arroba"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'value="ana-sin-arroba"' in response.text
    assert outbox.messages() == []


# ───────────── password change, log out everywhere ─────────────


def test_a_password_change_asks_the_current_one_and_ends_the_other_sessions(ctx, outbox):
    ana = f.user()
    db.session.commit()
    laptop, phone = ctx.test_client(), ctx.test_client()
    Auth(laptop).login(ana)
    Auth(phone).login(ana)
    page = laptop.get("/cuenta/seguridad")
    assert page.status_code == 200 and "Cambiar mi contraseña" in page.text
    url = "/cuenta/seguridad/contrasena"
    wrong = laptop.post(
        url,
        data={
            "current_password": "no-es-la-mia",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 422 and "Tu contraseña actual no es esa." in wrong.text
    assert 'id="current_password-error"' in wrong.text or 'aria-invalid="true"' in wrong.text
    weak = laptop.post(
        url,
        data={
            "current_password": f.PASSWORD,
            "password": "contraseña123",
            "confirm": "contraseña123",
        },
    )
    assert weak.status_code == 422 and "más usadas" in weak.text
    assert account(ana.email).check_password(f.PASSWORD) and signed_in(phone)

    done = laptop.post(
        url,
        data={"current_password": f.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert signed_in(laptop) and not signed_in(phone)
    assert account(ana.email).check_password(NEW_PASSWORD)
    assert outbox.last(ana.email)["Subject"] == "Tu contraseña de Participa cambió"


def test_log_out_everywhere_from_the_security_page(ctx):
    ana = f.user()
    db.session.commit()
    laptop, phone = ctx.test_client(), ctx.test_client()
    Auth(laptop).login(ana)
    Auth(phone).login(ana)
    assert 'data-testid="logout-everywhere"' in laptop.get("/cuenta/seguridad").text
    assert laptop.post("/cuenta/cerrar-sesiones").status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)


# ───────────── an administrator's reset link ─────────────


def test_an_administrator_sends_a_reset_link_never_a_password(client, auth, outbox):
    ana = f.user()
    db.session.commit()
    admin = auth.login_as(Role.ADMIN)
    listed = client.get("/admin/usuarios")
    assert f"/admin/usuarios/{ana.id}/enlace-de-acceso" in listed.text
    assert f"/admin/usuarios/{admin.id}/enlace-de-acceso" not in listed.text  # not one's own
    sent = client.post(f"/admin/usuarios/{ana.id}/enlace-de-acceso", follow_redirects=True)
    assert sent.status_code == 200 and "Enviamos a" in sent.text
    link = outbox.link(ana.email, "restablecer")
    assert token_of(link) not in sent.text
    assert "La administración de Participa te envió" in body_of(outbox.last(ana.email))
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "user.reset_link_sent"))
    assert entry is not None and (entry.actor_id, entry.target_id) == (admin.id, ana.id)
    log_page = client.get("/admin/registro")
    assert "un enlace para crear una contraseña nueva" in log_page.text
    other = Auth(client.application.test_client())
    follow(other.client, link)
    other.client.post(
        "/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert account(ana.email).check_password(NEW_PASSWORD)


# ───────────── secrets stay secret ─────────────


def test_no_token_reaches_a_log_or_the_database(ctx, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    client = ctx.test_client()
    register(client)
    confirmation = outbox.link("ana@example.org", "confirmar")
    follow(client, confirmation)
    client.post("/cuenta/confirmar")
    _forgot(client, "ana@example.org")
    reset = outbox.link("ana@example.org", "restablecer")
    follow(client, reset)
    client.post("/cuenta/restablecer", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    secrets = [token_of(confirmation), token_of(reset)]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "written to" in logged  # the mail log was there
    assert not any(secret in logged for secret in secrets)
    stored = everything_stored()
    assert not any(secret in stored for secret in secrets)
    assert db.session.scalars(select(Notification.secret)).all() == [None] * 3  # erased


def test_request_logs_hide_the_token_of_a_link():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /cuenta/restablecer/abcDEF-_123 HTTP/1.1", "303"),
        None,
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /cuenta/restablecer/[token] HTTP/1.1" 303'
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "GET /cuenta/confirmar/xyz?a=1", None, None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == "GET /cuenta/confirmar/[token]?a=1"
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)
