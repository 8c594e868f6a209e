"""Rate limits on the requests worth abusing, with Flask-Limiter.

| endpoint | counted per | what counts | limit (config key) |
|---|---|---|---|
| ``accounts.login`` (POST) | client address | every attempt | ``RATELIMIT_LOGIN_PER_IP`` |
| ``accounts.login`` (POST) | e-mail tried | failures | ``RATELIMIT_LOGIN_PER_EMAIL`` |
| ``accounts.register`` (POST) | client address | accepted | ``RATELIMIT_REGISTER_PER_IP`` |
| ``accounts.register`` (POST) | client address | refused | ``RATELIMIT_REGISTER_FAILED_PER_IP`` |
| ``proposals.new`` (POST) | account | accepted | ``RATELIMIT_PROPOSAL_PER_USER`` |
| ``proposals.new`` (POST) | account | refused | ``RATELIMIT_PROPOSAL_FAILED_PER_USER`` |
| comments (POST, every page) | account | accepted | ``RATELIMIT_COMMENT_PER_USER`` |
| comments (POST, every page) | account | refused | ``RATELIMIT_COMMENT_FAILED_PER_USER`` |
| ``conversation.report`` (POST) | account | accepted | ``RATELIMIT_REPORT_PER_USER`` |
| ``conversation.report`` (POST) | account | refused | ``RATELIMIT_REPORT_FAILED_PER_USER`` |
| ``budgets.confirm`` | account | every attempt | ``RATELIMIT_BALLOT_PER_USER`` |
| ``opendata.receipt`` (POST) | client address | every attempt | ``RATELIMIT_RECEIPT_PER_IP`` |
| ``accounts.forgot_password`` | e-mail typed | every attempt | ``..._PASSWORD_RESET_PER_EMAIL`` |
| ``accounts.forgot_password`` | client address | every attempt | ``..._PASSWORD_RESET_PER_IP`` |
| ``accounts.reset_password`` | client address | every attempt | ``..._NEW_PASSWORD_PER_IP`` |
| ``accounts.change_password`` | account | refused | ``..._PASSWORD_CHANGE_FAILED_PER_USER`` |
| ``accounts.resend_confirmation`` | account | accepted | ``..._CONFIRMATION_PER_USER`` |
| ``profile.email`` | account | every attempt | ``..._EMAIL_CHANGE_PER_USER`` |
| ``legal.my_requests`` (POST) | account | accepted | ``..._DATA_REQUEST_PER_USER`` |
| ``accounts.delete_account`` | account | refused | ``..._DELETE_ACCOUNT_FAILED_PER_USER`` |
| ``accounts.my_data`` | account | every attempt | ``..._DATA_EXPORT_PER_USER`` |
| the account's settings (*) | account | every attempt | ``..._ACCOUNT_SETTINGS_PER_USER`` |

(``...``: ``RATELIMIT``; those ten are POSTs. (*): ``profile.edit``,
``notifications.settings`` and ``legal.accept``, counted together.)

A reset link is asked for by address, known or not, with the same limit (a refusal tells
nothing about the address); each account also gets at most ``PASSWORD_RESET_MAILS_PER_HOUR``
links, however its address is spelled, counted by
:func:`participa.accounts.access.request_password_reset` (beyond it the request is answered
as any other and nothing is sent).

"Accepted" is a submission the site took (a redirect: the account, proposal, comment or
report was stored), "refused" one it answered with a 4xx (a typo in the form, a rule): a
resident who mistypes five times is not locked out of proposing, yet refused submissions
have a ceiling of their own. Both are checked before the request; a request over either
is refused. The comments of proposals, projects and follow-up items share one count.

The counters live in ``RATELIMIT_STORAGE_URI`` (Redis in production). The limiter fails
open: if Redis cannot be reached it counts in the process's memory and logs the error, so an
outage of Redis never stops a login or a vote. A refused request gets a 429 page in plain
words with ``Retry-After``. ``RATELIMIT_ENABLED=false`` switches the limits off.

Each application gets a limiter of its own (Flask-Limiter keeps its state on the instance),
so a test can build a limited application next to the unlimited one.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

from participa.accounts.services import normalize_email


def client_address() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def attempted_email() -> str:
    """The e-mail typed into the form (login, reset): each address is counted apart."""
    email = normalize_email(request.form.get("email", ""))[:254]
    return "email:" + email if email else client_address()


def account() -> str:
    """The signed-in account; anonymous requests (sent to the login page) count per address."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return client_address()


def failed_login(response: Response) -> bool:
    return response.status_code == 401


def accepted(response: Response) -> bool:
    """The submission was taken (the view redirects once it stored it)."""
    return 200 <= response.status_code < 400


def refused(response: Response) -> bool:
    """The submission was refused by the form or the rules (not by a rate limit)."""
    return 400 <= response.status_code < 500 and response.status_code != 429


COMMENTS = (
    "conversation.comment_proposal",
    "conversation.comment_project",
    "accountability.comment",
)


@dataclass(frozen=True)
class RateLimit:
    endpoints: tuple[str, ...]
    config_key: str
    key: Callable[[], str]
    methods: tuple[str, ...] = ("POST",)
    deduct_when: Callable[[Response], bool] | None = None


