"""In Chromium: register, propose, support, vote with the live meter, see results, get the CSV."""

import csv
import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from participa.db import utcnow
from participa.extensions import db
from participa.proposals.models import Proposal
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.browser import screenshot


def test_register_propose_support_vote_results_download(live_server, page, outbox):
    ideas = f.process(now_allows=("allows_propose", "allows_support"), slug="ideas")
    voting = f.process(now_allows=("allows_vote",), slug="votacion")
    budget = f.budget(voting, amount=1000, costs=(400, 300, 300, 200))
    db.session.commit()

    # register
    page.goto(f"{live_server}/registro")
    page.get_by_label("Nombre").fill("Rosa Martínez")
    page.get_by_label("Correo electrónico").fill("rosa@example.org")
    page.get_by_label("Contraseña", exact=True).fill("una-clave-muy-larga")
    page.get_by_label("Repite la contraseña").fill("una-clave-muy-larga")
    page.get_by_label("Leí y acepto").check()
    page.get_by_role("button", name="Crear cuenta").click()
    page.wait_for_url(f"{live_server}/registro/revisa-tu-correo")  # the same for a known one
    assert "Revisa tu correo" in page.content()
    page.goto(outbox.link("rosa@example.org", "confirmar"))  # voting needs a confirmed e-mail
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.wait_for_url(f"{live_server}/entrar")
    page.get_by_label("Correo electrónico").fill("rosa@example.org")
    page.get_by_label("Contraseña").fill("una-clave-muy-larga")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{live_server}/")
    assert "Rosa Martínez" in page.content()

    # propose
    page.goto(f"{live_server}/procesos/{ideas.slug}/propuestas/nueva")
    page.get_by_label("Título").fill("Árboles en la calle Hidalgo")
    page.get_by_label("Describe tu propuesta").fill(
        "Plantar veinte árboles nativos en las banquetas de la calle Hidalgo para dar sombra."
    )
    page.get_by_label("Categoría").select_option("medio-ambiente")
    page.get_by_role("button", name="Enviar propuesta").click()
    page.wait_for_url("**/propuestas/*")
    proposal = db.session.scalar(select(Proposal))
    assert proposal.title == "Árboles en la calle Hidalgo"

    # support
    page.get_by_role("button", name="Apoyar").click()
    page.get_by_role("button", name="Quitar mi apoyo").wait_for()
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).supports_count == 1

    # vote: the meter follows the ticks, the server checks the rules
    page.goto(f"{live_server}/procesos/{voting.slug}/presupuestos/{budget.id}/boleta")
    p1, p2, p3, p4 = f.projects(budget)
    for project in (p1, p2, p3, p4):
        page.locator(f'input[name="project"][value="{project.id}"]').check()
    assert "1,200" in page.locator("#budget-meter-text").inner_text()
    screenshot(page, "ballot-over-budget")
    page.get_by_role("button", name="Revisar mi voto").click()
    assert "presupuesto es de" in page.content()  # refused by the server, ticks kept
    page.locator(f'input[name="project"][value="{p4.id}"]').uncheck()
    page.locator(f'input[name="project"][value="{p3.id}"]').uncheck()
    assert "700" in page.locator("#budget-meter-text").inner_text()
    page.get_by_role("button", name="Revisar mi voto").click()
    page.get_by_role("button", name="Confirmar mi voto").click()
    page.wait_for_url(f"**/presupuestos/{budget.id}/")
    assert "Tu voto quedó registrado" in page.content()
    screenshot(page, "ballot-confirmed")

    # voting closes, results phase opens, the tally runs
    now = utcnow()
    voting.phases[1].ends_at = now - timedelta(minutes=1)
    voting.phases[2].starts_at = now - timedelta(minutes=1)
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)

    page.goto(f"{live_server}/procesos/{voting.slug}/presupuestos/{budget.id}/resultados/")
    assert p1.title in page.get_by_test_id("results-table").inner_text()
    screenshot(page, "results")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-results").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    # p1 and p2 got the vote; p3 (no votes) still fits the 300 left, as greedy defines
    assert [r["project_id"] for r in rows if r["selected"] == "1"] == [
        str(p1.id),
        str(p2.id),
        str(p3.id),
    ]
    assert next(r for r in rows if r["project_id"] == str(p1.id))["votes"] == "1"
