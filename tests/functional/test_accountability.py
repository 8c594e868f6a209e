"""Execution follow-up through the web client: public pages, following, comments, admin."""

import html
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from participa.accountability import items as execution_items
from participa.accountability import milestones
from participa.accountability import statuses as execution_statuses
from participa.accountability.models import ExecutionItem, ItemFollow, Milestone
from participa.conversation.models import Comment
from participa.extensions import db
from participa.processes.models import District
from participa.storage import storage
from tests import factories as f
from tests.support.accountability import JPEG, PNG, pixels, publish


@pytest.fixture
def world(ctx):
    """A process with two budgets (Centro and Norte) whose winners are being built."""
    centro, norte = District(name="Centro"), District(name="Norte")
    db.session.add_all([centro, norte])
    db.session.flush()
    process = f.process(slug="obras-2025")
    b1 = f.budget(process, amount=1000, costs=(600, 400), district_id=centro.id)
    b2 = f.budget(process, amount=1000, costs=(500,), district_id=norte.id)
    b1_projects = f.projects(b1)
    b1_projects[0].title = "Parque del Centro"
    b1_projects[1].title = "Luminarias del Centro"
    f.projects(b2)[0].title = "Biblioteca del Norte"
    publish(b1, b1_projects)
    publish(b2, f.projects(b2))
    admin = f.admin()
    items = {i.title: i for i in execution_items.items_from_results(process, admin)}
    statuses = {s.key: s for s in execution_statuses.statuses(process)}
    execution_items.update_item(
        items["Parque del Centro"],
        admin,
        status=statuses["en-ejecucion"],
        progress=50,
        spent=200,
        office="Obras Públicas",
    )
    execution_items.update_item(
        items["Biblioteca del Norte"], admin, status=statuses["terminado"], progress=100, spent=480
    )
    db.session.commit()
    return process, admin, items, (centro, norte)


def titles(html: str) -> list[str]:
    return re.findall(r'id="item-\d+-title"><a href="[^"]+">([^<]+)</a>', html)


def test_public_page_lists_items_with_progress_and_totals(client, world):
    process, _admin, _items, _districts = world
    response = client.get(f"/procesos/{process.slug}/seguimiento")
    assert response.status_code == 200
    html = response.text
    assert sorted(titles(html)) == [
        "Biblioteca del Norte",
        "Luminarias del Centro",
        "Parque del Centro",
    ]
    assert '<progress id="progress-' in html and 'max="100" value="50"' in html
    assert 'data-testid="overall-progress">' in html
    # (50*600 + 10*400 + 100*500) / 1500 = 56
    assert re.search(r'data-testid="overall-progress">56 %<', html)
    assert "$1,500" in html and "$680" in html
    assert "style=" not in html  # no inline style, and no script but files (the CSP)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_public_page_filters(client, world):
    process, _admin, _items, (centro, norte) = world
    base = f"/procesos/{process.slug}/seguimiento"
    assert titles(client.get(base + "?estado=terminado").text) == ["Biblioteca del Norte"]
    assert sorted(titles(client.get(f"{base}?distrito={centro.id}").text)) == [
        "Luminarias del Centro",
        "Parque del Centro",
    ]
    assert titles(client.get(f"{base}?distrito={norte.id}").text) == ["Biblioteca del Norte"]
    assert titles(client.get(base + "?q=obras+p%C3%BAblicas").text) == ["Parque del Centro"]
    empty = client.get(base + "?q=zzz&estado=nada")
    assert empty.status_code == 200 and 'data-testid="empty-state"' in empty.text
    assert client.get(base + "?distrito=abc").status_code == 400  # test_query_numbers.py
    assert client.get("/procesos/no-existe/seguimiento").status_code == 404


def test_item_page_follow_and_comment(client, auth, world):
    _process, admin, items, _districts = world
    item = items["Parque del Centro"]
    milestones.add_milestone(item, admin, date(2026, 2, 1), "Trazo", None)
    db.session.commit()
    url = f"/seguimiento/{item.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Trazo" in page.text and "Obras Públicas" in page.text
    assert "Entra para seguir este proyecto" in page.text
    assert client.post(f"{url}/seguir").status_code == 302  # to the login page
    resident = f.user()
    db.session.commit()
    auth.login(resident)
    response = client.post(f"{url}/seguir")
    assert response.status_code == 303
    assert client.post(f"{url}/seguir").status_code == 303  # a second time is harmless
    assert db.session.scalar(select(func.count(ItemFollow.id))) == 1
    page = client.get(url)
    assert 'data-testid="unfollow-button"' in page.text
    response = client.post(f"{url}/comentarios", data={"body": "¿Qué falta por hacer?"})
    assert response.status_code == 303 and "#comentario-" in response.headers["Location"]
    comment = db.session.scalar(select(Comment))
    assert (comment.target_type, comment.target_id) == ("execution_item", item.id)
    page = client.get(url)
    assert "¿Qué falta por hacer?" in page.text and 'data-testid="comment-form"' in page.text
    short = client.post(f"{url}/comentarios", data={"body": "x"})
    assert short.status_code == 422
    assert client.post(f"{url}/dejar-de-seguir").status_code == 303
    assert db.session.scalar(select(func.count(ItemFollow.id))) == 0
    assert client.get("/seguimiento/999999").status_code == 404


