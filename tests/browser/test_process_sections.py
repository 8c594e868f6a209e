"""In Chromium, on the demo municipality: an administrator moves between the sections of a
process by its tab bar (with the keyboard too), each section far shorter than the former
one-page administration (12,329 px at 1280 wide for the 2026 process, with 20 ballots);
a budget form shows only the fields of the chosen ballot type; a link to an anchor of the
former page reaches its section; axe finds no serious violation; and pictures of every
section at 1280 and 375 px wide are kept."""

from pathlib import Path

import pytest

from participa.extensions import db
from tests import factories as f
from tests.support.auth import logged_in_page
from tests.support.browser import Audit, seed_city

SHOTS = Path("/work/shots/step8-tabs")
SECTIONS = {
    "resumen": "",
    "fases": "/fases",
    "presupuestos": "/presupuestos",
    "propuestas": "/propuestas",
    "revision": "/revision",
    "resultados": "/resultados",
    "seguimiento": "/seguimiento",
}
BALLOT_FIELDS = {  # the groups of fields each ballot type shows
    "knapsack": {"fields-projects", "fields-knapsack"},
    "approval": {"fields-projects"},
    "choose-1": set(),
    "cumulative": {"fields-projects", "fields-cumulative"},
    "ordinal": {"fields-projects"},
}
GROUPS = ("fields-projects", "fields-knapsack", "fields-cumulative", "fields-threshold")


@pytest.fixture(scope="module")
def city(module_ctx):
    city = seed_city(ballots=20)
    city.ids["open_ballot"] = f.budget(f.process(now_allows=("allows_propose",))).id
    db.session.commit()
    return city


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visible_groups(page) -> set[str]:
    return {g for g in GROUPS if page.get_by_test_id(g).is_visible()}


def test_tabs_heights_ballot_types_and_axe(module_live_server, browser, city):
    base = module_live_server
    process_id = city.ids["voting_process"]
    email, password = city.logins["administrador"]
    page = logged_in_page(browser, base, email, password, viewport={"width": 1280, "height": 900})
    audit = Audit("administrator")
    page.goto(f"{base}/admin/procesos/{process_id}")
    heights = {}
    for key, path in SECTIONS.items():
        tabs = page.get_by_role("navigation", name="Secciones del proceso")
        if key != "resumen":  # the tab bar leads there
            tabs.locator(f'a[data-tab="{key}"]').click()
        page.wait_for_url(f"{base}/admin/procesos/{process_id}{path}")
        assert tabs.locator('[aria-current="page"]').get_attribute("data-tab") == key
        heights[key] = page.evaluate("document.documentElement.scrollHeight")
        audit.check(page, f"section {key}")
        shot(page, f"section-{key}-1280")
    assert heights["resumen"] < 4000, heights  # the former page: 12,329 px
    assert max(h for key, h in heights.items() if key != "propuestas") < 4000, heights
    assert heights["propuestas"] < 12_329 * 2 / 3, heights  # the 30 answered proposals
    audit.assert_clean()

    # the keyboard: Tab reaches the tab bar's links, Enter follows one
    page.goto(f"{base}/admin/procesos/{process_id}")
    link = page.locator('nav[data-testid="process-tabs"] a[data-tab="fases"]')
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    else:
        pytest.fail("the Fases tab is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/admin/procesos/{process_id}/fases")

    # an anchor of the former one-page administration reaches its section
    page.goto(f"{base}/admin/procesos/{process_id}#umbral-de-apoyos")
    page.wait_for_url(f"{base}/admin/procesos/{process_id}/revision#umbral-de-apoyos")

    # the add-budget form shows only the chosen ballot type's fields
    page.goto(f"{base}/admin/procesos/{process_id}/presupuestos")
    form = page.get_by_test_id("budget-form")
    for ballot_type, groups in BALLOT_FIELDS.items():
        form.locator('select[name="ballot_type"]').select_option(ballot_type)
        assert visible_groups(page) == groups, ballot_type
        form.screenshot(path=str(SHOTS / f"budget-form-{ballot_type}-1280.png"))
    form.locator('select[name="rule"]').select_option("greedy-threshold")
    assert "fields-threshold" in visible_groups(page)

    # ...and the edit form of a budget not yet voted on (2027: proposals open)
    page.goto(f"{base}/admin/presupuestos/{city.ids['open_ballot']}/editar")
    page.get_by_test_id("budget-edit-form").locator('select[name="ballot_type"]').select_option(
        "cumulative"
    )
    assert visible_groups(page) == {"fields-projects", "fields-cumulative"}
    audit.check(page, "budget edit form")
    shot(page, "budget-edit-cumulative-1280")
    audit.assert_clean()
    page.context.close()


def test_sections_at_375(module_live_server, browser, city):
    base = module_live_server
    process_id = city.ids["voting_process"]
    email, password = city.logins["administrador"]
    page = logged_in_page(browser, base, email, password, viewport={"width": 375, "height": 800})
    for key, path in SECTIONS.items():
        page.goto(f"{base}/admin/procesos/{process_id}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, key
        nav = page.get_by_test_id("process-tabs").bounding_box()
        assert nav and nav["width"] <= 375, key
        shot(page, f"section-{key}-375")
    # the phases, the budgets, a budget's projects and the dashboard's processes are one card
    # per row on a phone: every cell, the buttons included, inside the screen, not past the
    # edge of a table scrolled sideways
    for path, table in (
        (f"/admin/procesos/{process_id}/fases", "admin-phases"),
        (f"/admin/procesos/{process_id}/presupuestos", "admin-budgets"),
        (f"/admin/presupuestos/{city.ids['open_ballot']}", "admin-projects"),
        ("/admin/", "admin-processes"),
    ):
        page.goto(f"{base}{path}")
        right = page.get_by_test_id(table).evaluate(
            "t => Math.max(...[...t.querySelectorAll('tbody th, tbody td')]"
            ".map(c => c.getBoundingClientRect().right))"
        )
        assert right <= 375, (path, right)
    page.goto(f"{base}/admin/procesos/{process_id}/presupuestos")
    form = page.get_by_test_id("budget-form")
    for ballot_type in BALLOT_FIELDS:
        form.locator('select[name="ballot_type"]').select_option(ballot_type)
        form.screenshot(path=str(SHOTS / f"budget-form-{ballot_type}-375.png"))
    page.context.close()
