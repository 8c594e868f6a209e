"""Every numeric query argument of the site (``?page=``, ``?distrito=``, ``?proceso=``,
``?a=``/``?b=``) is read through one helper (``participa.views_common.query_int``): a whole
number within bounds, else a 400 page naming the argument; never a database error."""

import pytest

from participa.accounts.models import Role
from participa.extensions import db
from tests import factories as f
from tests.support.auth import Auth

BAD = [
    "922337203685477580",  # past PostgreSQL's bigint once multiplied by the page size
    "9223372036854775808",
    "99999999999999999999999999",
    "1000000000",  # ten digits: past every id and page
    "-1",
    "0",
    "abc",
    "1e3",
    "2.5",
    " 3x",
    "１",  # a full-width digit: int() would take it
]

# (where, argument, who): each list page of the site with its numeric arguments
PAGES = [
    ("proposals", "page", None),
    ("proposals", "distrito", None),
    ("followup", "distrito", None),
    ("review", "page", Role.EVALUATOR),
    ("review", "proceso", Role.EVALUATOR),
    ("users", "page", Role.ADMIN),
    ("compare", "a", Role.ADMIN),
    ("notifications", "page", Role.ADMIN),
]


@pytest.fixture
def site(client):
    process = f.process(now_allows=("allows_propose",))
    budget = f.budget(process)
    people = {role: f.user(role) for role in (Role.EVALUATOR, Role.ADMIN)}
    db.session.commit()
    urls = {
        "proposals": f"/procesos/{process.slug}/propuestas/",
        "followup": f"/procesos/{process.slug}/seguimiento",
        "review": "/evaluacion",
        "users": "/admin/usuarios",
        "compare": f"/admin/presupuestos/{budget.id}/comparar",
        "notifications": "/notificaciones",
    }
    return client, urls, people


def visit(site, where, who, query):
    client, urls, people = site
    if who is not None:
        Auth(client).login(people[who])
    return client.get(urls[where], query_string=query)


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(("where", "name", "who"), PAGES)
def test_a_malformed_or_huge_number_is_a_400_that_names_it(site, where, name, who, value):
    response = visit(site, where, who, {name: value})
    assert response.status_code == 400, response.text[:300]
    assert f"«{name}» debe ser un número entero entre 1 y" in response.text


@pytest.mark.parametrize(("where", "name", "who"), [p for p in PAGES if p[1] != "a"])
def test_sensible_numbers_and_empty_arguments_still_work(site, where, name, who):
    for value in ("", "1", "2", "100000" if name == "page" else "999999999"):
        assert visit(site, where, who, {name: value}).status_code == 200, value
    if name == "page":  # a page beyond the bound
        assert visit(site, where, who, {name: "100001"}).status_code == 400
