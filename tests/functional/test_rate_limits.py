"""Rate limits: login per address and per e-mail (failures only), registration per address,
proposals and ballot confirmations per account, receipt checks per address; a Spanish 429
page with Retry-After; the counters in the real Redis; and a Redis that is down never stops a
vote.

The shared test application runs without limits (``RATELIMIT_ENABLED=False``); each test here
builds a limited application of its own on the same database."""

import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from participa import create_app
from participa.accounts import services
from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.config import default_config
from participa.conversation.models import Comment, Report
from participa.extensions import db
from participa.legal.models import DataRequest
from participa.notifications.models import Notification
from participa.proposals.models import Proposal
from participa.ratelimit import LIMITS
from tests import factories as f
from tests.support.auth import Auth

SMALL = {
    "RATELIMIT_LOGIN_PER_IP": "100 per minute",
    "RATELIMIT_LOGIN_PER_EMAIL": "3 per 15 minutes",
    "RATELIMIT_REGISTER_PER_IP": "2 per hour",
    "RATELIMIT_REGISTER_FAILED_PER_IP": "6 per hour",
    "RATELIMIT_PROPOSAL_PER_USER": "2 per hour",
    "RATELIMIT_PROPOSAL_FAILED_PER_USER": "6 per hour",
    "RATELIMIT_COMMENT_PER_USER": "3 per minute",
    "RATELIMIT_COMMENT_FAILED_PER_USER": "6 per hour",
    "RATELIMIT_REPORT_PER_USER": "3 per hour",
    "RATELIMIT_REPORT_FAILED_PER_USER": "6 per hour",
    "RATELIMIT_BALLOT_PER_USER": "2 per hour",
    "RATELIMIT_RECEIPT_PER_IP": "3 per minute",
    "RATELIMIT_PASSWORD_RESET_PER_EMAIL": "2 per hour",
    "RATELIMIT_PASSWORD_RESET_PER_IP": "5 per hour",
    "RATELIMIT_NEW_PASSWORD_PER_IP": "3 per hour",
    "RATELIMIT_PASSWORD_CHANGE_FAILED_PER_USER": "2 per hour",
    "RATELIMIT_CONFIRMATION_PER_USER": "2 per hour",
    "RATELIMIT_EMAIL_CHANGE_PER_USER": "2 per hour",
    "RATELIMIT_DATA_REQUEST_PER_USER": "2 per hour",
    "RATELIMIT_ACCOUNT_SETTINGS_PER_USER": "2 per hour",
}


@pytest.fixture
def make_limited(ctx: Flask) -> Iterator[Callable[..., Flask]]:
    """Build applications like the test one, with rate limits on (memory storage unless
    told otherwise); the shared app's Celery stays the current one afterwards."""
    celery = ctx.extensions["celery"]

    def build(**config) -> Flask:
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": ctx.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LEGAL_ACCEPTANCE_REQUIRED": False,  # as the shared test application
            **SMALL,
            **config,
        }
        app = create_app(settings)
        celery.set_current()
        celery.set_default()
        return app

    yield build
    celery.set_current()
    celery.set_default()


