"""In Chromium: an irreversible action asks first. With JavaScript a dialog asks and "Cancelar"
changes nothing; without it the server's confirmation page asks the same."""

from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal, ProposalState
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import screenshot


def _proposal(author, title: str) -> Proposal:
    process = f.process(now_allows=("allows_propose",))
    proposal = proposals.create_proposal(
        process,
        author,
        title=title,
        body="Una banca a la sombra para la plaza principal de la colonia.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )
    db.session.commit()
    return proposal


def _state(proposal_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).state


def test_withdrawing_asks_in_a_dialog(live_server, page):
    author = f.user()
    proposal = _proposal(author, "Banca en la plaza")
    browser_login(page, live_server, author.email)
    page.goto(f"{live_server}/procesos/{proposal.process.slug}/propuestas/{proposal.id}")
    page.get_by_test_id("withdraw-button").click()
    dialog = page.locator("#confirm-dialog")
    dialog.get_by_text("¿Retirar tu propuesta «Banca en la plaza»?").wait_for()
    screenshot(page, "confirm-dialog")
    dialog.get_by_role("button", name="Cancelar").click()
    dialog.wait_for(state="hidden")
    assert _state(proposal.id) == ProposalState.SUBMITTED

    page.get_by_test_id("withdraw-button").click()
    dialog.get_by_role("button", name="Retirar mi propuesta").click()
    page.get_by_text("Retiraste tu propuesta.").wait_for()
    assert _state(proposal.id) == ProposalState.WITHDRAWN


def test_without_javascript_the_server_asks(live_server, browser):
    author = f.user()
    proposal = _proposal(author, "Bebedero en el parque")
    context = browser.new_context(locale="es-MX", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    browser_login(page, live_server, author.email)
    page.goto(f"{live_server}/procesos/{proposal.process.slug}/propuestas/{proposal.id}")
    page.get_by_test_id("withdraw-button").click()
    page.get_by_text("¿Retirar tu propuesta «Bebedero en el parque»?").wait_for()
    screenshot(page, "confirm-page")
    assert _state(proposal.id) == ProposalState.SUBMITTED
    page.get_by_test_id("confirm-button").click()
    page.get_by_text("Retiraste tu propuesta.").wait_for()
    assert _state(proposal.id) == ProposalState.WITHDRAWN
    context.close()
