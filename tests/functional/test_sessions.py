"""Session cookies: Secure outside debug and tests, HttpOnly, SameSite; a fresh session at
login (no fixation), everything forgotten at logout, an idle lifetime."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import yaml
from flask import Flask, session

from participa.config import default_config
from participa.extensions import db
from participa.security import SessionCookies, secure_cookies
from tests import factories as f
from tests.support.auth import Auth

ROOT = Path(__file__).resolve().parents[2]


def flask_app(**config) -> Flask:
    app = Flask("cookies")
    app.config.from_mapping(default_config("/tmp"))
    app.config.update(config)
    secure_cookies(app)
    return app


def test_cookies_are_secure_unless_debug_or_tests():
    production = flask_app()
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert production.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert flask_app(DEBUG=True).config["SESSION_COOKIE_SECURE"] is False
    assert flask_app(TESTING=True).config["SESSION_COOKIE_SECURE"] is False
    demo = flask_app(SESSION_COOKIE_SECURE=False)  # PARTICIPA_SESSION_COOKIE_SECURE=false
    assert demo.config["SESSION_COOKIE_SECURE"] is False
    assert demo.config["REMEMBER_COOKIE_SECURE"] is False
    forced = flask_app(TESTING=True, SESSION_COOKIE_SECURE=True)
    assert forced.config["REMEMBER_COOKIE_SECURE"] is True


def test_demo_and_compose_say_it_explicitly():
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile[makefile.index("\ndemo:") : makefile.index("\n## test:")]
    assert "PARTICIPA_SESSION_COOKIE_SECURE=false" in demo and "flask run" in demo
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        assert env["PARTICIPA_SESSION_COOKIE_SECURE"] == "true"
        assert env["PARTICIPA_REMEMBER_COOKIE_SECURE"] == "true"
        assert env["RATELIMIT_STORAGE_URI"].startswith("redis://")


@pytest.fixture
def secure(ctx, monkeypatch):
    """The test app as in production: Secure cookies (the test client speaks https)."""
    monkeypatch.setitem(ctx.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(ctx.config, "REMEMBER_COOKIE_SECURE", True)
    return ctx


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_login_sets_a_secure_httponly_samesite_cookie_that_expires(secure):
    client = secure.test_client()
    user = f.user()
    db.session.commit()
    response = client.post(
        "https://localhost/entrar", data={"email": user.email, "password": f.PASSWORD}
    )
    assert response.status_code == 302
    cookie = session_cookie(response)
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite", "expires"} <= flags
    assert "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    left = expires - datetime.now(UTC)
    assert timedelta(hours=11, minutes=50) < left <= timedelta(hours=12)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_starts_a_fresh_session_keeping_only_the_language(client, auth):
    user = f.user()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "999"
        session["locale"] = "es_MX"
    auth.login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(user.id)
        assert session["locale"] == "es_MX"
        assert session.permanent


def test_logout_forgets_the_session(client, auth):
    user = f.user()
    db.session.commit()
    auth.login(user)
    with client.session_transaction() as session:
        session["locale"] = "es_MX"
        session["draft"] = "something of this person"
    assert client.get("/verificacion").status_code == 200
    response = client.post("/salir")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert set(session.keys()) == {"locale", "_flashes"}  # "Cerraste tu sesión."
    page = client.get("/verificacion")
    assert page.status_code == 302 and "/entrar" in page.headers["Location"]


def replay(app: Flask, cookie: str):
    """A request to a signed-in page from another browser holding a copy of ``cookie``,
    in an application context of its own, as on a real server (the test's context would
    hand it the user that the previous request left in ``g``)."""
    with app.app_context():
        thief = app.test_client()
        thief.set_cookie("session", cookie)
        return thief.get("/verificacion")


def signed_in(response) -> bool:
    if response.status_code == 302:
        assert "/entrar" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_copied_before_logout_signs_nobody_in_after_it(ctx):
    user = f.user()
    db.session.commit()
    client = ctx.test_client()
    Auth(client).login(user)
    copied = client.get_cookie("session").value
    assert signed_in(replay(ctx, copied))  # the copy works while the session lasts
    assert client.post("/salir").status_code == 302
    assert not signed_in(replay(ctx, copied))


def test_log_out_everywhere_ends_every_session_of_the_account(ctx):
    ana, luis = f.user(), f.user()
    db.session.commit()
    phone, laptop, other = ctx.test_client(), ctx.test_client(), ctx.test_client()
    for client, user in ((phone, ana), (laptop, ana), (other, luis)):
        Auth(client).login(user)
    copied = phone.get_cookie("session").value
    page = laptop.get("/cuenta")
    assert "Cerrar sesión en todos los dispositivos" in page.text
    response = laptop.post("/cuenta/cerrar-sesiones")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not signed_in(phone.get("/verificacion"))
    assert not signed_in(laptop.get("/verificacion"))
    assert not signed_in(replay(ctx, copied))
    assert signed_in(other.get("/verificacion"))  # nobody else's
    Auth(phone).login(ana)  # and the account can sign in again
    assert signed_in(phone.get("/verificacion"))


def test_a_new_secret_key_ends_the_sessions_signed_with_the_old_one_unless_kept():
    # The signing serializer is built once per set of keys (SessionCookies), so a key
    # rotated in place must not be served by the serializer of the old key.
    app = flask_app(SECRET_KEY="old-key")
    app.session_interface = SessionCookies()

    @app.get("/set")
    def set_value():
        session["who"] = "vecina"
        return ""

    @app.get("/get")
    def get_value():
        return session.get("who", "nobody")

    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "vecina"
    app.secret_key = "new-key"
    assert client.get("/get").text == "nobody"  # signed with a key no longer accepted
    client.get("/set")
    app.config["SECRET_KEY_FALLBACKS"] = ["new-key"]
    app.secret_key = "newest-key"
    assert client.get("/get").text == "vecina"  # a fallback key still reads it


def test_a_static_file_never_overwrites_the_session_a_page_just_stored(ctx, client):
    """A signed-in session is refreshed by the pages it visits; a stylesheet or favicon
    still loading from the previous page carries the previous cookie, and answering it
    with that cookie would undo what a page just stored (the CI saw a mailed link's token
    lost between its redirect and the page it leads to)."""
    user = f.user()
    db.session.commit()
    Auth(client).login(user)
    page = client.get("/")
    assert any(c.startswith("session=") for c in page.headers.getlist("Set-Cookie"))
    for path in ("/static/css/participa.css", "/static/favicon.svg"):
        response = client.get(path)
        assert response.status_code == 200
        assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie")), (
            path
        )
