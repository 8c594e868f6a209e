"""Administrators define the categories from the browser, and every page, form, filter,
the API and open data use them: created, renamed, reordered, archived (no longer offered,
still shown where used), deleted only when unused, after a confirmation page."""

import json
import re

from sqlalchemy import select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.categories import queries
from participa.categories.models import Category
from participa.extensions import db
from participa.opendata import services as opendata
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.opendata import folder_of, read_csv, tallied_process

EN = {"Accept-Language": "en"}


def options(html: str, select_name: str) -> list[str]:
    """The values offered by the select named ``select_name``."""
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert block, select_name
    return re.findall(r'<option[^>]*value="([^"]*)"', block.group(1))


def add_proposal(process, category: str, title: str = "Bancas en la plaza") -> Proposal:
    proposal = Proposal(
        process_id=process.id,
        author_id=f.user().id,
        title=title,
        body="Bancas a la sombra en la plaza principal.",
        category=category,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def test_an_administrator_creates_a_category_that_residents_can_choose(client, auth):
    auth.login_as(Role.ADMIN)
    response = client.post(
        "/admin/categorias",
        data={"name": "Agua y drenaje", "name_en": "Water", "description": "", "slug": ""},
    )
    assert response.status_code == 303
    page = client.get("/admin/categorias").text
    assert 'data-slug="agua-y-drenaje"' in page and "Agua y drenaje" in page
    process = f.process(now_allows=("allows_propose",))
    db.session.commit()
    auth.login_as()
    form = client.get(f"/procesos/{process.slug}/propuestas/nueva").text
    assert options(form, "category")[-1] == "agua-y-drenaje"
    created = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={
            "title": "Drenaje en la calle Hidalgo",
            "body": "La calle se inunda cada vez que llueve, hace falta un drenaje pluvial.",
            "category": "agua-y-drenaje",
            "district_id": 0,
        },
    )
    assert created.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.category == "agua-y-drenaje"
    english = client.get(created.headers["Location"], headers=EN).text
    assert "Water" in english


def test_form_errors_are_beside_the_field_and_keep_what_was_typed(client, auth):
    auth.login_as(Role.ADMIN)
    before = len(queries.all_categories())
    empty = client.post("/admin/categorias", data={"name": "", "name_en": "Roads"})
    assert empty.status_code == 422
    assert 'id="new-name-error"' in empty.text and 'value="Roads"' in empty.text
    taken = client.post("/admin/categorias", data={"name": "MOVILIDAD", "name_en": "Again"})
    assert taken.status_code == 422
    error = re.search(r'id="new-name-error">(.*?)</p>', taken.text, re.S)
    assert error and "Ya existe una categoría llamada" in error.group(1)
    assert 'value="MOVILIDAD"' in taken.text and 'value="Again"' in taken.text
    bad_key = client.post("/admin/categorias", data={"name": "Caminos", "slug": "Con Espacio"})
    assert bad_key.status_code == 422 and 'id="new-slug-error"' in bad_key.text
    assert 'value="Con Espacio"' in bad_key.text
    db.session.expire_all()
    assert len(queries.all_categories()) == before

    category = queries.by_slug("cultura")
    url = f"/admin/categorias/{category.id}/editar"
    clash = client.post(url, data={"name": "Deporte", "name_en": "Arts", "description": "x"})
    assert clash.status_code == 422
    assert 'id="name-error"' in clash.text and 'value="Arts"' in clash.text
    db.session.expire_all()
    assert queries.by_slug("cultura").name == "Cultura"


def test_rename_reorder_archive_and_restore_are_logged_and_used(client, auth):
    admin = auth.login_as(Role.ADMIN)
    process = f.process(now_allows=("allows_propose",))
    add_proposal(process, "deporte")
    category = queries.by_slug("deporte")
    renamed = client.post(
        f"/admin/categorias/{category.id}/editar",
        data={"name": "Deporte y recreación", "name_en": "Sport", "description": ""},
    )
    assert renamed.status_code == 303
    listing = client.get(f"/procesos/{process.slug}/propuestas/").text
    assert "Deporte y recreación" in listing

    before = [c.slug for c in queries.offered()]
    assert client.post(f"/admin/categorias/{category.id}/subir").status_code == 303
    db.session.expire_all()
    i = before.index("deporte")  # one place up, swapped with the one above
    assert [c.slug for c in queries.offered()] == [
        *before[: i - 1],
        "deporte",
        before[i - 1],
        *before[i + 1 :],
    ]
    page = client.get("/admin/categorias").text
    assert page.index('data-slug="deporte"') < page.index(f'data-slug="{before[i - 1]}"')

    assert client.post(f"/admin/categorias/{category.id}/archivar").status_code == 303
    form = client.get(f"/procesos/{process.slug}/propuestas/nueva").text
    assert "deporte" not in options(form, "category")  # not offered for new proposals
    listing = client.get(f"/procesos/{process.slug}/propuestas/").text
    assert "deporte" in options(listing, "categoria")  # its proposals can still be found
    assert "Deporte y recreación" in listing  # and still show it
    other = f.process()
    db.session.commit()
    other_list = client.get(f"/procesos/{other.slug}/propuestas/").text
    assert "deporte" not in options(other_list, "categoria")
    refused = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={"title": "Una cancha nueva", "body": "x" * 40, "category": "deporte"},
    )
    assert refused.status_code == 422
    assert client.post(f"/admin/categorias/{category.id}/restaurar").status_code == 303
    form = client.get(f"/procesos/{process.slug}/propuestas/nueva").text
    assert "deporte" in options(form, "category")

    actions = db.session.scalars(
        select(ActionLog.action)
        .where(ActionLog.target_type == "categories", ActionLog.actor_id == admin.id)
        .order_by(ActionLog.id)
    ).all()
    assert actions == [
        "category.updated",
        "category.moved",
        "category.archived",
        "category.unarchived",
    ]


