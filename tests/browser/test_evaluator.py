"""In Chromium: an evaluator answers a proposal, the answer is held until an administrator
publishes it, and then its author reads it."""

from sqlalchemy import select

from participa.accounts.models import Role
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import screenshot


def logout(page, base):
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/")


def test_evaluator_answers_and_admin_publishes(live_server, page):
    process = f.process(now_allows=("allows_propose",))
    author, evaluator, admin = f.user(), f.user(Role.EVALUATOR), f.admin()
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title="Alumbrado en el parque Hidalgo",
        body="z" * 60,
        category="seguridad",
        cost_estimate=90_000,
    )
    db.session.add(proposal)
    db.session.commit()

    browser_login(page, live_server, evaluator.email)
    page.get_by_role("link", name="Evaluación").click()
    page.get_by_role("link", name="Alumbrado en el parque Hidalgo").click()
    page.get_by_role("button", name="Empezar la evaluación").click()
    form = page.get_by_test_id("evaluation-form")
    form.get_by_label("Sí: es factible").check()
    form.get_by_label("Costo estimado (pesos)").fill("120000")
    form.get_by_label("Motivo o comentarios").fill("Factible: el área de obras confirmó el costo.")
    form.get_by_role("button", name="Guardar la evaluación").click()
    page.get_by_text("La respuesta queda retenida hasta que se publique").wait_for()
    assert "Respuesta retenida: Aceptada" in page.content()
    screenshot(page, "evaluator-held-answer")
    db.session.expire_all()
    held = db.session.get(Proposal, proposal.id)
    assert (held.state, held.pending_state, held.pending_cost) == ("evaluating", "accepted", 120000)
    logout(page, live_server)

    browser_login(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/procesos/{process.id}/revision")
    page.get_by_test_id("publish-form").get_by_role("button", name="Publicar respuestas").click()
    dialog = page.locator("#confirm-dialog")  # it asks first (participa/confirmation.py)
    dialog.get_by_text("¿Publicar las respuestas elegidas?").wait_for()
    dialog.get_by_role("button", name="Publicar respuestas").click()
    page.get_by_text("respuestas publicadas").wait_for()
    db.session.expire_all()
    published = db.session.get(Proposal, proposal.id)
    assert (published.state, published.cost_estimate) == ("accepted", 120000)
    assert published.answer == "Factible: el área de obras confirmó el costo."
    logout(page, live_server)

    browser_login(page, live_server, author.email)
    page.goto(f"{live_server}/procesos/{process.slug}/propuestas/{proposal.id}")
    assert "el área de obras confirmó el costo" in page.content()
    assert (
        db.session.scalar(select(Notification.kind).where(Notification.user_id == author.id))
        == "proposal_answered"
    )
