"""One resident's whole life with their personal data, in Chromium with CSRF on and the
privacy notice to accept: register (accepting the notice) → confirm with the mailed link →
forget the password → reset it with the mailed link → vote → change the e-mail (confirmed
at the new address) → download my data (the archive holds the ballot's choices and the new
address) → delete the account. Afterwards the ballot still counts in a new tally, and the
person's name and addresses are nowhere in the database."""

import io
import json
import zipfile
from pathlib import Path

from sqlalchemy import select, text

from participa.accounts import services
from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.extensions import db
from participa.results import services as results
from participa.results.models import ProjectOutcome
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.browser import screenshot

NAME, EMAIL, NEW_EMAIL = "Guadalupe Treviño Salinas", "lupe.trevino@example.org", "lupe@example.net"
FIRST, SECOND = "una-clave-muy-larga", "otra-clave-bien-larga"


def test_register_confirm_reset_vote_change_email_download_delete(
    live_server, page, outbox, monkeypatch, ctx
):
    monkeypatch.setitem(ctx.config, "LEGAL_ACCEPTANCE_REQUIRED", True)  # as in production
    base = live_server
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    p1, p2, _p3, _p4 = f.projects(budget)
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})

    # register, accepting the privacy notice and the terms; confirm with the mailed link
    page.goto(f"{base}/registro")
    assert page.get_by_test_id("simplified-notice").is_visible()
    page.get_by_label("Nombre").fill(NAME)
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña", exact=True).fill(FIRST)
    page.get_by_label("Repite la contraseña").fill(FIRST)
    page.get_by_label("Leí y acepto").check()
    page.get_by_role("button", name="Crear cuenta").click()
    page.wait_for_url(f"{base}/registro/revisa-tu-correo")
    page.goto(outbox.link(EMAIL, "confirmar"))
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.wait_for_url(f"{base}/entrar")
    db.session.expire_all()
    me = services.find_by_email(EMAIL)
    assert me is not None and me.is_confirmed
    me_id = me.id

    # forget the password; the mailed link sets a new one and signs in
    page.goto(f"{base}/cuenta/olvide-mi-contrasena")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_role("button", name="Enviarme el enlace").click()
    page.wait_for_url(f"{base}/cuenta/olvide-mi-contrasena/enviado")
    page.goto(outbox.link(EMAIL, "restablecer"))
    page.get_by_label("Contraseña nueva", exact=True).fill(SECOND)
    page.get_by_label("Repite la contraseña nueva").fill(SECOND)
    page.get_by_role("button", name="Guardar mi contraseña nueva").click()
    page.wait_for_url(f"{base}/cuenta/seguridad")

    # vote
    page.goto(f"{base}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    for project in (p1, p2):
        page.locator(f'input[name="project"][value="{project.id}"]').check()
    page.get_by_role("button", name="Revisar mi voto").click()
    page.get_by_role("button", name="Confirmar mi voto").click()
    page.wait_for_url(f"**/presupuestos/{budget.id}/")
    assert "Tu voto quedó registrado" in page.content()

    # change the e-mail: the link goes to the new address
    page.goto(f"{base}/cuenta/correo")
    page.get_by_label("Correo electrónico nuevo").fill(NEW_EMAIL)
    page.get_by_label("Contraseña actual").fill(SECOND)
    page.get_by_role("button", name="Enviarme el enlace").click()
    page.wait_for_url(f"{base}/cuenta/correo/enviado")
    page.goto(outbox.link(NEW_EMAIL, "cambiar-correo"))
    page.get_by_role("button", name="Usar mi correo nuevo").click()
    page.wait_for_url(f"{base}/cuenta/seguridad")
    db.session.expire_all()
    assert db.session.get(User, me_id).email == NEW_EMAIL

    # ask to correct my data (rectification): the text names me
    page.goto(f"{base}/cuenta/solicitudes")
    page.locator('input[name="kind"][value="rectify_account"]').check()
    page.get_by_label("Explica tu solicitud").fill(f"Mi nombre completo es {NAME}, con tilde.")
    page.get_by_role("button", name="Enviar solicitud").click()
    page.wait_for_load_state()

    # download my data: the archive holds my ballot's choices, my address, the notices I
    # accepted and my request
    page.goto(f"{base}/cuenta/mis-datos")
    page.get_by_role("button", name="Pedir el archivo con mis datos").click()
    page.wait_for_url(f"{base}/cuenta/mis-datos")
    with page.expect_download() as download:
        page.get_by_test_id("download-export").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("datos.json"))
    assert data["cuenta"][0]["nombre"] == NAME
    assert data["cuenta"][0]["correo"] == NEW_EMAIL
    assert {row["proyecto"] for row in data["boletas"]} == {p1.title, p2.title}
    assert {row["documento"] for row in data["avisos_aceptados"]} >= {"privacy", "terms"}
    assert NAME in data["solicitudes"][0]["detalle"]

    # delete the account, keeping nothing of the person
    page.goto(f"{base}/cuenta/eliminar")
    page.get_by_label("Tu contraseña actual").fill(SECOND)
    page.get_by_test_id("delete-account-button").click()
    page.get_by_test_id("dialog-confirm").click()
    page.wait_for_url(f"{base}/")
    assert "Tu cuenta se eliminó" in page.content()
    screenshot(page, "journey-account-deleted")
    page.goto(f"{base}/entrar")
    page.get_by_label("Correo electrónico").fill(NEW_EMAIL)
    page.get_by_label("Contraseña", exact=True).fill(SECOND)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()
    assert "/entrar" in page.url  # no way back in

    # the ballot still counts: a new tally gives each of its choices its vote
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot).where(Ballot.budget_id == budget.id))
    assert ballot is not None and ballot.user_id == me_id
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    db.session.expire_all()
    votes = dict(
        db.session.execute(
            select(ProjectOutcome.project_id, ProjectOutcome.votes).where(
                ProjectOutcome.run_id == run.id
            )
        ).all()
    )
    assert votes[p1.id] == 1 and votes[p2.id] == 1

    # nothing of the person anywhere in the database: every text column of every table
    for table in db.metadata.sorted_tables:
        for column in (c.name for c in table.columns if _is_text(c)):
            for personal in ("Guadalupe", "Treviño", "lupe.trevino", "lupe@example"):
                found = db.session.execute(
                    text(f'SELECT count(*) FROM "{table.name}" WHERE "{column}" LIKE :p'),
                    {"p": f"%{personal}%"},
                ).scalar()
                assert found == 0, (table.name, column, personal)


def _is_text(column) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False
