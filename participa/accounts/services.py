"""Registration, authentication, server-side sessions and administrator creation; the
password policy."""

import gzip
import hashlib
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash

from participa.accounts import tokens
from participa.accounts.models import (
    PASSWORD_METHOD,
    Role,
    TokenPurpose,
    User,
    UserSession,
    hash_password,
)
from participa.db import utcnow
from participa.errors import Conflict, Invalid
from participa.extensions import db
from participa.fast_statements import FastStatement

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
# 19,640 common passwords, lowercased (Django's list, by Royce Williams; see COMMON_PASSWORDS.md)
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")
# and some that people here choose, which that list (mostly English) lacks
COMMON_PASSWORDS_ES = (
    "contraseña",
    "contrasena",
    "contraseña1",
    "contraseña12",
    "contraseña123",
    "contrasena123",
    "contraseña2025",
    "contraseña2026",
    "micontraseña",
    "micontrasena",
    "nuevacontraseña",
    "tequiero123",
    "teamo12345",
    "teamomucho",
    "holamundo1",
    "holahola123",
    "mexico1234",
    "mexico2025",
    "mexico2026",
    "monterrey1",
    "monterrey2026",
    "guadalajara",
    "chivas1234",
    "americacampeon",
    "participa2025",
    "participa2026",
    "presupuesto",
    "presupuesto2026",
    "municipio2026",
    "abc1234567",
    "a123456789",
    "123456789a",
)


@cache
def common_passwords() -> frozenset[str]:
    """The vendored list of common passwords, lowercased, plus the Spanish ones."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        listed = {line.strip() for line in lines if line.strip()}
    return frozenset(listed | set(COMMON_PASSWORDS_ES))


def password_problems(password: str, email: str = "") -> list[str]:
    """Why ``password`` is not good enough for the account ``email`` (empty: it is).

    At least 10 and at most 128 characters, not only digits, not a common password, and not
    built on the e-mail's name: what remains without it must still be 10 characters long."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            _("La contraseña debe tener al menos %(n)d caracteres.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            _("La contraseña puede tener como máximo %(n)d caracteres.", n=MAX_PASSWORD_LENGTH)
        )
    if password.isdigit():
        problems.append(_("La contraseña no puede ser solo números."))
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append(_("Esa contraseña es de las más usadas y fácil de adivinar. Elige otra."))
    address = normalize_email(email)
    name = address.split("@", 1)[0]
    built_on_name = len(name) >= 3 and len(lowered.replace(name, "")) < MIN_PASSWORD_LENGTH
    if address and (address in lowered or (name in lowered and built_on_name)):
        problems.append(_("La contraseña no puede ser tu correo ni basarse en él."))
    return problems


def check_password_policy(password: str, email: str = "") -> None:
    """Raise ``Invalid`` with every reason when ``password`` breaks the policy."""
    problems = password_problems(password, email)
    if problems:
        raise Invalid(problems[0], *problems[1:])


def normalize_email(email: str) -> str:
    return email.strip().lower()


_users, _sessions = User.__table__, UserSession.__table__
# One statement (and round trip) per signed-in request: the account, if the session's
# token is still stored, young enough, and the account not blocked. Built once: SQLAlchemy
# keys it once and reuses its compiled form.
_USER_OF_SESSION = FastStatement(
    select(*_users.columns)
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(
        _users.c.id == bindparam("id"),
        _sessions.c.token_hash == bindparam("token_hash"),
        _sessions.c.created_at > bindparam("since"),
        _users.c.blocked_at.is_(None),
    )
)


