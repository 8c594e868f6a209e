"""HTTP security headers on every response, with a strict Content Security Policy: scripts
and styles only from this site's own files (no inline script, no inline style); cookie
settings (Secure outside debug and tests) and the trusted reverse proxies."""

import logging
import re

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from participa import ops

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signing serializer built once per set of keys
    instead of twice per request (itsdangerous's constructor serializes a sample value to
    learn what kind of serializer it was given)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers[keys] = serializer
        return serializer

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Never on static files nor on the operations endpoints (``/healthz``, ``/readyz``,
        ``/metrics``). A signed-in session is refreshed by every answer that sets its
        cookie, so a stylesheet or favicon still loading from the previous page, sent with
        the previous cookie, would otherwise overwrite what the page just stored (the
        token of a mailed link, between its redirect and the page it leads to)."""
        endpoint = request.endpoint or ""
        if endpoint == "static" or endpoint.startswith(ops.ENDPOINT_PREFIXES):
            return False
        return super().should_set_cookie(app, session)


def secure_cookies(app: Flask) -> None:
    """Decide the cookies' ``Secure`` flag where the configuration left it open (``None``):
    on, unless the app runs in debug or tests (``make demo`` serves plain http and says
    ``PARTICIPA_SESSION_COOKIE_SECURE=false``). The remember-me cookie follows the session
    cookie unless it is set on its own."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:
        app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config["SESSION_COOKIE_SECURE"])


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from
    their ``X-Forwarded-For``/``-Proto`` headers (the rate limits count per address)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


# the addresses of mailed links carry a token (participa.accounts.tokens)
TOKEN_PATHS = re.compile(r"(/cuenta/(?:confirmar|restablecer|cambiar-correo)/)[^\s?\"']+")


class RedactTokens(logging.Filter):
    """Request logs (werkzeug's, gunicorn's access log) never carry a link's token: the
    path of a confirmation or reset link is written with ``[token]`` in its place."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_PATHS.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_request_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def init_security(app: Flask) -> None:
    """Cookie flags, trusted proxies, and the headers on every response (a view may set its
    own stricter value first)."""
    secure_cookies(app)
    trust_proxies(app)
    redact_request_logs()
    app.session_interface = SessionCookies()

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
