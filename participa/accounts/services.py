"""Registration, authentication and administrator creation."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from participa.accounts.models import Role, User
from participa.errors import Conflict, Invalid
from participa.extensions import db

MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    return email.strip().lower()


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

    Raises ``Conflict`` if the e-mail is taken and ``Invalid`` for a too-short password.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _("La contraseña debe tener al menos %(n)d caracteres.", n=MIN_PASSWORD_LENGTH)
        )
    if find_by_email(email):
        raise Conflict(_("Ya existe una cuenta con ese correo electrónico."))
    user = User(email=normalize_email(email), name=name.strip(), role=role, district_id=district_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose e-mail and password match, else ``None`` (never says which was wrong)."""
    user = find_by_email(email)
    if user is None or not user.check_password(password):
        return None
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
