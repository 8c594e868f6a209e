"""Getting into an account by e-mail: registration with a confirmation link, "¿Olvidaste tu
contraseña?" with a reset link, the password change, and the reset link an administrator
sends (never a password).

The links carry a token of :mod:`participa.accounts.tokens` (only its hash is stored). The
mail waits in the outbox with the link sealed (``notifications.secret``, as a ballot's
receipt code) and the body holding a placeholder; the worker opens it to write the message
and erases it once sent. No log line carries a token or a link. Each mail is written in the
language the account chose on its profile (``User.locale``), else es-MX.

Nothing here tells a visitor whether an address has an account: registering with a known
address, or asking for a reset link for an unknown one, is answered like any other request
(the owner of a known address is told by e-mail instead). Services flush; the caller
commits, and the mail is sent after the commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participa.accounts import services, tokens
from participa.accounts.models import Role, TokenPurpose, User
from participa.audit.services import log
from participa.db import utcnow
from participa.errors import Conflict, DomainError, Invalid, NotAllowed, about
from participa.extensions import db
from participa.formatting import recipient_language
from participa.notifications.models import Notification
from participa.notifications.sealing import PLACEHOLDER
from participa.notifications.services import notify

logger = logging.getLogger(__name__)

CONFIRMATION = "email_confirmation"
RESET = "password_reset"
ATTEMPT = "registration_attempt"
CHANGED = "password_changed"
_warned_public_url = False


class LinkNotValid(DomainError):
    """A link that opens nothing: unknown, altered, expired, used or replaced by a newer
    one (never said which: the page offers a new one)."""

    status_code = 400


class ConfirmationRequired(NotAllowed):
    """The action needs a confirmed e-mail (``UNCONFIRMED_ACCOUNTS_MAY``): the refusal
    offers to send the confirmation link again."""

    resend_confirmation = True


# ───────────── links ─────────────


def site_url(endpoint: str, **values: Any) -> str:
    """An absolute address of this site for an e-mail: on ``PUBLIC_URL`` when set, else on
    the address the request came to (a forged Host header could then point a link
    elsewhere: set ``PUBLIC_URL`` in production)."""
    global _warned_public_url
    path = url_for(endpoint, **values)
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        if not (current_app.debug or current_app.testing or _warned_public_url):
            logger.warning("PUBLIC_URL is not set: e-mail links use the request's host")
            _warned_public_url = True
        base = request.host_url
    return str(base).rstrip("/") + path


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(num)d día", "%(num)d días", days)
    if minutes % 60 == 0:
        return ngettext("%(num)d hora", "%(num)d horas", minutes // 60)
    return ngettext("%(num)d minuto", "%(num)d minutos", minutes)


# ───────────── who may do what ─────────────


def may(user: User, action: str) -> bool:
    """Whether ``user`` may do ``action`` ("propose", "support", "comment", "vote") with
    the e-mail it has confirmed or not (``UNCONFIRMED_ACCOUNTS_MAY``)."""
    if user.email_confirmed_at is not None:
        return True
    return action in (current_app.config.get("UNCONFIRMED_ACCOUNTS_MAY") or ())


def require_confirmed(user: User, action: str) -> None:
    """Refuse ``action`` to an account whose e-mail is not confirmed, unless the setting
    lets unconfirmed accounts do it; the refusal offers the link again."""
    if may(user, action):
        return
    message = {
        "propose": _("Para enviar propuestas primero confirma tu correo electrónico."),
        "support": _("Para apoyar propuestas primero confirma tu correo electrónico."),
        "comment": _("Para comentar primero confirma tu correo electrónico."),
        "vote": _("Para votar primero confirma tu correo electrónico."),
    }.get(action, _("Para hacer esto primero confirma tu correo electrónico."))
    raise ConfirmationRequired(
        message,
        _(
            "Abre el enlace que te enviamos a %(email)s. Si no lo encuentras o ya venció, "
            "pide otro.",
            email=user.email,
        ),
    )


def require_confirmed_for_staff(user: User, role: str) -> None:
    """Staff roles need a confirmed e-mail: a reset link, and the account, must reach the
    person the role was meant for."""
    if role != Role.RESIDENT and user.email_confirmed_at is None:
        raise Conflict(
            _(
                "%(name)s aún no confirma su correo electrónico: no puede tener un rol del "
                "personal hasta hacerlo.",
                name=user.name,
            ),
            _("Pídele que abra el enlace de confirmación que recibió al registrarse."),
        )


# ───────────── registration and confirmation ─────────────


def sign_up(email: str, name: str, password: str, *, district_id: int | None = None) -> None:
    """The registration form: the same answer, and about the same work, whether ``email``
    already has an account or not, so the page tells nobody which addresses are registered.

    A new address gets its account, not confirmed, and a confirmation link; the owner of a
    registered one is told by e-mail that someone tried to register with it, with how to
    sign in or get a new password (the password typed is hashed either way, and the account
    is left as it was). Raises ``Invalid`` for a password that breaks the policy (which does
    not depend on the account)."""
    services.check_password_policy(password, email)
    existing = services.find_by_email(email)
    if existing is None:
        try:
            with db.session.begin_nested():  # a parallel registration of the same address
                user = services.register_user(
                    email, name, password, district_id=district_id, confirmed=False
                )
        except (Conflict, IntegrityError):
            existing = services.find_by_email(email)
            if existing is None:
                return
        else:
            send_confirmation(user)
            return
    else:
        services.hash_password(password)  # the same work as creating the account
    with recipient_language(existing.locale):
        notify(
            [existing.id],
            ATTEMPT,
            _("Alguien intentó registrarse con tu correo"),
            _(
                "Alguien intentó crear una cuenta en Participa con este correo, que ya "
                "tiene una; tu cuenta no cambió.\n\n"
                "Si fuiste tú, entra con tu correo y tu contraseña en %(login)s\n"
                "Si olvidaste tu contraseña, pide un enlace para crear otra en %(forgot)s\n\n"
                "Si no fuiste tú, no tienes que hacer nada.",
                login=site_url("accounts.login"),
                forgot=site_url("accounts.forgot_password"),
            ),
        )


def send_confirmation(user: User, *, now: datetime | None = None) -> None:
    """Mail ``user`` a new confirmation link (the earlier one stops working)."""
    token = tokens.issue(user, TokenPurpose.CONFIRM_EMAIL, now=now)
    link = site_url("accounts.open_confirmation", token=token)
    with recipient_language(user.locale):
        notify(
            [user.id],
            CONFIRMATION,
            _("Confirma tu correo en Participa"),
            _(
                "Hola, %(name)s. Para confirmar que este correo es tuyo y terminar de crear "
                "tu cuenta en Participa, abre este enlace:\n\n%(link)s\n\n"
                "Vale %(lifetime)s y sirve una sola vez. Si no creaste una cuenta en "
                "Participa, no hagas nada: sin confirmar, la cuenta no puede votar ni proponer.",
                name=user.name,
                link=PLACEHOLDER,
                lifetime=duration(tokens.lifetime(TokenPurpose.CONFIRM_EMAIL)),
            ),
            secret=link,
        )


def confirm_email(token: str | None, *, now: datetime | None = None) -> User:
    """Confirm the address of the account the link was sent to; ``LinkNotValid`` if the
    token is not a valid confirmation token."""
    user = tokens.redeem(token, TokenPurpose.CONFIRM_EMAIL, now=now)
    if user is None:
        raise LinkNotValid(_("Este enlace de confirmación no es válido o ya venció."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()
    db.session.flush()
    return user


# ───────────── password reset ─────────────


def _reset_mails_within_the_hour(user: User, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id,
                Notification.kind == RESET,
                Notification.created_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def request_password_reset(email: str, *, now: datetime | None = None) -> None:
    """ "¿Olvidaste tu contraseña?": mail a reset link to the account of ``email``, if there
    is one. The same answer either way; nothing is sent to an unknown address, a blocked
    account, or an account that got ``PASSWORD_RESET_MAILS_PER_HOUR`` links in the last
    hour (however its address was spelled)."""
    now = now or utcnow()
    user = services.find_by_email(email)
    if user is None or user.is_blocked:
        return
    if (
        _reset_mails_within_the_hour(user, now)
        >= current_app.config["PASSWORD_RESET_MAILS_PER_HOUR"]
    ):
        return
    _send_reset_link(user, now=now, by_staff=False)


def _send_reset_link(user: User, *, now: datetime | None, by_staff: bool) -> None:
    token = tokens.issue(user, TokenPurpose.RESET_PASSWORD, now=now)
    link = site_url("accounts.open_reset", token=token)
    lifetime = duration(tokens.lifetime(TokenPurpose.RESET_PASSWORD))
    with recipient_language(user.locale):
        why = (
            _("La administración de Participa te envió un enlace para crear una contraseña nueva.")
            if by_staff
            else _("Alguien pidió crear una contraseña nueva para tu cuenta de Participa.")
        )
        notify(
            [user.id],
            RESET,
            _("Crea una contraseña nueva para Participa"),
            why
            + "\n\n"
            + _(
                "Para elegir tu contraseña nueva abre este enlace:\n\n%(link)s\n\n"
                "Vale %(lifetime)s y sirve una sola vez; pedir otro enlace o cambiar tu "
                "contraseña lo anula. Si no lo pediste, ignora este correo: tu contraseña "
                "no cambió.",
                link=PLACEHOLDER,
                lifetime=lifetime,
            ),
            secret=link,
        )


def reset_holder(token: str | None, *, now: datetime | None = None) -> User:
    """The account a valid reset link is for (the link stays valid); ``LinkNotValid``."""
    user = tokens.holder(token, TokenPurpose.RESET_PASSWORD, now=now)
    if user is None or user.is_blocked:
        raise LinkNotValid(
            _("Este enlace para crear una contraseña nueva no es válido o ya venció.")
        )
    return user


def reset_password(token: str | None, password: str, *, now: datetime | None = None) -> User:
    """Give the account of a reset link the new ``password``: the link and every other one
    stop working, every session of the account ends, and the address counts as confirmed
    (the link reached it). ``LinkNotValid`` for a link that opens nothing, ``Invalid``
    (about the field ``password``, the link still valid) for a password that breaks the
    policy. The caller signs the person in on a fresh session."""
    user = reset_holder(token, now=now)
    try:
        services.check_password_policy(password, user.email)
    except Invalid as error:
        raise about("password", error) from None
    tokens.redeem(token, TokenPurpose.RESET_PASSWORD, now=now)
    services.change_password(user, password)  # ends every session, and the reset links
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()
    _tell_password_changed(user)
    db.session.flush()
    return user


def send_reset_link_by_staff(user: User, admin: User) -> None:
    """An administrator helps a person back in: a reset link mailed to the person (the
    administrator never sees nor sets a password), logged in the action log."""
    if not (admin.is_authenticated and admin.is_admin):
        raise NotAllowed(_("Solo la administración puede enviar enlaces de acceso."))
    if user.is_blocked:
        raise Conflict(
            _(
                "La cuenta de %(name)s está bloqueada por moderación: no puede entrar.",
                name=user.name,
            )
        )
    _send_reset_link(user, now=None, by_staff=True)
    log("user.reset_link_sent", user, actor=admin)
    db.session.flush()


# ───────────── password change ─────────────


def change_password(user: User, current: str, new: str, *, keep: str | None) -> None:
    """The signed-in person changes their password: the current one is asked (``Invalid``
    about ``current_password`` if wrong), the new one follows the policy (``Invalid`` about
    ``password``); every other session and every reset link ends, and the person is told
    by e-mail."""
    if not user.check_password(current):
        raise about("current_password", Invalid(_("Tu contraseña actual no es esa.")))
    try:
        services.change_password(user, new, keep=keep)
    except Invalid as error:
        raise about("password", error) from None
    _tell_password_changed(user)
    db.session.flush()


def _tell_password_changed(user: User) -> None:
    with recipient_language(user.locale):
        notify(
            [user.id],
            CHANGED,
            _("Tu contraseña de Participa cambió"),
            _(
                "La contraseña de tu cuenta de Participa cambió y se cerraron tus demás "
                "sesiones. Si no fuiste tú, pide un enlace para crear otra en %(forgot)s y "
                "avisa al municipio.",
                forgot=site_url("accounts.forgot_password"),
            ),
        )
