"""In Chromium, at 1280 and 375 px: the administrators' dashboard shows each process's
waiting work and turnout, and the site's problems, without overflowing a phone's width."""

from participa.extensions import db
from participa.proposals import services as proposals
from tests import factories as f
from tests.support.auth import logged_in_page
from tests.support.ballots import cast_ballot
from tests.support.browser import screenshot


def test_dashboard_at_both_widths(live_server, browser):
    process = f.process(now_allows=("allows_propose", "allows_vote"))
    budget = f.budget(process)
    proposals.create_proposal(
        process,
        f.user(),
        title="Luminarias en la colonia Centro",
        body="Una propuesta para la colonia, con su descripción completa.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )
    cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    admin = f.admin()
    db.session.commit()
    for width, height in ((1280, 900), (375, 800)):
        page = logged_in_page(
            browser,
            live_server,
            admin.email,
            f.PASSWORD,
            viewport={"width": width, "height": height},
        )
        page.goto(f"{live_server}/admin/")
        row = page.get_by_test_id(f"process-row-{process.id}")
        assert "Propuestas por evaluar: 1" in row.inner_text()
        assert "Boletas: 1 (en línea 1)" in row.inner_text()
        assert page.get_by_test_id("identity-conflicts").inner_text() == "0"
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
        screenshot(page, f"admin-dashboard-{width}")
        page.context.close()
