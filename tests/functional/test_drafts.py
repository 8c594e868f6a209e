"""A draft process is hidden on every public channel (pages, API, open data, search) and
previewed by administrators; the administration's buttons publish, unpublish (or say why
not) and publish open data now, each confirmed first."""

import pytest
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.extensions import db
from participa.opendata import services as opendata
from participa.opendata.models import Publication
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.opendata import tallied_process

API = "/api/v1"
CONFIRMED = {"confirmado": "1"}  # irreversible actions ask first (participa/confirmation.py)


def _world(published: bool):
    """A process with a budget, projects and a proposal (written straight into the table:
    nobody may propose in a draft), published or not."""
    process = f.process(now_allows=("allows_propose", "allows_vote"), published=published)
    process.title = "Presupuesto secreto de Santa Lucía"
    budget = f.budget(process)
    project_id = f.project_ids(budget)[0]
    idea = Proposal(
        process_id=process.id,
        author_id=f.admin().id,
        title="Propuesta del borrador",
        body="x" * 40,
        category="movilidad",
    )
    db.session.add(idea)
    db.session.commit()
    return process, budget, project_id, idea


def _pages(process, budget, project_id, idea) -> list[str]:
    base = f"/procesos/{process.slug}"
    return [
        base,
        f"{base}/propuestas/",
        f"{base}/propuestas/{idea.id}",
        f"{base}/presupuestos/{budget.id}/",
        f"{base}/presupuestos/{budget.id}/proyectos/{project_id}",
        f"{base}/presupuestos/{budget.id}/resultados/",
        f"{base}/presupuestos/{budget.id}/resultados/resultados.csv",
        f"{base}/seguimiento",
        f"/datos/{process.slug}",
        f"{API}/processes/{process.slug}",
        f"{API}/processes/{process.slug}/phases",
        f"{API}/processes/{process.slug}/budgets",
        f"{API}/processes/{process.slug}/proposals",
        f"{API}/proposals/{idea.id}",
        f"{API}/budgets/{budget.id}",
        f"{API}/budgets/{budget.id}/projects",
    ]


def _lists(client) -> dict[str, str]:
    return {
        "home": client.get("/").text,
        "api": client.get(f"{API}/processes").text,
        "open data": client.get("/datos").text,
        "search": client.get("/datos?q=secreto").text,
    }


@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR])
def test_every_public_channel_hides_a_draft(client, auth, role):
    process, budget, project_id, idea = _world(published=False)
    if role:
        auth.login_as(role)
    for url in _pages(process, budget, project_id, idea):
        assert client.get(url).status_code == 404, url
    for channel, text in _lists(client).items():
        assert process.slug not in text and process.title not in text, channel
    ballot = client.post(
        f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar",
        data={"project": [project_id]},
    )
    assert ballot.status_code in (302, 404)  # the login page (visitor) or not found


def test_the_same_channels_show_a_published_process(client):
    """The control: each URL above answers for a published process."""
    process, budget, project_id, idea = _world(published=True)
    for url in _pages(process, budget, project_id, idea):
        if "resultados" in url or url.startswith("/datos/"):
            continue  # no results or open data yet: 404 for other reasons
        assert client.get(url).status_code == 200, url
    lists = _lists(client)
    assert process.title in lists["home"] and process.slug in lists["api"]


def test_open_data_of_a_published_process_lists_it_and_a_draft_never(client):
    process, _budget, _voters = tallied_process()
    opendata.publish(process, "manual")
    db.session.commit()
    assert process.title in client.get("/datos").text
    assert process.slug in client.get(f"{API}/datasets").text
    assert client.get(f"/datos/{process.slug}").status_code == 200
    process.published_at = None  # as if it were a draft (publishing refuses that)
    db.session.commit()
    assert process.title not in client.get("/datos").text
    assert client.get(f"{API}/datasets").get_json()["total"] == 0
    assert client.get(f"/datos/{process.slug}").status_code == 404
    assert client.get(f"/datos/{process.slug}/latest/procesos.csv").status_code == 404
    assert client.get(f"/datos/{process.slug}/v1/procesos.csv").status_code == 404


