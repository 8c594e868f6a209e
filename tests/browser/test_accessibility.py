"""WCAG 2.1 AA in Chromium: axe-core (vendored in ``static/vendor/axe-core``) runs over the
main pages of a seeded municipality, as an anonymous visitor, a resident and an
administrator, including the states with errors (a refused ballot, forms sent wrong), and
finds no serious or critical violation.

How axe gets into the page: the pages keep their strict Content Security Policy (no
``bypass_csp``, no ``add_script_tag``, which the policy would block as an inline or
injected script). The vendored ``axe.min.js`` is run with ``page.evaluate``, which goes
through the DevTools protocol: CSP governs what the page loads, not what the test harness
evaluates. So axe audits exactly the page residents get, and no page ever links it.
"""

import re

import pytest

from tests.support.auth import logged_in_page
from tests.support.browser import (
    Audit,
    axe_violations,
    seed_city,
)


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG 2.1 contrast ratio of two opaque colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# colours of the spots axe leaves "incomplete" (it cannot tell the background of text on
# a gradient or inside an SVG): [text colour, background colours] per spot
COLOURS = """(spots) => {
  const rgb = (s) => (s.match(/rgba?\\([^)]*\\)/g) || [])
    .map((c) => c.replace(/[^0-9.,]/g, "").split(",").map(Number));
  return spots.map(([text, box, property]) => {
    const t = document.querySelector(text), b = document.querySelector(box);
    if (!t || !b) return null;
    return [rgb(getComputedStyle(t)[property])[0],
            rgb(getComputedStyle(b).backgroundImage + getComputedStyle(b).backgroundColor)
              .filter((c) => c.length < 4 || c[3] > 0)];
  });
}"""


def assert_contrast(page, spots: list[tuple[str, str, str]]) -> None:
    """Text of each (text selector, box selector, colour property) has at least 4.5:1
    against every opaque colour of its box's background (gradient stops included)."""
    for spot, found in zip(spots, page.evaluate(COLOURS, spots), strict=True):
        assert found and found[1], f"{spot} not found"
        text, backgrounds = found
        for background in backgrounds:
            ratio = contrast(text, background)
            assert ratio >= 4.5, f"{spot}: {text} on {background} is {ratio:.2f}:1"


@pytest.fixture(scope="module")
def city(module_live_server):
    return seed_city()


def test_axe_finds_a_violation_when_there_is_one(module_live_server, browser, city):
    """The audit itself can fail: an image without a text alternative is reported."""
    context = browser.new_context(locale="es-MX")
    page = context.new_page()
    page.goto(module_live_server + city.paths["not_found"])
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
        " document.querySelector('main').append(i); }"
    )
    assert "image-alt" in [v["id"] for v in axe_violations(page)]
    context.close()


