"""In Chromium, CSRF on: the bell of the header (a link named with the unread count, a
visible focus), the list of my notifications (opening one goes to what it is about and
marks it read; "mark as read"; "mark all as read"), a receipt shown without its code, and
the preferences page (a choice turned off is kept; the always-on ones cannot be touched).
axe checks each page; each is photographed at 1280 and 375 px."""

from __future__ import annotations

import re

from sqlalchemy import select

from participa.extensions import db
from participa.notifications.models import Notification, NotificationOptOut
from participa.notifications.services import notify
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import look as look_at

CODE = "Q4M7-ZX2P-CODIGO"


def look(page, name: str) -> None:
    look_at(page, "notifications", name)


def test_bell_list_mark_read_and_preferences(live_server, page):
    base = live_server
    process = f.process()
    me = f.user()
    receipt = ("Tu voto quedó registrado", "Tu código es [[secret]].", CODE)
    notify([me.id], "ballot_confirmed", *receipt)
    notify(
        [me.id],
        "phase_opened",
        "Empezó la fase «Votación»",
        f"En «{process.title}» empezó la fase «Votación».",
        link=f"/procesos/{process.slug}",
    )
    notify([me.id], "proposal_answered", "Tu propuesta tiene respuesta", "Es viable.")
    db.session.commit()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/")
    assert page.get_by_role("link", name="Notificaciones").count() == 0  # visitors: no bell
    browser_login(page, base, me.email)

    bell = page.get_by_role("link", name="Notificaciones, 3 sin leer")
    bell.focus()
    outline = bell.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline not in ("none", ""), "the bell's focus is not visible"
    look(page, "home-with-bell")
    bell.click()
    page.wait_for_url(f"{base}/notificaciones")
    content = page.content()
    assert CODE not in content and "(te lo enviamos por correo)" in content
    assert page.get_by_test_id("unread").count() == 3
    look(page, "list")

    # opening one goes to what it is about, and it is read
    page.get_by_role("link", name="Empezó la fase «Votación»").click()
    page.wait_for_url(f"{base}/procesos/{process.slug}")
    assert page.get_by_role("link", name="Notificaciones, 2 sin leer").count() == 1

    # "mark as read" on one, then "mark all as read"
    page.get_by_role("link", name="Notificaciones, 2 sin leer").click()
    answer = page.get_by_test_id("notification").filter(has_text="Tu propuesta tiene respuesta")
    answer.get_by_role("button", name=re.compile("^Marcar como leída")).click()
    page.wait_for_url(f"{base}/notificaciones")
    assert page.get_by_role("link", name="Notificaciones, 1 sin leer").count() == 1
    page.get_by_role("button", name="Marcar todas como leídas").click()
    page.wait_for_url(f"{base}/notificaciones")
    assert "Marcaste 1 notificación como leída." in page.content()
    assert page.get_by_role("link", name="Notificaciones, ninguna sin leer").count() == 1
    assert page.get_by_test_id("unread").count() == 0
    db.session.expire_all()
    assert all(
        db.session.scalars(select(Notification.read_at).where(Notification.user_id == me.id))
    )

    # preferences: from my account
    page.goto(f"{base}/cuenta")
    page.get_by_test_id("notification-settings-link").click()
    page.wait_for_url(f"{base}/cuenta/notificaciones")
    receipts = page.get_by_label("Comprobantes de mi voto (por correo): Siempre")
    assert receipts.is_checked() and receipts.is_disabled()
    answers_by_mail = page.get_by_label("Respuestas a mis propuestas (por correo): Sí")
    assert answers_by_mail.is_checked()
    look(page, "preferences")
    answers_by_mail.uncheck()
    page.get_by_role("button", name="Guardar mis preferencias").click()
    page.wait_for_url(f"{base}/cuenta/notificaciones")
    assert "Guardamos tus preferencias" in page.content()
    assert not page.get_by_label("Respuestas a mis propuestas (por correo): Sí").is_checked()
    assert page.get_by_label("Respuestas a mis propuestas (en participa): Sí").is_checked()
    look(page, "preferences-saved")
    stored = db.session.execute(
        select(NotificationOptOut.topic, NotificationOptOut.channel).where(
            NotificationOptOut.user_id == me.id
        )
    ).all()
    assert [tuple(row) for row in stored] == [("answers", "email")]
