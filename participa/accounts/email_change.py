"""Changing the e-mail address of an account, confirmed at the new address.

The signed-in person asks for a new address with their current password. A link (a token
of purpose ``change_email`` whose row holds the address asked for) is mailed to the NEW
address, sealed as the other account links (:mod:`participa.accounts.access`); the OLD
address is told that a change was asked for, without the link. Opening the link while
signed in as that account switches the address, marks it confirmed and ends the other
sessions; the old address is told it changed.

Nobody learns whether an address has an account: asking for an address another account
uses is answered exactly like a free one, and the message to that address says that an
account already uses it instead of carrying a link. When the link is opened the address is
checked again (another account may have taken it meanwhile) and a clear refusal is given.

A link is single use, expires (``EMAIL_CHANGE_LIFETIME``), stops working when a newer one is
asked for or the password changes (:func:`participa.accounts.services.change_password`).
Nothing here writes a log line: the addresses are personal. Services flush; the caller
commits, and the mail is sent after the commit.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from participa.accounts import services, tokens
from participa.accounts.access import LinkNotValid, duration, site_url
from participa.accounts.models import TokenPurpose, User
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.formatting import recipient_language
from participa.notifications.sealing import PLACEHOLDER
from participa.notifications.services import notify

LINK = "email_change_link"  # to the new address, with the link
TAKEN = "email_change_taken"  # to the new address when another account uses it
ASKED = "email_change_asked"  # to the old address: a change was asked for
CHANGED = "email_changed"  # to the old address: the change was made


def request_change(
    user: User, password: str, new_email: str, *, now: datetime | None = None
) -> str:
    """Ask to change ``user``'s address to ``new_email`` (``password``: the current one,
    else ``Invalid`` about ``current_password``). The same answer, and mail to the new
    address either way, whether another account uses it or not; the old address is told.
    Any earlier link stops working. Returns the address asked for, as stored."""
    if not user.check_password(password):
        raise about("current_password", Invalid(_("Tu contraseña actual no es esa.")))
    new_email = services.normalize_email(new_email)
    if new_email == services.normalize_email(user.email):
        raise about("email", Invalid(_("Ese ya es tu correo electrónico.")))
    tokens.revoke(user, TokenPurpose.CHANGE_EMAIL)
    other = services.find_by_email(new_email)
    if other is None:
        with recipient_language(user.locale):
            _send_link(user, new_email, now=now)
    else:
        with recipient_language(other.locale):
            _tell_taken(other)
    with recipient_language(user.locale):
        notify(
            [user.id],
            ASKED,
            _("Pidieron cambiar el correo de tu cuenta de Participa"),
            _(
                "Hola, %(name)s. Desde tu cuenta de Participa se pidió cambiar su correo a "
                "%(email)s. Enviamos allá un enlace para confirmarlo: el correo no cambia "
                "hasta que alguien lo abra con tu cuenta.\n\n"
                "Si no fuiste tú, cambia tu contraseña en %(security)s (eso anula el enlace) "
                "y avisa al municipio.",
                name=user.name,
                email=new_email,
                security=site_url("accounts.security"),
            ),
        )
    db.session.flush()
    return new_email


def _send_link(user: User, new_email: str, *, now: datetime | None) -> None:
    token = tokens.issue(user, TokenPurpose.CHANGE_EMAIL, now=now, new_email=new_email)
    link = site_url("profile.open_email_change", token=token)
    notify(
        [user.id],
        LINK,
        _("Confirma tu correo nuevo en Participa"),
        _(
            "Hola, %(name)s. Para que este sea el correo de tu cuenta de Participa abre este "
            "enlace con tu cuenta:\n\n%(link)s\n\n"
            "Vale %(lifetime)s y sirve una sola vez; pedir otro cambio o cambiar tu "
            "contraseña lo anula. Si no lo pediste, ignora este correo: nada cambia.",
            name=user.name,
            link=PLACEHOLDER,
            lifetime=duration(tokens.lifetime(TokenPurpose.CHANGE_EMAIL)),
        ),
        secret=link,
        to_email=new_email,
    )


def _tell_taken(other: User) -> None:
    """The address belongs to another account: its owner is told at that address, with no
    link (where the link would have gone). A notification of ``other``, not of the one who
    asked: nothing the asker can see differs from a free address (the in-app list of
    notifications must leave out the mail-only kinds :data:`LINK`)."""
    notify(
        [other.id],
        TAKEN,
        _("Este correo ya tiene una cuenta en Participa"),
        _(
            "Alguien pidió que este correo fuera el de otra cuenta de Participa, pero ya hay "
            "una cuenta con este correo, así que nada cambió.\n\n"
            "Si fuiste tú, entra con este correo en %(login)s; si olvidaste su contraseña, "
            "pide un enlace para crear otra en %(forgot)s. Si no fuiste tú, no tienes que "
            "hacer nada.",
            login=site_url("accounts.login"),
            forgot=site_url("accounts.forgot_password"),
        ),
    )


def pending(token: str | None, *, now: datetime | None = None) -> tuple[User, str]:
    """The account and the new address of a valid e-mail change link (it stays valid);
    ``LinkNotValid`` otherwise."""
    found = tokens.find(token, TokenPurpose.CHANGE_EMAIL, now=now)
    if found is None or found[1].new_email is None or found[0].is_blocked:
        raise LinkNotValid(_("Este enlace para cambiar tu correo no es válido o ya venció."))
    return found[0], found[1].new_email


def wrong_account() -> NotAllowed:
    """The refusal of a link opened while signed in as another account than its own."""
    return NotAllowed(
        _("Este enlace es para cambiar el correo de otra cuenta."),
        _("Sal de esta cuenta y entra con la que pidió el cambio para abrirlo."),
    )


def change_email(
    token: str | None, user: User, *, keep: str | None, now: datetime | None = None
) -> str:
    """Open an e-mail change link as the signed-in ``user``: the account's address becomes
    the one asked for, confirmed; the link and the account's other links (confirmation,
    reset) stop working; every other session ends (``keep``: this one's token); the old
    address is told. ``LinkNotValid`` for a link that opens nothing, ``NotAllowed`` for a
    link of another account (which stays valid), ``Conflict`` when another account took the
    address meanwhile. The old address."""
    holder, new_email = pending(token, now=now)
    if holder.id != user.id:
        raise wrong_account()
    refused = Conflict(
        _("Otra cuenta ya usa el correo %(email)s: el tuyo no cambió.", email=new_email),
        _("Si quieres, pide el cambio a otra dirección."),
    )
    if services.find_by_email(new_email) is not None:
        raise refused
    old_email = user.email
    try:
        with db.session.begin_nested():  # another account taking it at the same moment
            user.email = new_email
            user.email_confirmed_at = now or utcnow()
            db.session.flush()
    except IntegrityError:
        db.session.refresh(user)
        raise refused from None
    for purpose in TokenPurpose:  # links mailed to the old address stop working too
        tokens.revoke(user, purpose)
    services.close_all_sessions(user, keep=keep)
    with recipient_language(user.locale):
        notify(
            [user.id],
            CHANGED,
            _("El correo de tu cuenta de Participa cambió"),
            _(
                "Hola, %(name)s. Tu cuenta de Participa ya no usa este correo: ahora usa "
                "%(email)s, y se cerraron tus demás sesiones. Si no fuiste tú, avisa al "
                "municipio.",
                name=user.name,
                email=new_email,
            ),
            to_email=old_email,
        )
    db.session.flush()
    return old_email