def test_public_pages(module_live_server, browser, city):
    base, paths = module_live_server, city.paths
    context = browser.new_context(locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(10_000)
    audit = Audit("anonymous")
    for name in (
        "home",
        "process",
        "past_process",
        "process_changes",
        "ideas_process",
        "proposals",
        "proposals_filtered",
        "proposal",
        "budget",
        "project",
        "results",
        "opendata",
        "opendata_process",
        "receipt",
        "followup",
        "followup_item",
        "login",
        "register",
    ):
        audit.visit(page, base, paths[name], name)
    audit.visit(page, base, paths["not_found"], "not_found", status=404)

    # what axe cannot measure: text on the home page's gradient, and the results chart
    page.goto(base + paths["home"])
    assert_contrast(page, [(".hero h1", ".hero", "color"), (".hero .lead", ".hero", "color")])
    page.goto(base + paths["results"])
    assert_contrast(
        page,
        [
            (".chart__label--long", ".chart", "fill"),
            (".chart__value", ".chart", "fill"),
        ],
    )
    # the chart has a name and a description, and the same numbers are in a table
    chart = page.get_by_role("img", name="Gráfica de barras: votos por proyecto")
    assert "votos" in chart.evaluate(
        "(svg) => svg.getAttribute('aria-labelledby').split(' ')"
        ".map((id) => document.getElementById(id).textContent).join(' ')"
    )
    assert page.get_by_role("table", name="Proyectos en orden de votos").count() == 1

    # forms sent wrong: the errors are announced and tied to their fields
    page.goto(base + paths["login"])
    page.get_by_label("Correo electrónico").fill("nadie@example.org")
    page.get_by_label("Contraseña").fill("no-es-la-clave")
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("alert").first.wait_for()
    audit.check(page, "login_error")

    page.goto(base + paths["register"])
    page.get_by_label("Correo electrónico").fill("no-es-un-correo")
    page.get_by_role("button", name="Crear cuenta").click()
    page.locator(".error-summary").wait_for()
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for i in range(invalid.count()):
        described = invalid.nth(i).get_attribute("aria-describedby") or ""
        assert any(page.locator(f"#{d}.field__error").count() for d in described.split())
    audit.check(page, "register_errors")

    page.goto(base + paths["receipt"])
    page.get_by_label("Código de comprobante").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Comprobar").click()
    page.get_by_test_id("receipt-result").wait_for()
    audit.check(page, "receipt_not_found")
    context.close()
    audit.assert_clean()


def test_resident_pages_and_voting(module_live_server, browser, city):
    base, paths = module_live_server, city.paths
    page = logged_in_page(browser, base, *city.logins["residente"])
    audit = Audit("resident")
    audit.check(page, "home")
    for name in (
        "process",
        "proposals_filtered",
        "proposal",
        "new_proposal",
        "ballot_approval",
        "ballot_cumulative",
        "ballot_ordinal",
        "ballot_choose_one",
        "results",
        "followup_item",
        "verify",
    ):
        audit.visit(page, base, paths[name], name)

    # a proposal sent empty: the error summary and the fields' errors
    page.goto(base + paths["new_proposal"])
    page.get_by_role("button", name="Enviar propuesta").click()
    page.locator(".error-summary").wait_for()
    audit.check(page, "new_proposal_errors")

    # the knapsack ballot: over the budget (refused), then review, confirm, receipt
    audit.visit(page, base, paths["ballot_knapsack"], "ballot_knapsack")
    boxes = page.locator('input[name="project"]')
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="Revisar mi voto").click()
    page.get_by_test_id("ballot-error").wait_for()
    audit.check(page, "ballot_over_budget")
    for i in range(1, boxes.count()):
        boxes.nth(i).uncheck()
    page.get_by_role("button", name="Revisar mi voto").click()
    page.get_by_test_id("review-table").wait_for()
    audit.check(page, "ballot_review")
    page.get_by_role("button", name="Confirmar mi voto").click()
    page.get_by_test_id("already-voted").wait_for()
    audit.check(page, "ballot_confirmed")
    flashes = page.get_by_test_id("flashes").inner_text()
    code = re.search(r"comprobante es ([A-Za-z0-9-]+)\.", flashes).group(1)

    page.goto(base + paths["receipt"])
    page.get_by_label("Código de comprobante").fill(code)
    page.get_by_role("button", name="Comprobar").click()
    result = page.get_by_test_id("receipt-result")
    assert result.get_attribute("data-status") == "recorded"  # counted once voting closes
    audit.check(page, "receipt_found")
    page.context.close()
    audit.assert_clean()


def test_staff_pages(module_live_server, browser, city):
    """The administrator holds every staff role: evaluation, moderation and the booth too."""
    base, paths = module_live_server, city.paths
    page = logged_in_page(browser, base, *city.logins["administrador"])
    audit = Audit("admin")
    for name in (
        "admin",
        "admin_process",
        "admin_budget",
        "admin_past_budget",
        "admin_budget_form",
        "admin_compare",
        "admin_new_process",
        "admin_log",
        "admin_log_filtered",
        "admin_users",
        "admin_census",
        "admin_districts",
        "admin_unpublish",
        "admin_publish_open_data",
        "admin_followup",
        "admin_followup_item",
        "evaluator_queue",
        "evaluate",
        "moderation",
        "booths",
        "booth",
        "booth_bulk",
    ):
        audit.visit(page, base, paths[name], name)
    page.context.close()
    audit.assert_clean()
