"""At 375 × 812 (a small phone) in Chromium: the main pages, for a visitor, a resident and an
administrator, have no horizontal scroll, show their primary action inside the screen's
width, keep buttons at a comfortable touch size, and pass axe's WCAG 2.1 AA audit (serious
and critical) at that width too. A full-page screenshot of each is saved to
``test-artifacts/mobile/<page>.png`` (not committed)."""

import pytest

from tests.support.auth import logged_in_page
from tests.support.browser import ARTIFACTS, Audit, seed_city

WIDTH, HEIGHT = 375, 812
PHONE = {"viewport": {"width": WIDTH, "height": HEIGHT}, "device_scale_factor": 1}
TOUCH = 44  # px, WCAG 2.5.5 (AAA) target size, kept for buttons where reasonable

# page name -> CSS selector of its primary action (None: a page without one)
VISITOR = {
    "home": "main a.button",  # "Ver proceso" of the first process
    "process": "main a.button, main .button",
    "proposals_filtered": '[data-testid="proposal-filters"] button[type="submit"]',
    "proposal": 'main a.button[href*="/entrar"]',  # "Entra para apoyar"
    "budget": '[data-testid="vote-link"]',
    "results": '[data-testid="download-results"]',
    "opendata": 'main form button[type="submit"]',
    "opendata_process": "main a[href$='.csv']",
    "receipt": '[data-testid="receipt-form"] button[type="submit"]',
    "followup": 'main form button[type="submit"]',
    "followup_item": "main h1",
    "login": '[data-testid="login-form"] button[type="submit"]',
    "register": 'main form button[type="submit"]',
}
RESIDENT = {
    "budget": '[data-testid="vote-link"]',
    "ballot_knapsack": '#ballot-form button[type="submit"]',
    "ballot_cumulative": '#ballot-form button[type="submit"]',
    "ballot_ordinal": '#ballot-form button[type="submit"]',
    "new_proposal": 'main form button[type="submit"]',
    "proposal": '[data-testid="support-button"], [data-testid="unsupport-button"]',
}
ADMIN = {
    "admin": "main h1",
    "admin_process": "main h1",
    "admin_budget": "main h1",
    "admin_log": "main h1",
    "admin_users": "main h1",
    "moderation": "main h1",
    "evaluator_queue": "main h1",
    "booth": "main form button[type='submit']",
}

# the visible buttons, links styled as buttons, and header and language links lower than
# ``min`` px (the links inside text are left alone: WCAG 2.5.5 exempts inline targets)
SMALL_BUTTONS = """(min) => Array.from(document.querySelectorAll(
    "main .button, main button, .site-header a, .site-header button, .site-footer button"))
  .filter((el) => el.offsetParent !== null && !el.closest(".visually-hidden"))
  .map((el) => [Math.round(el.getBoundingClientRect().height), el.className])
  .filter(([height]) => height < min)"""


@pytest.fixture(scope="module")
def city(module_live_server):
    return seed_city()


def check_pages(page, base: str, city, role: str, pages: dict[str, str]) -> None:
    audit = Audit(f"{role} at {WIDTH} px")
    problems: list[str] = []
    (ARTIFACTS / "mobile").mkdir(parents=True, exist_ok=True)
    for name, action in pages.items():
        audit.visit(page, base, city.paths[name], name)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > WIDTH:
            problems.append(f"{name}: the page is {width} px wide (horizontal scroll)")
        target = page.locator(action).first
        box = target.bounding_box()
        if box is None or not target.is_visible():
            problems.append(f"{name}: the primary action {action!r} is not visible")
        elif box["x"] < 0 or box["x"] + box["width"] > WIDTH:
            problems.append(f"{name}: {action!r} sticks out of the screen ({box})")
        small = {f"{cls!r} {height} px" for height, cls in page.evaluate(SMALL_BUTTONS, TOUCH)}
        problems += [f"{name}: buttons lower than {TOUCH} px: {s}" for s in sorted(small)]
        page.screenshot(path=str(ARTIFACTS / "mobile" / f"{role}-{name}.png"), full_page=True)
    assert problems == [], "\n".join(problems)
    audit.assert_clean()


def test_visitor_pages_fit_a_phone(module_live_server, browser, city):
    context = browser.new_context(locale="es-MX", **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    check_pages(page, module_live_server, city, "visitor", VISITOR)
    context.close()


def test_resident_pages_fit_a_phone(module_live_server, browser, city):
    page = logged_in_page(browser, module_live_server, *city.logins["residente"], **PHONE)
    check_pages(page, module_live_server, city, "resident", RESIDENT)
    page.context.close()


def test_admin_pages_fit_a_phone(module_live_server, browser, city):
    page = logged_in_page(browser, module_live_server, *city.logins["administrador"], **PHONE)
    check_pages(page, module_live_server, city, "admin", ADMIN)
    page.context.close()


def test_support_comes_before_the_comments_on_a_phone(module_live_server, browser, city):
    # On a phone the two columns stack: the proposal's facts and its "Apoyar" button must
    # come right after its text, not after the whole comment thread.
    page = logged_in_page(browser, module_live_server, *city.logins["residente"], **PHONE)
    page.goto(module_live_server + city.paths["proposal"])
    action = page.locator(RESIDENT["proposal"]).first.bounding_box()
    comments = page.get_by_test_id("comments").bounding_box()
    assert page.get_by_test_id("comments-count").inner_text() != "(0)"  # a real thread
    assert action["y"] + action["height"] <= comments["y"], (action, comments)
    page.context.close()
