"""Signing in, in one place, as the ``auth`` fixture of Flask's tutorial: through the login
form (``POST /entrar``), whatever speaks to the app.

- the test client: the ``auth`` fixture (``auth.login(user)``, ``auth.login_as(Role.ADMIN)``,
  ``auth.attempt(email, password)``), or :class:`Auth` on another client
  (``Auth(other).login(user)``);
- a real HTTP server (reliability tests): :func:`http_session`;
- Chromium (browser tests): :func:`browser_login` on a page, :func:`logged_in_page` for a new
  browser context.
"""

import requests

from participa.accounts.models import Role, User
from participa.extensions import db
from tests import factories as f

LOGIN = "/entrar"


class Auth:
    """Sign-in on a Flask test client."""

    def __init__(self, client) -> None:
        self.client = client

    def attempt(self, email: str, password: str = f.PASSWORD, **kwargs):
        """The login form posted as is; the response, whatever it is."""
        return self.client.post(LOGIN, data={"email": email, "password": password}, **kwargs)

    def login(self, user: User) -> User:
        """Sign ``user`` in (with the factories' password); the login must succeed."""
        response = self.attempt(user.email)
        assert response.status_code == 302, response.text
        return user

    def login_as(self, role: Role = Role.RESIDENT, **fields) -> User:
        """A new user of ``role`` (with ``fields`` set), committed and signed in."""
        user = f.user(role)
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()
        return self.login(user)


def http_session(base_url: str, email: str, password: str = f.PASSWORD) -> requests.Session:
    """A browser-like ``requests`` session signed in through the login form of a live server."""
    session = requests.Session()
    response = session.post(
        f"{base_url}{LOGIN}", data={"email": email, "password": password}, allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return session


# the login form's labels, per language of the browser
LABELS = {
    "es": ("Correo electrónico", "Contraseña", "Entrar"),
    "en": ("E-mail", "Password", "Sign in"),
}


def browser_login(page, base: str, email: str, password: str = f.PASSWORD, lang: str = "es"):
    """Fill in and send the login form in ``page``; returns once on the home page. With
    ``lang="en"``, the form must be in English (``<html lang="en">``, English labels)."""
    email_label, password_label, button = LABELS[lang]
    page.goto(f"{base}{LOGIN}")
    if lang != "es":
        assert page.locator("html").get_attribute("lang") == lang
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{base}/")
    return page


def logged_in_page(browser, base: str, email: str, password: str, **context_options):
    """A new browser context (es-MX) logged in through the login form; returns its page."""
    context = browser.new_context(locale="es-MX", **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return browser_login(page, base, email, password)
