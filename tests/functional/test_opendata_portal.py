"""The open data portal: reachable from the home page, catalogue by topic, search and
filters, update dates, permanent download URLs of every version."""

import hashlib

from participa.extensions import db
from participa.opendata import services
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.opendata import tallied_process


def published():
    process, budget, _voters = tallied_process()
    first = services.publish(process, "tally")
    db.session.commit()
    db.session.add(
        Proposal(
            process_id=process.id,
            author_id=f.user().id,
            title="Parque lineal",
            body="Árboles",
            category="medio-ambiente",
        )
    )
    db.session.commit()
    second = services.publish(process, "daily")
    db.session.commit()
    return process, budget, first, second


def test_home_links_to_the_portal_and_the_receipt_check(client):
    page = client.get("/").text
    assert 'href="/datos"' in page and 'href="/comprobante"' in page


def test_portal_catalogue_has_topics_subtopics_dates_and_formats(client):
    process, budget, _first, second = published()
    page = client.get("/datos").text
    for topic in (
        "Proceso participativo",
        "Propuestas ciudadanas",
        "Presupuesto y proyectos",
        "Votación y resultados",
        "Ejecución de los proyectos",
    ):
        assert topic in page
    assert page.count('data-testid="dataset"') >= 5
    assert 'data-testid="dataset-updated"' in page and "<time datetime=" in page
    assert f"/datos/{process.slug}/v{second.version}/boletas.csv" in page
    assert f"/datos/{process.slug}/v{second.version}/boletas.json" in page
    assert f"/datos/{process.slug}/v{second.version}/presupuesto-{budget.id}.pb" in page
    assert "Recuéntalo tú" in page and "pabutools" in page
    assert 'role="search"' in page


def test_search_and_filters(client):
    published()
    page = client.get("/datos?q=boletas").text
    assert 'data-dataset="boletas"' in page and 'data-dataset="propuestas"' not in page
    page = client.get("/datos?q=movilidad").text  # a proposal category, as a subtopic
    assert 'data-dataset="propuestas"' in page and 'data-dataset="boletas"' not in page
    page = client.get("/datos?q=votacion").text  # accents do not matter
    assert 'data-dataset="resultados"' in page
    page = client.get("/datos?tema=ejecucion").text
    assert 'data-dataset="ejecucion"' in page and 'data-dataset="boletas"' not in page
    page = client.get("/datos?formato=pb").text
    assert 'data-dataset="presupuesto-' in page and 'data-dataset="boletas"' not in page
    page = client.get("/datos?q=nada-parecido-xyz").text
    assert "No hay datos que coincidan" in page


def test_every_version_keeps_its_permanent_url(client):
    process, _budget, first, second = published()
    old = client.get(f"/datos/{process.slug}/v{first.version}/propuestas.csv")
    new = client.get(f"/datos/{process.slug}/v{second.version}/propuestas.csv")
    assert old.status_code == new.status_code == 200
    assert "attachment" in old.headers["Content-Disposition"]
    assert old.mimetype == "text/csv"
    assert "Parque lineal" not in old.text and "Parque lineal" in new.text
    listed = {x["name"]: x["sha256"] for x in first.files}
    assert hashlib.sha256(old.data).hexdigest() == listed["propuestas.csv"]
    # not "immutable": a version is redacted when moderation hides content it holds
    assert old.headers["Cache-Control"] == "public, max-age=3600"
    assert old.headers["ETag"] == f'"{listed["propuestas.csv"]}"'
    latest = client.get(f"/datos/{process.slug}/latest/propuestas.csv")
    assert latest.status_code == 302
    assert latest.headers["Location"].endswith(f"/v{second.version}/propuestas.csv")
    package = client.get(f"/datos/{process.slug}/v{second.version}/datapackage.json")
    assert package.status_code == 200 and package.json["version"] == "2.0.0"
    assert client.get(f"/datos/{process.slug}/v9/propuestas.csv").status_code == 404
    assert client.get(f"/datos/{process.slug}/v1/..%2Fv2%2Fboletas.csv").status_code == 404
    assert client.get(f"/datos/{process.slug}/v1/secreto.csv").status_code == 404


def test_process_page_shows_history_and_recount_commands(client):
    process, budget, first, second = published()
    page = client.get(f"/datos/{process.slug}").text
    assert 'data-testid="versions"' in page
    assert f"v{first.version}" in page and f"v{second.version}" in page
    assert "greedy_utilitarian_welfare" in page and "parse_pabulib" in page
    assert f"presupuesto-{budget.id}.pb" in page
    assert "Más votados" in page  # the rule in plain words


def test_portal_without_publications(client):
    page = client.get("/datos")
    assert page.status_code == 200 and "Todavía no hay datos publicados" in page.text
