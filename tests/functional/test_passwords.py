"""Passwords: the policy (length, digits, common, built on the e-mail), scrypt hashing,
rehashing of older hashes at login, and the same work for unknown e-mails."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from participa.accounts import services
from participa.accounts.models import PASSWORD_METHOD, User
from participa.errors import Invalid
from participa.extensions import db
from tests import factories as f

STRONG = "correct-horse-battery"


@pytest.mark.parametrize(
    ("password", "email", "reason"),
    [
        ("corta", "ana@example.org", "al menos 10 caracteres"),
        ("x" * 129, "ana@example.org", "como máximo 128 caracteres"),
        ("98765432101", "ana@example.org", "solo números"),
        ("qwertyuiop", "ana@example.org", "de las más usadas"),
        ("Password123", "ana@example.org", "de las más usadas"),  # any case
        ("iloveyou12", "ana@example.org", "de las más usadas"),
        ("contraseña2026", "ana@example.org", "de las más usadas"),  # the Spanish additions
        ("ana.lopez@example.org", "ana.lopez@example.org", "tu correo"),
        ("Ana.Lopez2024", "ana.lopez@example.org", "tu correo"),
        ("xx-ana.lopez-xx", "ANA.LOPEZ@example.org", "tu correo"),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(ctx, password, email, reason):
    problems = services.password_problems(password, email)
    assert any(reason in problem for problem in problems), problems
    with pytest.raises(Invalid):
        services.register_user(email, "Ana", password)
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("password", "email"),
    [
        (STRONG, "ana@example.org"),
        ("x" * 128, "ana@example.org"),
        ("admin-demo-2026", "admin@participa.example"),  # the name plus 10 more characters
        ("ana-y-sus-gatos", "ana@example.org"),
        ("12345-tres-gatos", "ana@example.org"),
    ],
)
def test_good_passwords_pass(ctx, password, email):
    assert services.password_problems(password, email) == []


def test_the_vendored_list_is_loaded(ctx):
    common = services.common_passwords()
    assert len(common) > 19_000
    assert {"password", "123456", "qwertyuiop", "contraseña"} <= common
    assert STRONG not in common


def register(client, password, email="rosa@example.org"):
    return client.post(
        "/registro",
        data={
            "name": "Rosa",
            "email": email,
            "district_id": 0,
            "password": password,
            "confirm": password,
            "accept_legal": "y",
        },
    )


def test_registration_shows_each_reason_in_spanish_and_keeps_nothing(client):
    response = register(client, "1234567890")
    assert response.status_code == 422
    assert "La contraseña no puede ser solo números." in response.text
    assert "Esa contraseña es de las más usadas" in response.text
    response = register(client, "rosa@example.org")
    assert response.status_code == 422
    assert "La contraseña no puede ser tu correo ni basarse en él." in response.text
    response = register(client, "y" * 129)
    assert response.status_code == 422 and "128" in response.text
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert register(client, STRONG).status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_new_passwords_are_hashed_with_scrypt(ctx):
    user = services.register_user("ana@example.org", "Ana", STRONG)
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert PASSWORD_METHOD == "scrypt:32768:8:1"
    assert STRONG not in user.password_hash


def test_an_older_hash_is_redone_at_login(client, auth):
    user = f.user()
    user.password_hash = generate_password_hash(f.PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    wrong = client.post("/entrar", data={"email": user.email, "password": "otra-cosa-larga"})
    assert wrong.status_code == 401
    db.session.refresh(user)
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")  # not on a failed login
    auth.login(user)
    db.session.refresh(user)
    assert user.password_hash.startswith(PASSWORD_METHOD + "$")
    client.post("/salir")
    auth.login(user)  # the new hash works


def test_an_unknown_email_costs_one_hash_check_like_a_known_one(ctx, monkeypatch):
    user = f.user()
    db.session.commit()
    checked = []
    real = services.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    monkeypatch.setattr("participa.accounts.models.check_password_hash", spy)
    assert services.authenticate("nadie@example.org", "lo-que-sea-123") is None
    assert services.authenticate(user.email, "lo-que-sea-123") is None
    assert checked == [PASSWORD_METHOD, PASSWORD_METHOD]


def test_create_admin_applies_the_policy(ctx):
    with pytest.raises(Invalid):
        services.create_admin("alcaldia@example.org", "1234567890")
    assert services.create_admin("alcaldia@example.org", STRONG).is_admin
