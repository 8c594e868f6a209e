"""An administrator reads the action log in words, filters it, unfolds an entry's changes
(a <details>, no script), and a visitor sees the process's latest changes."""

from datetime import timedelta

from participa.audit.services import log
from participa.budgets import services as budgets
from participa.extensions import db
from tests import factories as f
from tests.support.auth import logged_in_page
from tests.support.browser import screenshot

RULES = (
    "ballot_type",
    "min_projects",
    "max_projects",
    "min_spend_percent",
    "rule",
    "min_score",
    "min_points",
    "max_points",
    "max_total_points",
)


def test_an_administrator_reads_filters_and_unfolds_the_log(live_server, browser):
    admin = f.admin()
    admin.name = "María López"
    process = f.process()
    vote = process.phases[1]
    vote.title = "Votación"
    before = {"title": "Votación", "ends_at": vote.ends_at.isoformat()}
    vote.ends_at += timedelta(days=3)
    log(
        "phase.updated",
        vote,
        actor=admin,
        process_id=process.id,
        public=True,
        before=before,
        after={"title": "Votación", "ends_at": vote.ends_at.isoformat()},
    )
    budget = f.budget(process, amount=1000, costs=())
    rules = {k: getattr(budget, k) for k in RULES} | {"amount": 5000}
    budgets.update_budget(budget, admin, title=budget.title, district_id=None, **rules)
    db.session.commit()

    page = logged_in_page(browser, live_server, admin.email, f.PASSWORD)
    page.goto(f"{live_server}/admin/registro")
    sentences = page.get_by_test_id("log-sentence").all_inner_texts()
    assert any(s.startswith("María López extendió la fase «Votación» hasta el") for s in sentences)

    page.get_by_label("Persona").select_option(label=f"María López ({admin.email})")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("log-entry").count() == 2
    entry = page.get_by_test_id("log-entry").filter(has_text="cambió el presupuesto")
    diff = entry.get_by_test_id("log-diff")
    assert not diff.get_by_role("table").is_visible()
    diff.locator("summary").click()
    assert diff.get_by_role("table").is_visible()
    amount = diff.locator('[data-field="amount"]').inner_text()
    assert "Monto" in amount and "$1,000" in amount and "$5,000" in amount
    screenshot(page, "admin-action-log")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "admin-action-log-375")
    # on a phone each entry is a card: nothing past the screen's edge, and the unfolded
    # change still says which value is before and which after
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert (
        diff.locator('[data-field="amount"] td').first.evaluate(
            "td => getComputedStyle(td, '::before').content"
        )
        == '"Antes:"'
    )

    visitor = browser.new_context(locale="es-MX").new_page()
    visitor.goto(f"{live_server}/procesos/{process.slug}")
    changes = visitor.get_by_test_id("public-log").inner_text()
    assert "La administración extendió la fase «Votación»" in changes
    assert "María López" not in changes
    visitor.get_by_test_id("all-changes").click()
    visitor.wait_for_load_state()
    assert visitor.get_by_test_id("public-log-entry").count() == 7
    screenshot(visitor, "process-changes")
    visitor.context.close()
    page.context.close()
