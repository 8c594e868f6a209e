"""CSRF: with protection on (as in production), every state-changing request of the URL map
sent without a valid token is refused with 400 by the CSRF check, and nothing changes: no
row in any table, no session. No view is exempt; the read API only answers GET."""

import re

import pytest
from sqlalchemy import select

from participa.accounts.models import Role
from participa.budgets.models import Budget
from participa.extensions import csrf, db
from tests import factories as f
from tests.support.routes import build_world, methods_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def protected(ctx, monkeypatch):
    """The test app with CSRF protection on; the reasons of its refusals are recorded."""
    monkeypatch.setitem(ctx.config, "WTF_CSRF_ENABLED", True)
    refusals: list[str] = []
    original = csrf._error_response

    def record(reason):
        refusals.append(reason)
        return original(reason)

    monkeypatch.setattr(csrf, "_error_response", record)
    return refusals


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text."""
    db.session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
        for table in db.metadata.sorted_tables
    }


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def bodies(world, person) -> dict[str, dict]:
    """Bodies that would do something real without the CSRF check."""
    budget = db.session.get(Budget, world.values["budget_id"])
    first_project = f.project_ids(budget)[0]
    return {
        "accounts.login": {"email": person.email if person else "x@example.org", "password": "x"},
        "accounts.register": {
            "name": "Intrusa",
            "email": "intrusa@example.org",
            "district_id": 0,
            "password": f.PASSWORD,
            "confirm": f.PASSWORD,
            "accept_legal": "y",
        },
        "proposals.new": {
            "title": "Una propuesta enviada desde otro sitio",
            "body": "Texto suficientemente largo para pasar la validación del formulario.",
            "category": "cultura",
            "district_id": 0,
        },
        "budgets.confirm": {"project": [first_project]},
        "conversation.comment_proposal": {"body": "Comentario falsificado desde otro sitio."},
        "conversation.report": {"reason": "Reporte falsificado"},
        "review.set_role": {"role": "admin"},
        "admin.districts": {"name": "Distrito falso", "parent_id": 0, "level": "sector"},
        "census.admin_census": {"text": "GOMA850101MNLRRN09,1985-01-01,Centro"},
    }


def test_no_view_is_exempt(app):
    assert csrf._exempt_views == set()
    assert csrf._exempt_blueprints == set()


@pytest.mark.parametrize("role", [None, Role.ADMIN], ids=["visitor", "admin"])
def test_every_unsafe_request_without_a_token_is_refused_and_changes_nothing(
    app, client, protected, role
):
    person = f.user(role) if role else None
    world = build_world(person)
    if person:
        page = client.get("/entrar")
        client.post(
            "/entrar",
            data={"email": person.email, "password": f.PASSWORD, "csrf_token": token_of(page.text)},
        )
        assert client.get("/verificacion").status_code == 200  # signed in
    protected.clear()
    before = snapshot()
    forged = bodies(world, person)
    sent = 0
    for rule in app.url_map.iter_rules():
        for method in set(methods_of(rule)) & UNSAFE:
            url = world.url(app, rule)
            for token in (None, "not-a-real-token"):
                data = dict(forged.get(rule.endpoint, {}))
                if token:
                    data["csrf_token"] = token
                refused_before = len(protected)
                response = client.open(url, method=method, data=data)
                assert response.status_code == 400, (rule.endpoint, token, response.status_code)
                assert len(protected) == refused_before + 1, (rule.endpoint, "not the CSRF check")
                sent += 1
    assert sent >= 2 * 45  # the fifty-odd POST routes of the map, twice each
    assert snapshot() == before
    if person:  # still signed in: logging out needs a token too
        assert client.get("/verificacion").status_code == 200


def test_the_same_requests_with_the_page_token_go_through(app, client, protected):
    """The control: with the token of the page, voting and logging in work."""
    voter = f.user()
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    db.session.commit()
    token = token_of(client.get("/entrar").text)
    response = client.post(
        "/entrar", data={"email": voter.email, "password": f.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    token = token_of(client.get(f"{base}/boleta").text)
    response = client.post(
        f"{base}/boleta/confirmar",
        data={"project": [f.project_ids(budget)[0]], "csrf_token": token},
    )
    assert response.status_code == 303, protected
    assert protected == []
