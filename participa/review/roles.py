"""Giving staff roles to people: evaluator, moderator, officer, administrator."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from participa.accounts.access import require_confirmed_for_staff
from participa.accounts.models import Role, User
from participa.audit.services import log
from participa.errors import Invalid, NotAllowed
from participa.extensions import db

#: The roles in the order they are offered, with their Spanish names.
ROLE_LABELS = {
    Role.RESIDENT: _l("Residente"),
    Role.EVALUATOR: _l("Evaluación de propuestas"),
    Role.MODERATOR: _l("Moderación"),
    Role.OFFICER: _l("Mesa presencial"),
    Role.ADMIN: _l("Administración"),
}


def users_query(q: str = "", role: str = "") -> Select:
    """People whose name or e-mail contains ``q`` (any case), optionally of one ``role``."""
    stmt = select(User)
    text = q.strip()
    if text:  # literally: % and _ are escaped
        stmt = stmt.where(
            or_(
                User.name.icontains(text, autoescape=True),
                User.email.icontains(text, autoescape=True),
            )
        )
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    return stmt.order_by(User.name, User.id)


def set_role(user: User, role: str, admin: User) -> bool:
    """An administrator gives ``user`` the ``role``; logged with before and after.

    Administrators cannot change their own role (so the last one never locks everybody
    out). Returns False when the person already had that role.
    """
    if not (admin.is_authenticated and admin.is_admin):
        raise NotAllowed(_("Solo la administración puede cambiar roles."))
    if role not in {r.value for r in Role}:
        raise Invalid(_("Rol desconocido."))
    if user.id == admin.id:
        raise NotAllowed(
            _("No puedes cambiar tu propio rol."),
            _("Pide a otra persona de la administración que lo haga."),
        )
    if user.role == role:
        return False
    require_confirmed_for_staff(user, role)
    before = {"role": user.role}
    user.role = role
    log("user.role", user, actor=admin, before=before, after={"role": role})
    db.session.flush()
    return True
