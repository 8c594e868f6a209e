"""In Chromium: a resident fills in a cumulative and an ordinal ballot, the live meter follows,
the server refuses what breaks the rules, then review, change, confirm; what is stored is
checked in the database."""

import re

from participa.budgets.models import BallotType
from participa.extensions import db
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.ballots import stored, voting_budget
from tests.support.browser import screenshot


def watch_errors(page) -> list[str]:
    """Script errors of the page (a refused ballot's 4xx answer is not one)."""
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", on_console)
    return errors


def meter_text(page) -> str:
    return page.locator("#budget-meter-text").inner_text().strip()


def meter_value(page) -> float:
    return page.locator("#budget-meter").evaluate("m => m.value")


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_cumulative_ballot(live_server, page):
    budget = voting_budget(BallotType.CUMULATIVE, min_points=1, max_points=5, max_total_points=8)
    p1, p2, p3, p4 = f.projects(budget)
    errors = watch_errors(page)
    page.set_viewport_size({"width": 375, "height": 812})
    voter = f.user()
    db.session.commit()
    browser_login(page, live_server, voter.email)
    page.goto(f"{live_server}/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta")
    assert "Tienes 8 puntos en total" in page.get_by_test_id("budget-rules").inner_text()
    assert meter_text(page) == "Llevas 0 de 8 puntos"
    assert page.locator("#budget-meter").get_attribute("max") == "8"

    page.get_by_label(p1.title).fill("5")
    assert meter_text(page) == "Llevas 5 de 8 puntos"
    assert meter_value(page) == 5
    page.get_by_label(p4.title).fill("2")
    assert meter_text(page) == "Llevas 7 de 8 puntos"
    assert "Te queda 1 punto." in page.locator("#budget-notes").inner_text()
    # the keyboard works: arrow up on an empty number field gives it one point
    page.get_by_label(p3.title).focus()
    page.keyboard.press("ArrowUp")
    assert page.get_by_label(p3.title).input_value() == "1"
    assert meter_text(page) == "Llevas 8 de 8 puntos"
    assert fits_the_width(page)
    screenshot(page, "ballot-cumulative-375")

    # too many points: the meter warns, and the server refuses and keeps the points
    page.get_by_label(p2.title).fill("3")
    assert meter_text(page) == "Llevas 11 de 8 puntos"
    assert "el máximo es 8" in page.get_by_test_id("budget-warnings").inner_text()
    assert "is-over" in page.locator("#budget-meter").get_attribute("class")
    page.get_by_role("button", name="Revisar mi voto").click()
    error = page.get_by_test_id("ballot-error")
    assert "Repartiste 11 puntos; el máximo es 8." in error.inner_text()
    # the page's script moves the focus to the error once loaded: wait for that, not a time
    page.wait_for_function("document.activeElement && document.activeElement.id === 'ballot-error'")
    assert page.get_by_label(p1.title).input_value() == "5"
    assert stored(budget) == {}

    page.get_by_label(p2.title).fill("")
    assert meter_text(page) == "Llevas 8 de 8 puntos"
    page.get_by_role("button", name="Revisar mi voto").click()
    table = page.get_by_test_id("review-table")
    assert "8 de 8" in table.inner_text()
    assert p2.title not in table.inner_text()

    # change the selection: the unconfirmed points come back
    page.get_by_role("link", name="Cambiar selección").click()
    page.wait_for_url(re.compile(r".*/boleta\?.*"))
    assert page.get_by_label(p1.title).input_value() == "5"
    assert page.get_by_label(p3.title).input_value() == "1"
    assert page.get_by_label(p4.title).input_value() == "2"
    assert meter_text(page) == "Llevas 8 de 8 puntos"
    page.get_by_label(p3.title).fill("0")
    assert meter_text(page) == "Llevas 7 de 8 puntos"
    page.get_by_role("button", name="Revisar mi voto").click()
    page.get_by_role("button", name="Confirmar mi voto").click()
    page.wait_for_url(f"**/presupuestos/{budget.id}/")
    assert "Tu voto quedó registrado" in page.content()
    assert stored(budget) == {p1.id: (5, None), p4.id: (2, None)}
    assert "Le diste 5 puntos en tu voto" in page.content()
    assert errors == []


def test_ordinal_ballot(live_server, page):
    budget = voting_budget(BallotType.ORDINAL, max_projects=3)
    p1, p2, p3, p4 = f.projects(budget)
    errors = watch_errors(page)
    voter = f.user()
    db.session.commit()
    browser_login(page, live_server, voter.email)
    page.goto(f"{live_server}/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta")
    assert meter_text(page) == "Llevas 0 de 3 proyectos"

    page.get_by_label(p3.title).select_option("1")
    page.get_by_label(p1.title).select_option("2")
    assert meter_text(page) == "Llevas 2 de 3 proyectos"
    assert meter_value(page) == 2
    page.get_by_label(p4.title).select_option("2")
    warnings = page.get_by_test_id("budget-warnings")
    assert "Varios proyectos tienen el lugar 2" in warnings.inner_text()
    # the server refuses a repeated place too, and keeps the places chosen
    page.get_by_role("button", name="Revisar mi voto").click()
    assert "Varios proyectos tienen el lugar 2" in page.get_by_test_id("ballot-error").inner_text()
    assert page.get_by_label(p3.title).input_value() == "1"
    assert stored(budget) == {}

    page.get_by_label(p4.title).select_option("3")
    assert warnings.inner_text().strip() == ""
    assert meter_text(page) == "Llevas 3 de 3 proyectos"
    page.set_viewport_size({"width": 375, "height": 812})
    assert fits_the_width(page)
    screenshot(page, "ballot-ordinal-375")

    page.get_by_role("button", name="Revisar mi voto").click()
    rows = page.get_by_test_id("review-row")
    assert rows.count() == 3
    assert [rows.nth(i).locator("th").inner_text() for i in range(3)] == [
        p3.title,
        p1.title,
        p4.title,
    ]
    page.get_by_role("button", name="Confirmar mi voto").click()
    page.wait_for_url(f"**/presupuestos/{budget.id}/")
    assert stored(budget) == {p3.id: (None, 1), p1.id: (None, 2), p4.id: (None, 3)}
    ranking = page.get_by_test_id("your-ranking").locator("li")
    assert ranking.all_inner_texts() == [p3.title, p1.title, p4.title]
    assert p2.title not in page.get_by_test_id("your-ranking").inner_text()
    assert errors == []