def test_administrators_preview_a_draft_with_a_banner(client, auth):
    process, budget, _project_id, idea = _world(published=False)
    auth.login_as(Role.ADMIN)
    for url in (
        f"/procesos/{process.slug}",
        f"/procesos/{process.slug}/propuestas/{idea.id}",
        f"/procesos/{process.slug}/presupuestos/{budget.id}/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'data-testid="draft-banner"' in page.text
        assert "Borrador: solo el personal lo ve." in page.text
    assert client.get(f"{API}/processes/{process.slug}").status_code == 404  # API: public only
    assert process.title not in client.get("/").text
    public = f.process()
    db.session.commit()
    assert 'data-testid="draft-banner"' not in client.get(f"/procesos/{public.slug}").text


def test_admin_confirms_then_publishes_and_it_is_logged(client, auth):
    process, *_rest = _world(published=False)
    admin = auth.login_as(Role.ADMIN)
    page = client.get(f"/admin/procesos/{process.id}")
    assert 'data-testid="publish-link"' in page.text
    confirm = client.get(f"/admin/procesos/{process.id}/publicar")
    assert confirm.status_code == 200 and "¿Publicar" in confirm.text
    db.session.refresh(process)
    assert process.published_at is None  # a GET changes nothing
    done = client.post(f"/admin/procesos/{process.id}/publicar", data=CONFIRMED)
    assert done.status_code == 303
    db.session.refresh(process)
    assert process.published_at is not None
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "process.published"))
    assert entry.actor_id == admin.id and entry.process_id == process.id
    again = client.post(f"/admin/procesos/{process.id}/publicar", data=CONFIRMED)
    assert again.status_code == 409 and "ya está publicado" in again.text
    client.post("/salir")
    assert client.get(f"/procesos/{process.slug}").status_code == 200  # public now


def test_unpublishing_is_refused_with_the_reasons_beside_the_button(client, auth):
    process, *_rest = _world(published=True)  # it has a proposal
    auth.login_as(Role.ADMIN)
    page = client.get(f"/admin/procesos/{process.id}")
    assert 'data-testid="unpublish-blocked"' in page.text and "1 propuesta" in page.text
    assert 'data-testid="unpublish-link"' not in page.text
    confirm = client.get(f"/admin/procesos/{process.id}/despublicar")
    assert confirm.status_code == 200 and "1 propuesta" in confirm.text
    assert 'data-testid="confirm-button"' not in confirm.text
    refused = client.post(f"/admin/procesos/{process.id}/despublicar", data=CONFIRMED)
    assert refused.status_code == 409
    assert "No se puede despublicar" in refused.text and "1 propuesta" in refused.text
    db.session.refresh(process)
    assert process.published_at is not None
    assert not db.session.scalar(
        select(func.count(ActionLog.id)).where(ActionLog.action == "process.unpublished")
    )


def test_unpublishing_an_untouched_process(client, auth):
    process = f.process()
    db.session.commit()
    admin = auth.login_as(Role.ADMIN)
    confirm = client.get(f"/admin/procesos/{process.id}/despublicar")
    assert "¿Despublicar" in confirm.text and 'data-testid="confirm-button"' in confirm.text
    assert (
        client.post(f"/admin/procesos/{process.id}/despublicar", data=CONFIRMED).status_code == 303
    )
    db.session.refresh(process)
    assert process.published_at is None
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "process.unpublished"))
    assert entry.actor_id == admin.id
    client.post("/salir")
    assert client.get(f"/procesos/{process.slug}").status_code == 404


def test_residents_cannot_publish_or_unpublish(client, auth):
    process = f.process(published=False)
    db.session.commit()
    auth.login_as(Role.RESIDENT)
    assert client.get(f"/admin/procesos/{process.id}/publicar").status_code == 403
    assert client.post(f"/admin/procesos/{process.id}/publicar").status_code == 403
    assert client.post(f"/admin/procesos/{process.id}/datos-abiertos/publicar").status_code == 403
    db.session.refresh(process)
    assert process.published_at is None


def test_admin_publishes_open_data_now_from_the_portal(client, auth):
    process, _budget, _voters = tallied_process()
    draft = f.process(published=False)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    portal = client.get("/datos")
    assert f"/admin/procesos/{process.id}/datos-abiertos/publicar" in portal.text
    assert f"/admin/procesos/{draft.id}/datos-abiertos/publicar" not in portal.text
    confirm = client.get(f"/admin/procesos/{process.id}/datos-abiertos/publicar")
    assert confirm.status_code == 200 and "¿Publicar ahora" in confirm.text
    assert db.session.scalar(select(func.count(Publication.id))) == 0  # a GET changes nothing
    done = client.post(f"/admin/procesos/{process.id}/datos-abiertos/publicar", data=CONFIRMED)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/datos/{process.slug}")
    (version,) = db.session.scalars(select(Publication)).all()
    assert (version.process_id, version.trigger) == (process.id, "manual")
    assert 'data-testid="publish-now"' in client.get(f"/datos/{process.slug}").text
    refused = client.post(f"/admin/procesos/{draft.id}/datos-abiertos/publicar", data=CONFIRMED)
    assert refused.status_code == 409 and "Un borrador no tiene datos públicos" in refused.text
    assert db.session.scalar(select(func.count(Publication.id))) == 1


def test_the_results_page_links_to_the_published_version(client):
    process, budget, _voters = tallied_process()
    page = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/"
    assert 'data-testid="published-version"' not in client.get(page).text  # none yet
    opendata.publish(process, "manual")
    db.session.commit()
    text = client.get(page).text
    assert 'data-testid="published-version"' in text
    assert f'href="/datos/{process.slug}"' in text and "versión 1" in text