def token_hash(token: str) -> str:
    """What is stored of a session token: its SHA-256 (a leaked table signs nobody in)."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_lifetime() -> timedelta:
    """How long a session lasts at most, however busy (``SESSION_ABSOLUTE_LIFETIME``: a
    ``timedelta`` or seconds); idle sessions end sooner, with their cookie."""
    value = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def signed_in_user(user_id: int, token: str | None) -> User | None:
    """The account of a signed-in visitor (Flask-Login's user loader: every request of a
    signed-in visitor runs it), or None if the session was ended (logout, "log out
    everywhere", a password change, blocking), is older than :func:`session_lifetime`,
    or the account no longer exists.

    One Core statement on the session's connection (SQLAlchemy's events see it, its errors
    are SQLAlchemy's, a lost connection is invalidated); its row becomes the session's
    ``User`` just as if the ORM had loaded it (``make_transient_to_detached``, then added:
    persistent, unchanged, its relationships loaded on use), or the session's own ``User``
    when it already holds one. The ORM's own loading of the row cost more than twice the CPU.
    """
    if not token:
        return None
    session = db.session
    since = utcnow() - session_lifetime()
    params = {"id": user_id, "token_hash": token_hash(token), "since": since}
    rows = _USER_OF_SESSION.rows(session.connection(), params)
    if not rows:
        return None
    if session.identity_key(User, user_id) in session.identity_map:
        return session.get(User, user_id)
    user = User(**rows[0]._asdict())
    make_transient_to_detached(user)
    session.add(user)
    return user


def open_session(user: User) -> str:
    """Store a new session of ``user``; its token, for the session cookie (the caller
    commits). Sessions past :func:`session_lifetime` are swept away meanwhile."""
    now = utcnow()
    expired = UserSession.created_at <= now - session_lifetime()
    db.session.execute(delete(UserSession).where(expired))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now))
    db.session.flush()
    return token


def close_session(token: str | None) -> None:
    """End one session (logging out): its cookie, even copied elsewhere, signs nobody in."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))
        db.session.flush()


def close_all_sessions(user: User, *, keep: str | None = None) -> int:
    """End every session of ``user`` (log out everywhere, blocking), but ``keep``'s; how
    many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.token_hash != token_hash(keep))
    ended = db.session.execute(query).rowcount or 0  # type: ignore[attr-defined]  # DML: a CursorResult
    db.session.flush()
    return ended


def change_password(user: User, password: str, *, keep: str | None = None) -> None:
    """Give ``user`` a new password (checked against the policy), end every other session
    (``keep``: the token of the session that changed it, if it stays signed in) and every
    password reset and e-mail change link of the account (participa.accounts.access: the pages)."""
    check_password_policy(password, user.email)
    user.set_password(password)
    close_all_sessions(user, keep=keep)
    tokens.revoke(user, TokenPurpose.RESET_PASSWORD)
    tokens.revoke(user, TokenPurpose.CHANGE_EMAIL)


def find_by_email(email: str) -> User | None:
    """The account registered with ``email`` (case-insensitive), if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def register_user(
    email: str,
    name: str,
    password: str,
    *,
    role: Role = Role.RESIDENT,
    district_id: int | None = None,
    confirmed: bool = True,
) -> User:
    """Create an account, its e-mail taken as confirmed unless ``confirmed=False`` (the
    registration page: its owner confirms it through a mailed link).

    Raises ``Conflict`` if the e-mail is taken and ``Invalid`` for a password that breaks
    the policy (:func:`password_problems`). For administrators and the command line: the
    registration page uses :func:`sign_up`, which never tells whether an e-mail is taken.
    """
    check_password_policy(password, email)
    if find_by_email(email):
        raise Conflict(_("Ya existe una cuenta con ese correo electrónico."))
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        role=role,
        district_id=district_id,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> User | None:
    """The user whose e-mail and password match, else ``None`` (never says which was wrong).

    An unknown e-mail costs the same hashing as a known one, so the time taken does not tell
    whether an account exists. A password stored with an older hashing method is hashed
    again with the current one (flushed; the caller commits)."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    if not user.password_hash.startswith(PASSWORD_METHOD + "$"):
        user.set_password(password)
        db.session.flush()
    return user


def create_admin(
    email: str, password: str | None, name: str = "Administración", *, promote: bool = False
) -> User:
    """Create an administrator with ``email``; with ``promote``, make the existing account
    with that e-mail an administrator instead, keeping its password."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Invalid(_("Correo electrónico no válido: %(reason)s", reason=str(error))) from error
    user = find_by_email(email)
    if user is not None:
        if not promote:
            raise Conflict(
                _("Ya existe una cuenta con ese correo; usa --promote para hacerla administradora.")
            )
        if user.email_confirmed_at is None:  # staff roles need a confirmed e-mail
            raise Conflict(
                _(
                    "Esa cuenta aún no confirma su correo electrónico: no puede ser "
                    "administradora hasta hacerlo."
                )
            )
        user.role = Role.ADMIN
        db.session.flush()
        return user
    if password is None:
        raise Invalid(_("Falta la contraseña."))
    return register_user(email, name, password, role=Role.ADMIN)