def test_delete_is_confirmed_and_refused_while_used(client, auth):
    auth.login_as(Role.ADMIN)
    process = f.process()
    add_proposal(process, "salud")
    used = queries.by_slug("salud")
    page = client.get(f"/admin/categorias/{used.id}/eliminar")
    assert page.status_code == 200
    assert (
        'data-testid="confirm-refusal"' in page.text
        and 'data-testid="confirm-form"' not in page.text
    )
    assert f"/admin/categorias/{used.id}/archivar" in page.text  # archiving is offered
    refused = client.post(f"/admin/categorias/{used.id}/eliminar", data={"confirmado": "1"})
    assert refused.status_code == 409 and "1 propuestas y 0 proyectos" in refused.text
    db.session.expire_all()
    assert queries.by_slug("salud") is not None

    spare = f.category("Temporal")
    db.session.commit()
    confirm = client.get(f"/admin/categorias/{spare.id}/eliminar")
    assert 'data-testid="confirm-form"' in confirm.text  # a GET deletes nothing
    db.session.expire_all()
    assert queries.by_slug("temporal") is not None
    assert (
        client.post(f"/admin/categorias/{spare.id}/eliminar", data={"confirmado": "1"}).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Category, spare.id) is None
    entry = db.session.scalars(
        select(ActionLog).where(ActionLog.action == "category.deleted")
    ).one()
    assert entry.before["slug"] == "temporal" and entry.target_id == spare.id


def test_only_administrators_reach_the_category_pages(client, auth):
    category = queries.by_slug("cultura")
    pages = [
        ("GET", "/admin/categorias"),
        ("POST", "/admin/categorias"),
        ("GET", f"/admin/categorias/{category.id}/editar"),
        ("POST", f"/admin/categorias/{category.id}/archivar"),
        ("POST", f"/admin/categorias/{category.id}/bajar"),
        ("GET", f"/admin/categorias/{category.id}/eliminar"),
        ("POST", f"/admin/categorias/{category.id}/eliminar"),
    ]
    for method, url in pages:
        response = client.open(url, method=method, data={"name": "Intrusa"})
        assert response.status_code == 302 and "/entrar" in response.headers["Location"], url
    for role in (Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR):
        auth.login_as(role)
        for method, url in pages:
            assert client.open(url, method=method, data={"name": "Intrusa"}).status_code == 403
    db.session.expire_all()
    assert queries.by_slug("intrusa") is None and not queries.by_slug("cultura").is_archived


def test_the_api_and_open_data_use_the_administrators_categories(client, auth):
    auth.login_as(Role.ADMIN)
    client.post("/admin/categorias", data={"name": "Alumbrado", "name_en": "Street lighting"})
    process, _budget, _voters = tallied_process()
    add_proposal(process, "alumbrado", title="Luminarias en la calle")
    api = client.get(f"/api/v1/processes/{process.slug}/proposals?category=alumbrado")
    assert api.status_code == 200, api.text
    (item,) = api.json["items"]
    assert item["category"] == "alumbrado" and item["category_label"] == "Alumbrado"
    english = client.get(f"/api/v1/proposals/{item['id']}", headers=EN).json
    assert english["category_label"] == "Street lighting"
    unknown = client.get(f"/api/v1/processes/{process.slug}/proposals?category=nada")
    assert unknown.status_code == 200 and unknown.json["items"] == []

    publication = opendata.publish(process, "manual")
    db.session.commit()
    folder = folder_of(publication)
    rows = {r["title"]: r for r in read_csv(folder, "propuestas.csv")}
    assert rows["Luminarias en la calle"]["category"] == "alumbrado"
    assert rows["Luminarias en la calle"]["category_label"] == "Alumbrado"
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    fields = {
        r["name"]: {x["name"]: x for x in r["schema"]["fields"]}
        for r in package["resources"]
        if r["format"] == "csv" and "schema" in r
    }
    enum = fields["propuestas"]["category"]["constraints"]["enum"]
    assert "alumbrado" in enum and "movilidad" in enum  # the code list is the table
    assert {"category", "category_label"} <= set(fields["proyectos"])
