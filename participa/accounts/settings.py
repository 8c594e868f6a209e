"""The profile of an account: name, district (locked once the census verified it) and the
interface language. Flushes; the caller commits."""

from __future__ import annotations

from flask_babel import gettext as _

from participa.accounts.models import User
from participa.errors import Invalid, about
from participa.extensions import db
from participa.i18n import LANGUAGES


def update_profile(user: User, *, name: str, district_id: int | None, locale: str | None) -> None:
    """Store the profile; ``Invalid`` (about its field, nothing changed) for a district
    other than the census's on a verified account, or an unknown language."""
    if user.is_verified and district_id != user.district_id:
        raise about(
            "district_id",
            Invalid(
                _(
                    "Tu colonia o sector quedó fijo al verificar tu residencia en el padrón: "
                    "no se puede cambiar aquí."
                )
            ),
        )
    if locale is not None and locale not in LANGUAGES:
        raise about("locale", Invalid(_("Elige un idioma de la lista.")))
    name = name.strip()
    if not name:
        raise about("name", Invalid(_("Escribe tu nombre.")))
    user.name = name
    user.district_id = district_id
    user.locale = locale
    db.session.flush()
