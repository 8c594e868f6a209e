"""In Chromium, CSRF on: a resident edits the profile (a refused name first, what was typed
kept), picks English, sees "Mi actividad", asks for a new e-mail address and switches to
it with the link mailed there (read from the mail folder, as in the demo); the old
address got a notice without the link. axe checks each page; each is photographed at 1280
and 375 px (test-artifacts/profile/)."""

from participa.accounts import services
from participa.extensions import db
from participa.notifications.models import Follow
from participa.processes.models import District
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import look as look_at
from tests.support.mail import LINK, body_of

NEW = "rosa.nueva@example.org"


def look(page, name: str) -> None:
    look_at(page, "profile", name)


def test_edit_the_profile_and_change_the_email_through_the_mailed_link(live_server, page, outbox):
    base = live_server
    db.session.add_all([District(name="Centro"), District(name="Valle Oriente")])
    rosa = f.user(email="rosa@example.org")
    rosa_id = rosa.id
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(page, base, "rosa@example.org")

    page.goto(f"{base}/cuenta")
    page.get_by_test_id("profile-link").click()
    page.wait_for_url(f"{base}/cuenta/perfil")
    look(page, "profile")

    # a refused name: the error beside it, the district chosen kept, nothing saved
    page.get_by_label("Nombre").fill(" ")
    page.get_by_label("Tu colonia o sector").select_option(label="Valle Oriente")
    page.get_by_role("button", name="Guardar mi perfil").click()
    assert page.locator("#name-error").is_visible()
    assert page.get_by_label("Tu colonia o sector").input_value() != "0"
    look(page, "profile-refused")
    db.session.expire_all()
    assert services.find_by_email("rosa@example.org").district_id is None

    page.get_by_label("Nombre").fill("Rosa Martínez")
    page.get_by_label("Idioma", exact=True).select_option("en")
    page.get_by_role("button", name="Guardar mi perfil").click()
    page.wait_for_url(f"{base}/cuenta/perfil")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Your profile was saved." in page.content()
    look(page, "profile-saved-en")
    page.get_by_label("Language", exact=True).select_option("es_MX")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_url(f"{base}/cuenta/perfil")
    assert "Guardamos tu perfil." in page.content()
    db.session.expire_all()
    user = services.find_by_email("rosa@example.org")
    assert (user.name, user.district.name, user.locale) == (
        "Rosa Martínez",
        "Valle Oriente",
        "es_MX",
    )

    page.goto(f"{base}/cuenta/actividad")
    assert "Aún no has enviado propuestas." in page.content()
    look(page, "activity-empty")
    process = f.process()
    db.session.add(
        Proposal(
            process_id=process.id,
            author_id=rosa_id,
            title="Una biblioteca pública con sala de lectura para niñas y niños del barrio",
            body="Un espacio de lectura para la colonia.",
            category="espacio-publico",
        )
    )
    db.session.add(Follow(user_id=rosa_id, process_id=process.id))
    db.session.commit()
    page.goto(f"{base}/cuenta/actividad")
    assert "Una biblioteca pública" in page.content() and process.title in page.content()
    look(page, "activity")

    # the e-mail change: asked with the password, confirmed through the link
    page.goto(f"{base}/cuenta/perfil")
    page.get_by_test_id("change-email-link").click()
    page.wait_for_url(f"{base}/cuenta/correo")
    page.get_by_label("Correo electrónico nuevo").fill(NEW)
    page.get_by_label("Contraseña actual").fill("no-es-la-mia")
    page.get_by_role("button", name="Enviarme el enlace").click()
    assert page.locator("#current_password-error").is_visible()
    assert page.get_by_label("Correo electrónico nuevo").input_value() == NEW
    look(page, "email-refused")
    page.get_by_label("Contraseña actual").fill(f.PASSWORD)
    page.get_by_role("button", name="Enviarme el enlace").click()
    page.wait_for_url(f"{base}/cuenta/correo/enviado")
    assert NEW in page.content()
    look(page, "email-sent")

    notice = body_of(outbox.last("rosa@example.org"))
    assert NEW in notice and not LINK.search(notice)
    link = outbox.link(NEW, "cambiar-correo")
    assert link.startswith(base)
    page.goto(link)
    page.wait_for_url(f"{base}/cuenta/cambiar-correo")  # the token left the address at once
    look(page, "email-change")
    page.get_by_role("button", name="Usar mi correo nuevo").click()
    page.wait_for_url(f"{base}/cuenta/seguridad")
    assert "ahora tu correo es" in page.content()
    look(page, "email-changed")
    db.session.expire_all()
    user = services.find_by_email(NEW)
    assert user is not None and user.id == rosa_id and user.is_confirmed

    page.goto(link)  # used: it no longer works
    assert "no es válido o ya venció" in page.content()
    look(page, "email-link-not-valid")
