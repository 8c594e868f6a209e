"""In Chromium with an English browser: the pages are English, the ballot's live meter
speaks English and formats money and numbers as English does, and the footer switcher
brings Spanish back on the same page."""

from participa.budgets.models import BallotType
from participa.extensions import db
from tests import factories as f
from tests.support.auth import browser_login


def english_page(browser):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def meter_text(page) -> str:
    return page.locator("#budget-meter-text").inner_text().strip()


def test_knapsack_meter_in_english_then_spanish(live_server, browser):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1_250_000, costs=(600_000, 500_000, 300_000))
    db.session.commit()
    first, second, third = f.projects(budget)
    page, errors = english_page(browser)
    voter = f.user()
    db.session.commit()
    browser_login(page, live_server, voter.email, lang="en")
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert meter_text(page) == "You are using MX$0 of MX$1,250,000"

    page.get_by_label(first.title).check()
    assert meter_text(page) == "You are using MX$600,000 of MX$1,250,000"
    assert page.locator("#budget-count").inner_text().strip() == "1 project chosen"
    assert "You have MX$650,000 left." in page.locator("#budget-notes").inner_text()

    page.get_by_label(second.title).check()
    page.get_by_label(third.title).check()
    assert meter_text(page) == "You are using MX$1,400,000 of MX$1,250,000"
    assert page.locator("#budget-count").inner_text().strip() == "3 projects chosen"
    warning = page.locator("#budget-warnings").inner_text()
    assert "You are MX$150,000 over. Remove a project for your vote to be valid." in warning

    spanish = page.locator('button[lang="es-MX"]')
    assert spanish.inner_text().strip() == "Español"
    assert page.locator('button[lang="en"]').get_attribute("aria-current") == "true"
    spanish.click()
    page.wait_for_url(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert page.locator("html").get_attribute("lang") == "es-MX"
    assert page.locator('button[lang="es-MX"]').get_attribute("aria-current") == "true"
    page.get_by_label(first.title).check()
    assert meter_text(page) == "Llevas $600,000 de $1,250,000"
    assert not errors


def test_points_meter_groups_thousands_in_english(live_server, browser):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(
        process,
        ballot_type=BallotType.CUMULATIVE,
        min_points=1,
        max_points=1000,
        max_total_points=1500,
    )
    db.session.commit()
    first, second, *_ = f.projects(budget)
    page, errors = english_page(browser)
    voter = f.user()
    db.session.commit()
    browser_login(page, live_server, voter.email, lang="en")
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert meter_text(page) == "You have used 0 of 1,500 points"
    page.get_by_label(first.title).fill("1000")
    page.get_by_label(second.title).fill("900")
    assert meter_text(page) == "You have used 1,900 of 1,500 points"
    warning = page.locator("#budget-warnings").inner_text()
    assert "You gave 1,900 points; the maximum is 1,500." in warning
    assert not errors
