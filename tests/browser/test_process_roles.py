"""In Chromium: an administrator puts a resident on a process's team as an evaluator; that
evaluator answers a proposal of the process, and another process's proposal is refused."""

from sqlalchemy import select

from participa.accounts.models import Role
from participa.extensions import db
from participa.proposals.models import Proposal
from participa.staff.models import ProcessRole
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import axe_violations, screenshot


def logout(page, base):
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/")


def proposal(process, title):
    p = Proposal(
        process_id=process.id,
        author_id=f.user().id,
        title=title,
        body="Un parque con juegos y árboles para las familias de la colonia.",
        category="espacio-publico",
    )
    db.session.add(p)
    return p


def test_admin_assigns_an_evaluator_who_reviews_that_process_only(live_server, page):
    mine, theirs = f.process(), f.process()
    own = proposal(mine, "Bancas en la plaza Hidalgo")
    foreign = proposal(theirs, "Alumbrado en otra colonia")
    evaluator, admin = f.user(), f.admin()
    db.session.commit()

    browser_login(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/procesos/{mine.id}/equipo")
    form = page.get_by_test_id("team-form")
    form.get_by_label("Correo electrónico de la persona").fill("nadie@example.org")
    form.get_by_label("Evaluación de propuestas").check()
    form.get_by_role("button", name="Asignar").click()
    page.get_by_text("No hay ninguna cuenta con ese correo.").first.wait_for()
    assert form.get_by_label("Evaluación de propuestas").is_checked()  # kept
    form.get_by_label("Correo electrónico de la persona").fill(evaluator.email)
    form.get_by_role("button", name="Asignar").click()
    page.get_by_test_id("team-member").wait_for()
    assert evaluator.name in page.get_by_test_id("team").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "process-team")
    assignment = db.session.scalar(select(ProcessRole))
    assert (assignment.user_id, assignment.process_id, assignment.role) == (
        evaluator.id,
        mine.id,
        Role.EVALUATOR,
    )
    logout(page, live_server)

    browser_login(page, live_server, evaluator.email)
    page.get_by_role("link", name="Evaluación").click()
    queue = page.get_by_test_id("review-queue").inner_text()
    assert own.title in queue and foreign.title not in queue
    page.get_by_role("link", name=own.title).click()
    form = page.get_by_test_id("evaluation-form")
    form.get_by_label("No es factible").check()
    form.get_by_label("Motivo o comentarios").fill("La plaza es de jurisdicción estatal.")
    form.get_by_role("button", name="Guardar la evaluación").click()
    page.get_by_text("La respuesta queda retenida hasta que se publique").wait_for()
    db.session.expire_all()
    answered = db.session.get(Proposal, own.id)
    assert (answered.pending_state, answered.evaluator_id) == ("rejected", evaluator.id)

    response = page.goto(f"{live_server}/evaluacion/propuestas/{foreign.id}")
    assert response is not None and response.status == 403
    db.session.expire_all()
    untouched = db.session.get(Proposal, foreign.id)
    assert (untouched.state, untouched.evaluator_id) == ("submitted", None)
