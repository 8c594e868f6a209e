"""Registration, authentication and administrator creation; the password policy."""

import gzip
import secrets
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash

from participa.accounts.models import PASSWORD_METHOD, Role, User, hash_password
from participa.db import DriverStatement
from participa.errors import Conflict, Invalid
from participa.extensions import db

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


_USER_BY_ID = DriverStatement(
    select(*User.__table__.columns).where(User.__table__.c.id == bindparam("id"))
)


def signed_in_user(user_id: int) -> User | None:
    """The account of a signed-in visitor (Flask-Login's user loader: every request of a
    signed-in visitor runs it), or None if it no longer exists.

    The session's own ``User`` when it holds one; else the row read through the driver
    (:class:`~participa.db.DriverStatement`) becomes the session's ``User`` just as if the
    ORM had loaded it (``make_transient_to_detached``, then added: persistent, unchanged,
    its relationships loaded on use). The ORM's own loading of the row cost more than twice
    the CPU.
    """
    session = db.session
    if session.identity_key(User, user_id) in session.identity_map:
        return session.get(User, user_id)
    rows = _USER_BY_ID.rows(id=user_id)
    if not rows:
        return None
    user = User(**rows[0]._asdict())
    make_transient_to_detached(user)
    session.add(user)
    return user


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
) -> User:
    """Create an account.

    Raises ``Conflict`` if the e-mail is taken and ``Invalid`` for a password that breaks
    the policy (:func:`password_problems`).
    """
    check_password_policy(password, email)
    if find_by_email(email):
        raise Conflict(_("Ya existe una cuenta con ese correo electrónico."))
    user = User(email=normalize_email(email), name=name.strip(), role=role, district_id=district_id)
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
        user.role = Role.ADMIN
        db.session.flush()
        return user
    if password is None:
        raise Invalid(_("Falta la contraseña."))
    return register_user(email, name, password, role=Role.ADMIN)
