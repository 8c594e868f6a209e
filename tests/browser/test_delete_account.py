"""In Chromium, CSRF on: a resident who voted downloads their data (the archive holds their
ballot's choices), then deletes the account (the page says what stays and why, the dialog
asks): signed out, the ballot still counted. axe checks each page; each is photographed at
1280 and 375 px."""

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import select

from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.extensions import db
from participa.proposals.models import Support
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.ballots import cast_ballot
from tests.support.browser import look as look_at
from tests.support.browser import screenshot
from tests.support.opendata import proposal


def look(page, name: str) -> None:
    look_at(page, "arco", name)


def test_download_my_data_then_delete_my_account(live_server, page):
    base = live_server
    process = f.process(now_allows=("allows_vote", "allows_propose"))
    budget = f.budget(process)
    me, neighbour = f.user(email="ines.villarreal@example.org"), f.user()
    me.stored_name = "Inés Villarreal"
    first, _second, third, _fourth = f.projects(budget)
    cast_ballot(budget, me, [first.id, third.id])
    proposal(process, me, "Un parque de bolsillo")
    kept = proposal(process, me, "Luminarias en la calle Encino", supports_count=1)
    db.session.add(Support(proposal_id=kept.id, user_id=neighbour.id))
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(page, base, "ines.villarreal@example.org", f.PASSWORD)

    # download my data
    page.goto(f"{base}/cuenta")
    look(page, "account")
    page.get_by_test_id("my-data-link").click()
    page.wait_for_url(f"{base}/cuenta/mis-datos")
    look(page, "my-data")
    page.get_by_role("button", name="Pedir el archivo con mis datos").click()
    page.wait_for_url(f"{base}/cuenta/mis-datos")
    status = page.get_by_test_id("export-status")
    assert status.get_attribute("data-status") == "ready"  # eager Celery: built at the commit
    look(page, "my-data-ready")
    with page.expect_download() as download:
        page.get_by_test_id("download-export").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("datos.json"))
    assert data["cuenta"][0]["nombre"] == "Inés Villarreal"
    assert {row["proyecto"] for row in data["boletas"]} == {first.title, third.title}

    # delete my account: what stays, and why, before the question
    page.goto(f"{base}/cuenta")
    page.get_by_test_id("delete-account-link").click()
    page.wait_for_url(f"{base}/cuenta/eliminar")
    kept_list = page.get_by_test_id("kept-content")
    assert "Luminarias en la calle Encino" in kept_list.inner_text()
    assert "apoyos" in kept_list.inner_text()
    look(page, "delete")
    page.get_by_label("Borrarlos donde se pueda").check()
    page.get_by_label("Tu contraseña actual").fill("not-my-password")
    page.get_by_test_id("delete-account-button").click()
    with page.expect_navigation():  # the same address, drawn again by the server
        page.get_by_test_id("dialog-confirm").click()
    assert "Tu contraseña actual no es esa." in page.content()  # beside the field
    assert page.get_by_label("Borrarlos donde se pueda").is_checked()  # as chosen
    look(page, "delete-wrong-password")
    page.get_by_label("Tu contraseña actual").fill(f.PASSWORD)
    page.get_by_test_id("delete-account-button").click()
    dialog = page.locator("#confirm-dialog")
    assert "No se puede deshacer" in dialog.inner_text()
    screenshot(page, "arco/delete-dialog-1280")
    page.get_by_test_id("dialog-confirm").click()
    page.wait_for_url(f"{base}/")
    assert "Tu cuenta se eliminó" in page.content()
    look(page, "deleted")
    page.goto(f"{base}/cuenta")
    assert "/entrar" in page.url  # signed out

    db.session.expire_all()
    assert db.session.get(User, me.id).deleted_at is not None
    ballot = db.session.scalar(select(Ballot).where(Ballot.budget_id == budget.id))
    assert ballot is not None and ballot.user_id == me.id  # still counted
    page.goto(f"{base}/procesos/{process.slug}/propuestas/{kept.id}")
    assert "Cuenta eliminada" in page.content() and "Inés" not in page.content()
    look(page, "kept-proposal")
