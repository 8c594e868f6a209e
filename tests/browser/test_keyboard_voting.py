"""In Chromium, with the keyboard alone (``page.keyboard``: Tab, Shift+Tab, Space, Enter and
the arrow keys; no click, no ``check``, no ``fill``): a resident logs in, goes to the ballot,
picks projects while the live meter (an ``aria-live`` region) follows, is refused over the
budget with the error announced and focused, fixes the selection, reviews and confirms;
then a choose-1 ballot with the arrow keys. Every control reached shows a visible focus
indicator, and what is stored is checked in the database."""

from sqlalchemy import select

from participa.budgets.models import Ballot, BallotItem, BallotType
from participa.extensions import db
from tests import factories as f

FOCUS_INDICATOR = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return outline || style.boxShadow !== "none";
}"""


def focused(page, attribute: str = "id") -> str:
    return page.evaluate(f"() => document.activeElement.getAttribute('{attribute}') || ''")


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; each stop on
    the way must show a visible focus indicator."""
    key = "Shift+Tab" if backwards else "Tab"
    # the page's stylesheet must have loaded (the "load" event) before its focus styles are
    # judged: an element in the DOM is not yet a styled one on a busy machine
    page.wait_for_load_state("load")
    for _ in range(limit):
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_INDICATOR), (
            "no visible focus on " + page.evaluate("() => document.activeElement.outerHTML")[:200]
        )
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with {key}")


def meter_text(page) -> str:
    return page.locator("#budget-meter-text").inner_text().strip()


def stored_projects(budget_id: int, user_id: int) -> set[int]:
    db.session.expire_all()
    ballot = db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget_id, Ballot.user_id == user_id)
    )
    assert ballot is not None, "no ballot stored"
    return set(
        db.session.scalars(select(BallotItem.project_id).where(BallotItem.ballot_id == ballot.id))
    )


def test_vote_with_the_keyboard_alone(live_server, page):
    process = f.process(now_allows=("allows_vote",), slug="teclado")
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    p1, p2, p3, p4 = f.projects(budget)
    single = f.budget(process, ballot_type=BallotType.CHOOSE_1)
    s1, s2, s3, _s4 = f.projects(single)
    voter = f.user()
    db.session.commit()

    # log in: the skip link comes first and shows up when focused
    page.goto(f"{live_server}/entrar")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # on screen, not off it
    assert page.evaluate(FOCUS_INDICATOR)
    tab_to(page, "#email")
    page.keyboard.type(voter.email)
    tab_to(page, "#password")
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")

    # from the budget page to the ballot through the "Votar" link
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/")
    tab_to(page, '[data-testid="vote-link"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/boleta")
    assert page.locator("#budget-meter-text").get_attribute("aria-live") == "polite"
    assert page.locator("#budget-feedback").get_attribute("aria-live") == "polite"

    # every project with Space: 1,200 of 1,000, the warning is in the live region
    for project in (p1, p2, p3, p4):
        tab_to(page, f"#project-{project.id}")
        page.keyboard.press("Space")
        assert page.locator(f"#project-{project.id}").is_checked()
    assert "1,200" in meter_text(page)
    assert "Te pasas por" in page.locator("#budget-feedback").inner_text()

    # the server refuses, the error is an alert and takes the focus
    tab_to(page, 'button[type="submit"]')
    page.keyboard.press("Enter")
    error = page.get_by_test_id("ballot-error")
    error.wait_for()
    page.wait_for_load_state()  # ballot.js (deferred) moves the focus once it has run
    assert error.get_attribute("role") == "alert"
    assert focused(page) == "ballot-error"
    assert "presupuesto es de" in error.inner_text()
    assert page.locator(f"#project-{p4.id}").is_checked()  # the ticks are kept

    # back to the last projects with Shift+Tab from the button, untick two with Space
    tab_to(page, 'button[type="submit"]')
    tab_to(page, f"#project-{p4.id}", backwards=True)
    page.keyboard.press("Space")
    tab_to(page, f"#project-{p3.id}", backwards=True)
    page.keyboard.press("Space")
    assert "700" in meter_text(page)
    assert "Te quedan" in page.locator("#budget-feedback").inner_text()

    # review, then confirm, with Enter
    tab_to(page, 'button[type="submit"]')
    page.keyboard.press("Enter")
    page.get_by_test_id("review-table").wait_for()
    tab_to(page, '[data-testid="confirm-form"] button[type="submit"]')
    page.keyboard.press("Enter")
    page.get_by_test_id("already-voted").wait_for()
    assert stored_projects(budget.id, voter.id) == {p1.id, p2.id}

    # a choose-1 ballot: the radio group moves with the arrow keys
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{single.id}/boleta")
    tab_to(page, f"#project-{s1.id}")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == f"project-{s3.id}"
    assert page.locator(f"#project-{s3.id}").is_checked()
    assert not page.locator(f"#project-{s2.id}").is_checked()
    assert meter_text(page) == "1 proyecto elegido"
    page.keyboard.press("ArrowUp")
    assert page.locator(f"#project-{s2.id}").is_checked()
    tab_to(page, 'button[type="submit"]')
    page.keyboard.press("Enter")
    page.get_by_test_id("review-table").wait_for()
    tab_to(page, '[data-testid="confirm-form"] button[type="submit"]')
    page.keyboard.press("Enter")
    page.get_by_test_id("already-voted").wait_for()
    assert stored_projects(single.id, voter.id) == {s2.id}