def assert_refused(response) -> None:
    assert response.status_code == 429
    assert "Demasiados intentos" in response.text
    assert "No se guardó ningún cambio." in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def test_defaults_and_the_table_of_limits():
    config = default_config("/tmp")
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_SWALLOW_ERRORS"] is True
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    for key in SMALL:
        assert " per " in config[key], key
    comments = ("conversation.comment_proposal", "conversation.comment_project")
    assert {(endpoint, limit.config_key) for limit in LIMITS for endpoint in limit.endpoints} == {
        ("accounts.login", "RATELIMIT_LOGIN_PER_IP"),
        ("accounts.login", "RATELIMIT_LOGIN_PER_EMAIL"),
        ("accounts.register", "RATELIMIT_REGISTER_PER_IP"),
        ("accounts.register", "RATELIMIT_REGISTER_FAILED_PER_IP"),
        ("proposals.new", "RATELIMIT_PROPOSAL_PER_USER"),
        ("proposals.new", "RATELIMIT_PROPOSAL_FAILED_PER_USER"),
        *((endpoint, "RATELIMIT_COMMENT_PER_USER") for endpoint in comments),
        *((endpoint, "RATELIMIT_COMMENT_FAILED_PER_USER") for endpoint in comments),
        ("accountability.comment", "RATELIMIT_COMMENT_PER_USER"),
        ("accountability.comment", "RATELIMIT_COMMENT_FAILED_PER_USER"),
        ("conversation.report", "RATELIMIT_REPORT_PER_USER"),
        ("conversation.report", "RATELIMIT_REPORT_FAILED_PER_USER"),
        ("budgets.confirm", "RATELIMIT_BALLOT_PER_USER"),
        ("opendata.receipt", "RATELIMIT_RECEIPT_PER_IP"),
        ("accounts.forgot_password", "RATELIMIT_PASSWORD_RESET_PER_EMAIL"),
        ("accounts.forgot_password", "RATELIMIT_PASSWORD_RESET_PER_IP"),
        ("accounts.reset_password", "RATELIMIT_NEW_PASSWORD_PER_IP"),
        ("accounts.change_password", "RATELIMIT_PASSWORD_CHANGE_FAILED_PER_USER"),
        ("accounts.resend_confirmation", "RATELIMIT_CONFIRMATION_PER_USER"),
        ("accounts.delete_account", "RATELIMIT_DELETE_ACCOUNT_FAILED_PER_USER"),
        ("accounts.my_data", "RATELIMIT_DATA_EXPORT_PER_USER"),
        ("profile.email", "RATELIMIT_EMAIL_CHANGE_PER_USER"),
        ("legal.my_requests", "RATELIMIT_DATA_REQUEST_PER_USER"),
        *(
            (endpoint, "RATELIMIT_ACCOUNT_SETTINGS_PER_USER")
            for endpoint in ("profile.edit", "notifications.settings", "legal.accept")
        ),
    }