LIMITS = (
    RateLimit(("accounts.login",), "RATELIMIT_LOGIN_PER_IP", client_address),
    RateLimit(
        ("accounts.login",),
        "RATELIMIT_LOGIN_PER_EMAIL",
        attempted_email,
        deduct_when=failed_login,
    ),
    RateLimit(
        ("accounts.register",), "RATELIMIT_REGISTER_PER_IP", client_address, deduct_when=accepted
    ),
    RateLimit(
        ("accounts.register",),
        "RATELIMIT_REGISTER_FAILED_PER_IP",
        client_address,
        deduct_when=refused,
    ),
    RateLimit(("proposals.new",), "RATELIMIT_PROPOSAL_PER_USER", account, deduct_when=accepted),
    RateLimit(
        ("proposals.new",), "RATELIMIT_PROPOSAL_FAILED_PER_USER", account, deduct_when=refused
    ),
    RateLimit(COMMENTS, "RATELIMIT_COMMENT_PER_USER", account, deduct_when=accepted),
    RateLimit(COMMENTS, "RATELIMIT_COMMENT_FAILED_PER_USER", account, deduct_when=refused),
    RateLimit(("conversation.report",), "RATELIMIT_REPORT_PER_USER", account, deduct_when=accepted),
    RateLimit(
        ("conversation.report",),
        "RATELIMIT_REPORT_FAILED_PER_USER",
        account,
        deduct_when=refused,
    ),
    RateLimit(("budgets.confirm",), "RATELIMIT_BALLOT_PER_USER", account),
    # Checking a receipt shows the ballot of that code: nobody may try codes by the thousand.
    RateLimit(("opendata.receipt",), "RATELIMIT_RECEIPT_PER_IP", client_address),
    RateLimit(("accounts.forgot_password",), "RATELIMIT_PASSWORD_RESET_PER_EMAIL", attempted_email),
    RateLimit(("accounts.forgot_password",), "RATELIMIT_PASSWORD_RESET_PER_IP", client_address),
    RateLimit(("accounts.reset_password",), "RATELIMIT_NEW_PASSWORD_PER_IP", client_address),
    RateLimit(
        ("accounts.change_password",),
        "RATELIMIT_PASSWORD_CHANGE_FAILED_PER_USER",
        account,
        deduct_when=refused,
    ),
    # a wrong current password on the deletion form: no guessing it by the thousand
    RateLimit(
        ("accounts.delete_account",),
        "RATELIMIT_DELETE_ACCOUNT_FAILED_PER_USER",
        account,
        deduct_when=refused,
    ),
    # each archive costs the worker; the service also allows one a day (DATA_EXPORT_EVERY)
    RateLimit(("accounts.my_data",), "RATELIMIT_DATA_EXPORT_PER_USER", account),
    RateLimit(
        ("accounts.resend_confirmation",),
        "RATELIMIT_CONFIRMATION_PER_USER",
        account,
        deduct_when=accepted,
    ),
    # each request mails two addresses, and a wrong password is a guess at it
    RateLimit(("profile.email",), "RATELIMIT_EMAIL_CHANGE_PER_USER", account),
    RateLimit(
        ("legal.my_requests",), "RATELIMIT_DATA_REQUEST_PER_USER", account, deduct_when=accepted
    ),
    # forms that mail nothing, but each POST writes: a generous bound against scripts
    RateLimit(
        ("profile.edit", "notifications.settings", "legal.accept"),
        "RATELIMIT_ACCOUNT_SETTINGS_PER_USER",
        account,
    ),
)


def _limit_of(config_key: str) -> Callable[[], str]:
    return lambda: current_app.config[config_key]


def _storage_options(app: Flask) -> None:
    """Short Redis timeouts: a Redis that does not answer must not hold requests up."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.startswith(("redis://", "rediss://")):
        options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)


def init_ratelimit(app: Flask) -> Limiter | None:
    """Wrap the views of :data:`LIMITS` with their limits (call after the blueprints are
    registered) and render refusals with ``429.html``."""
    app.register_error_handler(429, too_many_requests)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return None
    _storage_options(app)
    limiter = Limiter(key_func=client_address)
    limiter.init_app(app)
    app.extensions["participa_limiter"] = limiter
    for limit in LIMITS:
        # one counter per limit, shared by its endpoints
        decorator = limiter.shared_limit(
            _limit_of(limit.config_key),
            scope=limit.config_key,
            key_func=limit.key,
            methods=list(limit.methods),
            deduct_when=limit.deduct_when,
        )
        for endpoint in limit.endpoints:
            # flask-limiter types its decorator for async views too; these are sync
            app.view_functions[endpoint] = decorator(app.view_functions[endpoint])  # type: ignore[assignment]
    return limiter


def _retry_after() -> int:
    """Seconds until the breached limit lets requests through again (60 if unknown)."""
    limiter: Limiter | None = current_app.extensions.get("participa_limiter")
    try:
        current = limiter.current_limit if limiter else None
        if current is not None:
            return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # the storage is down: the page still answers
        current_app.logger.exception("rate limit reset time unavailable")
    return 60


def too_many_requests(error: Exception) -> tuple[str, int, dict[str, str]]:
    seconds = _retry_after()
    page = render_template("429.html", minutes=max(1, math.ceil(seconds / 60)))
    return page, 429, {"Retry-After": str(seconds)}
