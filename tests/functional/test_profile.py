"""The profile page (name, district locked once verified, language), "Mi actividad", and
the staff roles a person without a confirmed e-mail cannot get."""

from participa.accounts.models import User
from participa.census.models import Identity
from participa.extensions import db
from participa.processes.models import District
from tests import factories as f


def districts() -> tuple[District, District]:
    centro, norte = District(name="Centro"), District(name="Norte")
    db.session.add_all([centro, norte])
    db.session.commit()
    return centro, norte


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get_one(User, user.id)


def test_the_profile_saves_name_district_and_language(client, auth):
    centro, norte = districts()
    user = auth.login_as(district_id=centro.id)
    page = client.get("/cuenta/perfil")
    assert page.status_code == 200
    assert 'data-testid="district-locked"' not in page.text
    saved = client.post(
        "/cuenta/perfil", data={"name": "Ana María", "district_id": norte.id, "locale": "en"}
    )
    assert saved.status_code == 303 and saved.headers["Location"] == "/cuenta/perfil"
    user = fresh(user)
    assert (user.name, user.district_id, user.locale) == ("Ana María", norte.id, "en")
    assert '<html lang="en"' in client.get("/cuenta/perfil").text  # in English at once

    client.post("/cuenta/perfil", data={"name": "Ana María", "district_id": 0, "locale": ""})
    user = fresh(user)
    assert (user.district_id, user.locale) == (None, None)  # the browser's language again
    assert "Guardamos tu perfil" in client.get("/cuenta/perfil").text


def test_a_bad_profile_keeps_what_was_typed_and_saves_nothing(client, auth):
    centro, _ = districts()
    user = auth.login_as(district_id=centro.id)
    name = user.name
    refused = client.post(
        "/cuenta/perfil", data={"name": "  ", "district_id": 0, "locale": "fr"}
    )
    assert refused.status_code == 422
    assert 'id="name-error"' in refused.text and 'id="locale-error"' in refused.text
    assert '<option selected value="0">' in refused.text  # the district chosen is kept
    user = fresh(user)
    assert (user.name, user.district_id, user.locale) == (name, centro.id, None)


def test_a_verified_account_cannot_change_its_district(client, auth):
    centro, norte = districts()
    identity = Identity(document_hash="a" * 64, district_id=centro.id)
    db.session.add(identity)
    db.session.flush()
    user = auth.login_as(district_id=centro.id, identity_id=identity.id)
    page = client.get("/cuenta/perfil")
    assert 'data-testid="district-locked"' in page.text and "Centro" in page.text
    assert 'name="district_id"' not in page.text
    forged = client.post(
        "/cuenta/perfil", data={"name": "Otra", "district_id": norte.id, "locale": ""}
    )
    assert forged.status_code == 303  # the field is not asked: what a form sends is ignored
    user = fresh(user)
    assert (user.name, user.district_id) == ("Otra", centro.id)


def test_the_profile_service_refuses_a_district_change_when_verified(ctx):
    from participa.accounts.settings import update_profile
    from participa.errors import Invalid

    centro, norte = districts()
    identity = Identity(document_hash="b" * 64, district_id=centro.id)
    db.session.add(identity)
    db.session.flush()
    user = f.user()
    user.identity_id, user.district_id = identity.id, centro.id
    try:
        update_profile(user, name="X", district_id=norte.id, locale=None)
    except Invalid as error:
        assert error.field == "district_id"
    else:
        raise AssertionError("a verified district changed")


def test_the_chosen_language_applies_at_sign_in(client, auth):
    user = f.user()
    user.locale = "en"
    db.session.commit()
    auth.login(user)
    assert '<html lang="en"' in client.get("/cuenta").text
    # a visitor's earlier choice of language gives way to the account's
    other = client.application.test_client()
    other.post("/idioma/es_MX")
    from tests.support.auth import Auth

    Auth(other).login(user)
    assert '<html lang="en"' in other.get("/cuenta").text


def test_a_session_opened_before_the_choice_follows_it(client, auth, app):
    user = auth.login_as()
    elsewhere = app.test_client()
    from tests.support.auth import Auth

    Auth(elsewhere).login(user)
    client.post("/cuenta/perfil", data={"name": user.name, "district_id": 0, "locale": "en"})
    assert '<html lang="en"' in elsewhere.get("/cuenta").text


def test_profile_pages_need_an_account(client):
    for path in ("/cuenta/perfil", "/cuenta/actividad", "/cuenta/correo"):
        response = client.get(path)
        assert response.status_code == 302 and "/entrar" in response.headers["Location"]