def test_admin_pages_are_for_administrators(client, auth, world):
    process, _admin, items, _districts = world
    item = next(iter(items.values()))
    urls = [
        f"/admin/procesos/{process.id}/seguimiento",
        f"/admin/procesos/{process.id}/seguimiento/{item.id}",
    ]
    posts = [
        f"/admin/procesos/{process.id}/seguimiento/desde-resultados",
        f"/admin/procesos/{process.id}/seguimiento/csv",
        f"/admin/procesos/{process.id}/seguimiento/estados",
        f"/admin/procesos/{process.id}/seguimiento/{item.id}/hitos",
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    resident = f.user()
    db.session.commit()
    auth.login(resident)
    for url in urls:
        assert client.get(url).status_code == 403
    for url in posts:
        assert client.post(url, data={"text": "id,progress\n1,100\n"}).status_code == 403


def test_admin_edits_an_item_and_adds_milestones(client, auth, world):
    process, admin, items, _districts = world
    item = items["Luminarias del Centro"]
    auth.login(admin)
    base = f"/admin/procesos/{process.id}/seguimiento"
    assert client.get(base).status_code == 200
    page = client.get(f"{base}/{item.id}")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    status = execution_statuses.statuses(process)[1]
    bad = client.post(f"{base}/{item.id}", data={"status_id": status.id, "progress": 140})
    assert bad.status_code == 422
    response = client.post(
        f"{base}/{item.id}",
        data={"status_id": status.id, "progress": 30, "spent": 90, "office": "Servicios"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    item = db.session.get(ExecutionItem, item.id)
    assert (item.status_id, item.progress, item.spent, item.office) == (
        status.id,
        30,
        90,
        "Servicios",
    )
    good = client.post(
        f"{base}/{item.id}/hitos",
        data={
            "happened_on": "2026-03-01",
            "text": "Postes instalados",
            "photo": (io.BytesIO(PNG), "postes.png"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    fake = client.post(
        f"{base}/{item.id}/hitos",
        data={"happened_on": "2026-03-02", "text": "Otra", "photo": (io.BytesIO(JPEG), "x.png")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
    milestone = db.session.scalar(select(Milestone))
    assert db.session.scalar(select(func.count(Milestone.id))) == 1
    # photos of up to 5 MB pass the site-wide request limit (2 MB) on this form only
    big = client.post(
        f"{base}/{item.id}/hitos",
        data={
            "happened_on": "2026-03-03",
            "text": "Foto grande",
            "photo": (io.BytesIO(PNG + bytes(3 * 1024 * 1024)), "grande.png"),
        },
        content_type="multipart/form-data",
    )
    assert big.status_code == 303
    huge = client.post(
        f"{base}/{item.id}/hitos",
        data={
            "happened_on": "2026-03-03",
            "text": "Demasiado grande",
            "photo": (io.BytesIO(PNG + bytes(milestones.MAX_PHOTO_BYTES)), "enorme.png"),
        },
        content_type="multipart/form-data",
    )
    # within the form's request limit, a photo over 5 MB is refused by the form, saying why
    # (a body over the request limit itself is a 413, never read)
    assert huge.status_code == 422
    assert "La foto puede pesar como máximo 5 MB." in html.unescape(huge.text)
    too_big_csv = client.post(
        f"{base}/csv",
        data={"file": (io.BytesIO(b"id,progress\n" + bytes(3 * 1024 * 1024)), "x.csv")},
        content_type="multipart/form-data",
    )
    assert too_big_csv.status_code == 413
    assert db.session.scalar(select(func.count(Milestone.id))) == 2
    photo = client.get(f"/seguimiento/fotos/{milestone.photo}")
    assert photo.status_code == 200
    with storage().open(milestones.photo_key(milestone.photo)) as stored:
        assert photo.data == stored.read()
    assert pixels(photo.data) == pixels(PNG)
    assert photo.headers["Content-Type"] == "image/png"
    photo.close()
    public = client.get(f"/seguimiento/{item.id}")
    assert f'src="/seguimiento/fotos/{milestone.photo}"' in public.text
    for name in ("../secret_key", "..%2Fsecret_key", "abc.png", "0" * 32 + ".png"):
        assert client.get(f"/seguimiento/fotos/{name}").status_code == 404
    # a part of the item rolls its progress up
    child = client.post(f"{base}/{item.id}/partes", data={"title": "Tramo norte", "budgeted": 100})
    assert child.status_code == 303
    part = db.session.scalar(select(ExecutionItem).where(ExecutionItem.parent_id == item.id))
    assert part.title == "Tramo norte"


def test_admin_creates_items_and_configures_statuses(client, auth, world):
    process, admin, _items, _districts = world
    auth.login(admin)
    base = f"/admin/procesos/{process.id}/seguimiento"
    assert client.post(f"{base}/desde-resultados").status_code == 303
    assert db.session.scalar(select(func.count(ExecutionItem.id))) == 3  # idempotent
    assert client.post(f"{base}/estados", data={"name": "Suspendido"}).status_code == 303
    assert "Suspendido" in client.get(base).text
    first = execution_statuses.statuses(process)[0]
    renamed = client.post(f"{base}/estados/{first.id}", data={"name": "En análisis", "progress": 5})
    assert renamed.status_code == 303
    db.session.expire_all()
    assert execution_statuses.statuses(process)[0].name == "En análisis"


def test_bulk_upload_through_the_client(client, auth, world):
    process, admin, items, _districts = world
    auth.login(admin)
    url = f"/admin/procesos/{process.id}/seguimiento/csv"
    park, lights = items["Parque del Centro"], items["Luminarias del Centro"]
    bad = (
        "id,status,progress,spent,office\n"
        f"{park.id},terminado,100,600,Obras\n"
        f"{lights.id},inexistente,20,10,\n"
        "777777,terminado,100,0,\n"
    ).encode()
    response = client.post(
        url, data={"file": (io.BytesIO(bad), "avance.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    lines = re.findall(r'data-testid="bulk-error" data-line="(\d+)"', response.text)
    assert lines == ["3", "4"]
    db.session.expire_all()
    assert db.session.get(ExecutionItem, park.id).progress == 50  # nothing applied
    good = f"id,status,progress,spent,office\n{park.id},terminado,100,600,Obras\n"
    response = client.post(url, data={"text": good})
    assert response.status_code == 303
    db.session.expire_all()
    park = db.session.get(ExecutionItem, park.id)
    assert (park.status.key, park.progress, park.spent) == ("terminado", 100, 600)
    empty = client.post(url, data={"text": ""})
    assert empty.status_code == 422


def test_milestone_photos_are_reencoded_and_undecodable_ones_refused_beside_the_field(
    client, auth, world
):
    """Through the admin form: the JPEG that hid a second, GPS-tagged image after its end
    marker is published without it; a file that cannot be decoded is refused with a
    message beside the photo field, and neither a milestone nor a file is stored."""
    from tests.support.accountability import AUTHOR, WHERE, exif, jpeg

    process, admin, items, _districts = world
    item = items["Parque del Centro"]
    auth.login(admin)
    target = f"/admin/procesos/{process.id}/seguimiento/{item.id}/hitos"

    def post(data: bytes, name: str):
        return client.post(
            target,
            data={"happened_on": "2026-03-01", "text": "Avance", "photo": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    def stored() -> set[str]:
        return set(storage().keys(milestones.PHOTO_DIR))

    before = stored()
    broken = post(jpeg()[:80], "obra.jpg")
    assert broken.status_code == 422
    error = re.search(r'id="ms-photo-error">(.*?)</p>', broken.text, re.S)
    assert error and "No se pudo leer la imagen" in error.group(1)
    assert 'aria-invalid="true"' in broken.text
    assert db.session.scalar(select(func.count(Milestone.id))) == 0
    assert stored() == before
    attack = jpeg() + jpeg(size=(2, 2), exif=exif().tobytes())
    assert AUTHOR.encode() in attack
    assert post(attack, "obra.jpg").status_code == 303
    milestone = db.session.scalar(select(Milestone))
    served = client.get(f"/seguimiento/fotos/{milestone.photo}").data
    assert served[:2] == b"\xff\xd8"
    assert AUTHOR.encode() not in served and WHERE.encode() not in served
