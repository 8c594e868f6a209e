"""In Chromium: a visitor opens the open data portal from the home page, searches, downloads a
CSV, and checks a voter's receipt."""

import csv
from pathlib import Path

from participa.budgets.receipts import receipt_hash
from participa.extensions import db
from participa.opendata import services
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.browser import screenshot
from tests.support.opendata import shift_phases


def test_portal_search_download_and_receipt(live_server, page):
    process = f.process(now_allows=("allows_vote",), slug="presupuesto-2025")
    budget = f.budget(process, amount=1000, costs=(600, 500, 300, 200))
    p1, p2, p3, p4 = f.projects(budget)
    code = cast_ballot(budget, f.user(), [p2.id, p4.id]).receipt_code
    for chosen in ([p1.id], [p3.id, p4.id], [p2.id]):
        cast_ballot(budget, f.user(), chosen)
    shift_phases(process, 15)
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    services.publish(process, "tally")
    db.session.commit()

    # from the home page to the portal
    page.goto(f"{live_server}/")
    page.get_by_test_id("opendata-link").click()
    page.wait_for_url(f"{live_server}/datos")
    assert page.get_by_role("heading", name="Datos abiertos", level=1).is_visible()

    # search
    page.get_by_label("Buscar", exact=True).fill("boletas")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url("**/datos?q=boletas*")
    assert page.locator('[data-dataset="boletas"]').count() == 1
    assert page.locator('[data-dataset="propuestas"]').count() == 0
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "opendata-portal-search")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the portal scrolls sideways at 375 px ({width})"

    # download the ballots as CSV
    with page.expect_download() as info:
        page.get_by_test_id("download-boletas-csv").click()
    download = info.value
    assert download.suggested_filename == "presupuesto-2025-v1-boletas.csv"
    with open(Path(download.path()), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    assert "receipt_hash" not in rows[0]  # nothing ties a receipt to a ballot's choices

    # the receipts of the counted ballots, apart
    with page.expect_download() as info:
        page.get_by_test_id("download-comprobantes-csv").click()
    with open(Path(info.value.path()), encoding="utf-8", newline="") as handle:
        receipts = list(csv.DictReader(handle))
    assert receipt_hash(code) in {r["receipt_hash"] for r in receipts}

    # check the receipt
    page.goto(f"{live_server}/datos")
    page.get_by_test_id("receipt-link").click()
    page.get_by_label("Código de comprobante").fill(code.lower())
    page.get_by_role("button", name="Comprobar").click()
    result = page.get_by_test_id("receipt-result")
    assert result.get_attribute("data-status") == "counted"
    shown = result.inner_text()
    assert "Tu boleta se contó" in shown and budget.title in shown
    assert all(p.title not in shown for p in (p1, p2, p3, p4))  # never what it holds
    screenshot(page, "opendata-receipt")
