"""In Chromium: archiving a budget asks on its confirmation page (one template for every
irreversible action), the budget's page leads to the list of what was archived, and a
restore puts the budget back; axe finds nothing serious on these pages, and at 375 px
nothing is wider than the screen (the categories list becomes one card per category)."""

import os
from pathlib import Path

from participa.budgets.models import Budget
from participa.db import utcnow
from participa.extensions import db
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import Audit, screenshot

SHOTS = os.environ.get("PARTICIPA_SHOTS")  # where to keep the pictures at both widths, if set


def _shots(page, name: str) -> None:
    """A picture at 1280 and at 375 px (and the page fits 375 px: no sideways scroll)."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        else:
            screenshot(page, f"{name}-{width}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_archive_asks_then_restore_from_the_archived_list(live_server, page):
    admin = f.admin()
    process = f.process(now_allows=("allows_propose",))
    budget = f.budget(process)
    budget.title = "Obras del Centro"
    project = f.projects(f.budget(process))[0]
    project.archived_at = utcnow()  # withdrawn earlier: listed too
    db.session.commit()
    browser_login(page, live_server, admin.email)
    audit = Audit("administrator")

    page.goto(f"{live_server}/admin/presupuestos/{budget.id}")
    page.get_by_role("link", name="Archivar", exact=True).click()
    page.get_by_test_id("confirm-question").wait_for()
    assert (
        "¿Archivar el presupuesto «Obras del Centro»?"
        in page.get_by_role("heading", level=1).inner_text()
    )
    audit.check(page, "confirm_archive")
    _shots(page, "confirm-archive")
    page.get_by_test_id("confirm-button").click()
    page.get_by_test_id("archived").wait_for()  # the badge on the budget's page
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).archived_at is not None

    page.get_by_test_id("archived-link").click()
    page.get_by_test_id("archived-budget").wait_for()
    audit.check(page, "archived")
    _shots(page, "archived-list")
    page.get_by_test_id("archived-budget").get_by_test_id("restore-button").click()
    page.get_by_text("Presupuesto «Obras del Centro» restaurado").wait_for()
    assert page.get_by_test_id("archived-budget").count() == 0
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).archived_at is None

    page.goto(f"{live_server}/admin/categorias")
    audit.check(page, "categories")
    _shots(page, "categories-list")
    audit.assert_clean()
