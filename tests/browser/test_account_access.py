"""In Chromium, CSRF on: register → confirm with the link of the e-mail (read from the mail
folder, as in the demo) → sign in and out → "¿Olvidaste tu contraseña?" → reset with the
mailed link → sign in with the new password → change it (another browser is signed out) →
log out everywhere. axe checks each new page; each is photographed at 1280 and 375 px."""

from participa.accounts import services
from participa.accounts.models import Role
from participa.extensions import db
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import look as look_at

EMAIL = "rosa@example.org"
FIRST, SECOND, THIRD = "una-clave-muy-larga", "otra-clave-bien-larga", "tercera-clave-larga"


def look(page, name: str) -> None:
    look_at(page, "account", name)


def signed_in(page, base: str) -> bool:
    page.goto(f"{base}/cuenta")
    return page.url.startswith(f"{base}/cuenta")


def test_register_confirm_forget_reset_change_log_out_everywhere(
    live_server, page, browser, outbox
):
    base = live_server
    page.set_viewport_size({"width": 1280, "height": 800})

    # register: the page that follows is the same for a known address
    page.goto(f"{base}/registro")
    page.get_by_label("Nombre").fill("Rosa Martínez")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña", exact=True).fill(FIRST)
    page.get_by_label("Repite la contraseña").fill(FIRST)
    page.get_by_label("Leí y acepto").check()
    look(page, "register")
    page.get_by_role("button", name="Crear cuenta").click()
    page.wait_for_url(f"{base}/registro/revisa-tu-correo")
    assert EMAIL in page.content()
    look(page, "confirmation-sent")

    # the link of the e-mail
    link = outbox.link(EMAIL, "confirmar")
    assert link.startswith(base)
    page.goto(link)
    page.wait_for_url(f"{base}/cuenta/confirmar")  # the token left the address at once
    look(page, "confirm")
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.wait_for_url(f"{base}/entrar")
    assert "confirmaste tu correo" in page.content()
    look(page, "confirm-result")
    db.session.expire_all()
    assert services.find_by_email(EMAIL).is_confirmed
    page.goto(link)  # used: it no longer works
    assert "no es válido o ya venció" in page.content()
    look(page, "link-not-valid")

    # sign in, then out
    browser_login(page, base, EMAIL, FIRST)
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/")

    # forgotten password
    page.goto(f"{base}/entrar")
    page.get_by_role("link", name="¿Olvidaste tu contraseña?").click()
    page.wait_for_url(f"{base}/cuenta/olvide-mi-contrasena")
    look(page, "forgot")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_role("button", name="Enviarme el enlace").click()
    page.wait_for_url(f"{base}/cuenta/olvide-mi-contrasena/enviado")
    look(page, "forgot-sent")

    page.goto(outbox.link(EMAIL, "restablecer"))
    page.wait_for_url(f"{base}/cuenta/restablecer")
    page.get_by_label("Contraseña nueva", exact=True).fill("1234567890")
    page.get_by_label("Repite la contraseña nueva").fill("1234567890")
    page.get_by_role("button", name="Guardar mi contraseña nueva").click()
    assert "solo números" in page.content()  # beside the field, the link still valid
    look(page, "reset")
    page.get_by_label("Contraseña nueva", exact=True).fill(SECOND)
    page.get_by_label("Repite la contraseña nueva").fill(SECOND)
    page.get_by_role("button", name="Guardar mi contraseña nueva").click()
    page.wait_for_url(f"{base}/cuenta/seguridad")  # signed in afresh
    assert "Ya entraste con la nueva" in page.content()

    # sign in with the new password, on this browser and another one
    page.get_by_role("button", name="Salir").click()
    page.wait_for_url(f"{base}/")
    browser_login(page, base, EMAIL, SECOND)
    other = browser.new_context(locale="es-MX").new_page()
    browser_login(other, base, EMAIL, SECOND)

    # change the password: the other browser is signed out, this one stays
    page.goto(f"{base}/cuenta/seguridad")
    look(page, "security")
    page.get_by_label("Contraseña actual").fill(SECOND)
    page.get_by_label("Contraseña nueva", exact=True).fill(THIRD)
    page.get_by_label("Repite la contraseña nueva").fill(THIRD)
    page.get_by_role("button", name="Cambiar mi contraseña").click()
    page.wait_for_url(f"{base}/cuenta/seguridad")
    assert "Tu contraseña cambió" in page.content()
    assert not signed_in(other, base)
    assert signed_in(page, base)

    # log out everywhere
    browser_login(other, base, EMAIL, THIRD)
    page.goto(f"{base}/cuenta/seguridad")
    page.get_by_role("button", name="Cerrar sesión en todos los dispositivos").click()
    page.wait_for_url(f"{base}/")
    assert not signed_in(page, base)
    assert not signed_in(other, base)
    other.context.close()


def test_an_unconfirmed_resident_is_told_why_and_gets_the_link_again(live_server, page, outbox):
    process = f.process(now_allows=("allows_vote", "allows_support"))
    budget = f.budget(process)
    services.register_user(EMAIL, "Rosa Martínez", FIRST, confirmed=False)
    db.session.commit()
    browser_login(page, live_server, EMAIL, FIRST)
    assert page.get_by_test_id("unconfirmed-banner").is_visible()
    look(page, "unconfirmed-banner")
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert "Para votar primero confirma tu correo electrónico." in page.content()
    look(page, "refused-unconfirmed")
    page.locator("[data-testid=resend-confirmation] button").click()
    page.wait_for_url(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/")
    assert "Te enviamos un enlace nuevo" in page.content()
    page.goto(outbox.link(EMAIL, "confirmar"))
    page.get_by_role("button", name="Confirmar mi correo").click()
    page.wait_for_url(f"{live_server}/cuenta/seguridad")
    page.goto(f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta")
    assert page.get_by_test_id("ballot-form").count() == 1  # now the ballot opens


def test_an_administrator_sends_a_reset_link_from_the_people_page(live_server, page, outbox):
    admin = f.user(Role.ADMIN)
    services.register_user(EMAIL, "Rosa Martínez", FIRST, confirmed=False)
    db.session.commit()
    browser_login(page, live_server, admin.email)
    page.goto(f"{live_server}/admin/usuarios")
    look(page, "admin-users")
    row = page.locator("[data-testid=user-row]", has_text="Rosa Martínez")
    row.get_by_role("button", name="Enviar enlace para crear contraseña").click()
    page.wait_for_url(f"{live_server}/admin/usuarios")
    assert "Enviamos a Rosa Martínez un enlace" in page.content()
    assert outbox.link(EMAIL, "restablecer") not in page.content()