def test_storage_defaults_to_the_redis_broker(monkeypatch):
    for name in ("RATELIMIT_STORAGE_URI", "REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    assert default_config("/tmp")["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://broker:6379/0")
    assert default_config("/tmp")["RATELIMIT_STORAGE_URI"] == "redis://broker:6379/0"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    assert default_config("/tmp")["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://limits:6379/1")
    assert default_config("/tmp")["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/1"


def test_failed_logins_are_counted_per_email(make_limited):
    client = make_limited().test_client()
    ana, luis = f.user(), f.user()
    db.session.commit()
    for _ in range(3):
        assert Auth(client).attempt(ana.email, "otra-clave-mala").status_code == 401
    refused = Auth(client).attempt(ana.email.upper())  # even the right password, any case
    assert_refused(refused)
    assert int(refused.headers["Retry-After"]) <= 15 * 60
    assert Auth(client).attempt(luis.email, "otra-clave-mala").status_code == 401  # another account
    assert Auth(client).attempt(luis.email).status_code == 302
    assert client.get("/entrar").status_code == 200  # the form itself is not limited


def test_successful_logins_do_not_count_against_the_email(make_limited):
    client = make_limited().test_client()
    ana = f.user()
    db.session.commit()
    for _ in range(5):
        assert Auth(client).attempt(ana.email).status_code == 302
        client.post("/salir")


def test_logins_are_counted_per_address(make_limited):
    app = make_limited(RATELIMIT_LOGIN_PER_IP="3 per minute")
    client = app.test_client()
    for n in range(3):
        assert Auth(client).attempt(f"nadie{n}@example.org", "otra-clave-mala").status_code == 401
    assert_refused(Auth(client).attempt("alguien-mas@example.org", "otra-clave-mala"))
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/entrar",
        data={"email": "nadie@example.org", "password": "otra-clave-mala"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 401


def register(client, n: int, password: str = f.PASSWORD):
    return client.post(
        "/registro",
        data={
            "name": f"Persona {n}",
            "email": f"nueva{n}@example.org",
            "district_id": 0,
            "password": password,
            "confirm": password,
            "accept_legal": "y",
        },
    )


def test_registrations_are_counted_per_address(make_limited):
    client = make_limited().test_client()
    for n in range(4):  # typos do not count against the registrations
        assert register(client, 100 + n, password="corta").status_code == 422
    for n in range(2):
        assert register(client, n).status_code == 302
    assert_refused(register(client, 2))
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_refused_registrations_have_their_own_higher_limit(make_limited):
    client = make_limited().test_client()
    for n in range(6):
        assert register(client, n, password="1234567890").status_code == 422
    assert_refused(register(client, 6))  # even a good one, from that address, for a while
    assert register(client, 7, password="corta").status_code == 429
    assert db.session.scalar(select(func.count(User.id))) == 0


def propose(client, slug: str, n: int, title: str | None = None):
    return client.post(
        f"/procesos/{slug}/propuestas/nueva",
        data={
            "title": f"Propuesta número {n} del barrio" if title is None else title,
            "body": "Una descripción suficientemente larga de la propuesta.",
            "category": "cultura",
            "district_id": 0,
        },
    )


def test_proposals_are_counted_per_account(make_limited):
    process = f.process(now_allows=("allows_propose",))
    ana, luis = f.user(), f.user()
    db.session.commit()
    app = make_limited()
    client = app.test_client()
    Auth(client).login(ana)
    for n in range(2):
        assert propose(client, process.slug, n).status_code == 302
    assert_refused(propose(client, process.slug, 2))
    assert client.get(f"/procesos/{process.slug}/propuestas/nueva").status_code == 200
    other = app.test_client()  # same address, another account
    Auth(other).login(luis)
    assert propose(other, process.slug, 3).status_code == 302
    assert db.session.scalar(select(func.count(Proposal.id))) == 3


def test_typos_do_not_lock_a_resident_out_of_proposing(make_limited):
    process = f.process(now_allows=("allows_propose",))
    ana = f.user()
    db.session.commit()
    client = make_limited().test_client()
    Auth(client).login(ana)
    for n in range(5):  # five submissions with a title too short
        assert propose(client, process.slug, n, title="Sí").status_code == 422
    assert propose(client, process.slug, 5).status_code == 302  # accepted
    assert propose(client, process.slug, 6).status_code == 302
    assert_refused(propose(client, process.slug, 7))  # the limit of accepted ones
    assert db.session.scalar(select(func.count(Proposal.id))) == 2


def test_refused_proposals_have_their_own_higher_limit(make_limited):
    process = f.process(now_allows=("allows_propose",))
    ana = f.user()
    db.session.commit()
    client = make_limited().test_client()
    Auth(client).login(ana)
    for n in range(6):
        assert propose(client, process.slug, n, title="").status_code == 422
    assert_refused(propose(client, process.slug, 6, title=""))
    assert_refused(propose(client, process.slug, 7))
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_comments_and_reports_are_counted_per_account(make_limited):
    process = f.process(now_allows=("allows_comment",))
    author, ana, luis = f.user(), f.user(), f.user()
    proposals = [
        Proposal(
            process_id=process.id,
            author_id=author.id,
            title=f"Propuesta {n} para la colonia",
            body="Una descripción suficientemente larga de la propuesta.",
            category="cultura",
        )
        for n in range(5)
    ]
    db.session.add_all(proposals)
    db.session.commit()
    app = make_limited()
    client = app.test_client()
    Auth(client).login(ana)
    page = f"/procesos/{process.slug}/propuestas/{proposals[0].id}"
    assert client.post(page + "/comentarios", data={"body": "x"}).status_code == 422  # typo
    for n in range(3):
        assert client.post(page + "/comentarios", data={"body": f"Idea {n}"}).status_code == 303
    assert_refused(client.post(page + "/comentarios", data={"body": "Una más"}))
    elsewhere = f"/procesos/{process.slug}/propuestas/{proposals[1].id}/comentarios"
    assert_refused(client.post(elsewhere, data={"body": "En otra página"}))  # one count
    assert client.post(f"/contenido/propuesta/{proposals[0].id}/reportar").status_code == 422
    for p in proposals[:3]:
        response = client.post(f"/contenido/propuesta/{p.id}/reportar", data={"reason": "Spam"})
        assert response.status_code == 303
    reported = f"/contenido/propuesta/{proposals[3].id}/reportar"
    assert_refused(client.post(reported, data={"reason": "Spam"}))
    assert db.session.scalar(select(func.count(Comment.id))) == 3
    assert db.session.scalar(select(func.count(Report.id))) == 3
    other = app.test_client()  # same address, another account
    Auth(other).login(luis)
    assert other.post(page + "/comentarios", data={"body": "Hola"}).status_code == 303
    assert other.post(reported, data={"reason": "Spam"}).status_code == 303


def test_ballot_confirmations_are_counted_per_account(make_limited):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    p1, p2, *_ = f.project_ids(budget)
    ana, luis = f.user(), f.user()
    db.session.commit()
    app = make_limited()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    client = app.test_client()
    Auth(client).login(ana)
    assert client.post(url, data={"project": [p1]}).status_code == 303
    assert client.post(url, data={"project": [p2]}).status_code == 303
    assert_refused(client.post(url, data={"project": [p1, p2]}))
    stored = db.session.scalar(select(Ballot).where(Ballot.user_id == ana.id))
    assert [item.project_id for item in stored.items] == [p2]  # the refused one changed nothing
    other = app.test_client()
    Auth(other).login(luis)
    assert other.post(url, data={"project": [p1]}).status_code == 303


def test_receipt_checks_are_counted_per_address(make_limited):
    client = make_limited().test_client()
    for _ in range(5):
        assert client.get("/comprobante").status_code == 200  # the form is never counted
    for n in range(3):
        response = client.post("/comprobante", data={"code": f"AAAA-BBBB-CCC{n}"})
        assert 'data-status="not_found"' in response.text
    assert_refused(client.post("/comprobante", data={"code": "AAAA-BBBB-CCC3"}))
    other = client.post(
        "/comprobante", data={"code": "AAAA-BBBB-CCC4"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert 'data-status="not_found"' in other.text  # another address has its own count


@pytest.mark.redis
def test_counters_live_in_redis(make_limited, redis_url):
    prefix = f"participa-test-{uuid.uuid4().hex}"
    server = redis.Redis.from_url(redis_url)
    try:
        app = make_limited(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
        ana = f.user()
        db.session.commit()
        client = app.test_client()
        for _ in range(3):
            assert Auth(client).attempt(ana.email, "otra-clave-mala").status_code == 401
        keys = [key.decode() for key in server.scan_iter(f"*{prefix}*")]
        assert any(ana.email in key for key in keys), keys
        # another application (another gunicorn worker) shares the counters
        second = make_limited(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
        assert_refused(Auth(second.test_client()).attempt(ana.email))
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def test_voting_goes_on_when_redis_is_down(make_limited, caplog):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    p1, *_ = f.project_ids(budget)
    ana = f.user()
    db.session.commit()
    app = make_limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")  # nothing listens
    client = app.test_client()
    assert Auth(client).attempt(ana.email).status_code == 302
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    assert client.post(url, data={"project": [p1]}).status_code == 303
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    # still limited, in the process's memory, while Redis is away
    client.post(url, data={"project": [p1]})
    assert_refused(client.post(url, data={"project": [p1]}))


def forgot(client, email: str, address: str = "127.0.0.1"):
    return client.post(
        "/cuenta/olvide-mi-contrasena",
        data={"email": email},
        environ_base={"REMOTE_ADDR": address},
    )


def test_reset_links_are_asked_for_per_address_typed_known_or_not(make_limited):
    """The limit of an address refuses alike whether it has an account: a refusal tells
    nothing; each client address has a limit of its own too."""
    client = make_limited().test_client()
    ana = f.user()
    db.session.commit()
    for email in (ana.email, "nadie@example.org"):
        answers = [forgot(client, email, f"10.0.0.{n}") for n in range(3)]
        assert [a.status_code for a in answers[:2]] == [303, 303]
        assert_refused(answers[2])
    assert forgot(client, ana.email.upper(), "10.0.0.9").status_code == 429  # any spelling
    mails = db.session.scalars(select(Notification).where(Notification.user_id == ana.id)).all()
    assert len(mails) == 2
    for n in range(5):  # now from one client address, a different address each time
        assert forgot(client, f"otra{n}@example.org", "10.9.9.9").status_code == 303
    assert_refused(forgot(client, "otra-mas@example.org", "10.9.9.9"))


def test_new_password_forms_are_limited_per_address(make_limited):
    client = make_limited().test_client()
    for _ in range(3):
        assert client.post("/cuenta/restablecer", data={"password": "x"}).status_code == 400
    assert_refused(client.post("/cuenta/restablecer", data={"password": "x"}))


def test_wrong_current_passwords_are_limited_per_account(make_limited):
    app = make_limited()
    client = app.test_client()
    ana = f.user()
    db.session.commit()
    Auth(client).login(ana)
    data = {
        "current_password": "no-es-la-mia",
        "password": "otra-clave-segura",
        "confirm": "otra-clave-segura",
    }
    for _ in range(2):
        assert client.post("/cuenta/seguridad/contrasena", data=data).status_code == 422
    data["current_password"] = f.PASSWORD
    assert_refused(client.post("/cuenta/seguridad/contrasena", data=data))
    db.session.expire_all()
    assert db.session.get(User, ana.id).check_password(f.PASSWORD)


def test_confirmation_links_are_resent_a_few_times_an_hour(make_limited):
    client = make_limited().test_client()
    ana = services.register_user("ana@example.org", "Ana", f.PASSWORD, confirmed=False)
    db.session.commit()
    Auth(client).login(ana)
    for _ in range(2):
        assert client.post("/cuenta/confirmacion/reenviar").status_code == 303
    assert_refused(client.post("/cuenta/confirmacion/reenviar"))
    sent = db.session.scalars(select(Notification).where(Notification.user_id == ana.id)).all()
    assert len(sent) == 2


def test_email_changes_are_asked_for_a_few_times_an_hour(make_limited):
    """Wrong passwords count too: each request mails two addresses, or guesses one."""
    client = make_limited().test_client()
    ana = f.user()
    db.session.commit()
    Auth(client).login(ana)
    wrong = {"email": "nueva@example.org", "current_password": "no-es-la-mia"}
    assert client.post("/cuenta/correo", data=wrong).status_code == 422
    right = {"email": "nueva@example.org", "current_password": f.PASSWORD}
    assert client.post("/cuenta/correo", data=right).status_code == 303
    assert_refused(client.post("/cuenta/correo", data=right))
    sent = db.session.scalars(select(Notification).where(Notification.user_id == ana.id)).all()
    assert len(sent) == 2  # the link and the notice of the one request taken


def test_requests_about_personal_data_are_counted_per_account(make_limited):
    ana, luis = f.user(), f.user()
    db.session.commit()
    app = make_limited()
    client = app.test_client()
    Auth(client).login(ana)
    form = {"kind": "rectify_account", "details": "Mi nombre lleva acento en la a."}
    for _n in range(2):
        assert client.post("/cuenta/solicitudes", data=form).status_code == 303
    assert_refused(client.post("/cuenta/solicitudes", data=form))
    assert client.get("/cuenta/solicitudes").status_code == 200
    other = app.test_client()  # same address, another account
    Auth(other).login(luis)
    assert other.post("/cuenta/solicitudes", data=form).status_code == 303
    assert db.session.scalar(select(func.count(DataRequest.id))) == 3


def test_the_account_settings_forms_are_counted_per_account(make_limited):
    """Profile, notification choices and accepting new notices share one bound."""
    client = make_limited().test_client()
    ana = f.user()
    db.session.commit()
    Auth(client).login(ana)
    profile = {"name": "Ana Ruiz", "district_id": "0", "locale": ""}
    assert client.post("/cuenta/perfil", data=profile).status_code == 303
    assert client.post("/cuenta/notificaciones", data={}).status_code == 303
    assert_refused(client.post("/cuenta/perfil", data=profile | {"name": "Ana R."}))
    db.session.expire_all()
    assert db.session.get(User, ana.id).name == "Ana Ruiz"  # the refused one changed nothing
