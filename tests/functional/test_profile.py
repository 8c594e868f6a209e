"""The profile page (name, district locked once verified, language), "Mi actividad", and
the staff roles a person without a confirmed e-mail cannot get."""

from sqlalchemy import select

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
    in_english = client.get("/cuenta/perfil").text  # in English at once
    assert '<html lang="en"' in in_english and "Your profile was saved." in in_english

    client.post("/cuenta/perfil", data={"name": "Ana María", "district_id": 0, "locale": ""})
    user = fresh(user)
    assert (user.district_id, user.locale) == (None, None)  # the browser's language again
    assert "Guardamos tu perfil" in client.get("/cuenta/perfil").text


def test_a_bad_profile_keeps_what_was_typed_and_saves_nothing(client, auth):
    centro, _ = districts()
    user = auth.login_as(district_id=centro.id)
    name = user.name
    refused = client.post("/cuenta/perfil", data={"name": "  ", "district_id": 0, "locale": "fr"})
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


# ───────────── my activity ─────────────


def _activity_of(user: User, process, budget, item, k: int) -> None:
    """``k`` more of each thing ``user`` did or follows."""
    from participa.accountability.models import ItemFollow
    from participa.conversation.models import Comment
    from participa.notifications.models import Follow
    from participa.proposals.models import Support
    from tests.support.queries import add_projects, add_proposals

    for proposal in add_proposals(process, k):
        proposal.author_id = user.id
    for proposal in add_proposals(process, k):
        db.session.add(Support(proposal_id=proposal.id, user_id=user.id))
        db.session.add(
            Comment(target_type="proposal", target_id=proposal.id, author_id=user.id, body="Sí")
        )
    for project in add_projects(budget, k):
        db.session.add(
            Comment(target_type="project", target_id=project.id, author_id=user.id, body="¿Cuándo?")
        )
    for _ in range(k):
        db.session.add(
            Comment(target_type="execution_item", target_id=item.id, author_id=user.id, body="Bien")
        )
        other = f.process()
        db.session.add(Follow(user_id=user.id, process_id=other.id))
        from participa.accountability.items import add_item

        followed = add_item(other, f.admin(), f"Obra {other.id}")
        db.session.add(ItemFollow(user_id=user.id, item_id=followed.id))
    db.session.flush()


def test_my_activity_says_each_empty_list_in_a_sentence(client, auth):
    auth.login_as()
    page = client.get("/cuenta/actividad")
    assert page.status_code == 200
    for sentence in (
        "Aún no has enviado propuestas.",
        "Aún no has apoyado ninguna propuesta.",
        "Aún no has comentado nada.",
        "No sigues ningún proceso",
        "No sigues ninguna obra",
    ):
        assert sentence in page.text


def test_my_activity_lists_what_i_did_with_links_and_only_mine(client, auth):
    from participa.accountability.items import add_item

    process = f.process()
    budget = f.budget(process, amount=10_000, costs=())
    item = add_item(process, f.admin(), "Parque central")
    user = auth.login_as()
    _activity_of(user, process, budget, item, 1)
    _activity_of(f.user(), process, budget, item, 1)  # someone else's: not listed
    db.session.commit()
    page = client.get("/cuenta/actividad").text
    from participa.proposals.models import Proposal

    mine = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id)).one()
    assert f'href="/procesos/{process.slug}/propuestas/{mine.id}"' in page
    assert 'data-state="submitted"' in page
    assert f"/procesos/{process.slug}/presupuestos/{budget.id}/proyectos/" in page
    assert f'href="/seguimiento/{item.id}"' in page
    assert page.count('class="record"') == 1 + 1 + 3 + 1 + 1  # nobody else's rows


def test_my_activity_runs_one_query_per_list(client, auth):
    from participa.accountability.items import add_item
    from tests.support.queries import assert_flat

    process = f.process()
    budget = f.budget(process, amount=10_000, costs=())
    item = add_item(process, f.admin(), "Parque central")
    user = auth.login_as()
    assert_flat(
        client,
        "/cuenta/actividad",
        lambda k: _activity_of(user, process, budget, item, k),
        sizes=(2, 8),
    )
