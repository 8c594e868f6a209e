"""Assigning staff to one process, and removing them: administrators only, logged."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from participa.accounts.access import require_confirmed_for_staff
from participa.accounts.models import Role, User
from participa.accounts.services import find_by_email
from participa.audit.services import log
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.processes.models import Process
from participa.staff import access
from participa.staff.models import ProcessRole


def _require_admin(user: User) -> None:
    if not (user is not None and getattr(user, "is_authenticated", False) and user.is_admin):
        raise NotAllowed(_("Solo la administración puede asignar el equipo de un proceso."))


def assign(process: Process, email: str, role: str, admin: User) -> ProcessRole:
    """``admin`` makes the person with ``email`` an evaluator, moderator or officer of
    ``process`` only. Refused (beside the field it is about) for an unknown e-mail, a
    blocked account, an account whose e-mail is not confirmed, a role held already there
    or everywhere. Logged."""
    _require_admin(admin)
    if role not in {r.value for r in access.PROCESS_ROLES}:
        raise about("role", Invalid(_("Elige un rol: evaluación, moderación o mesa presencial.")))
    if not (email or "").strip():
        raise about("email", Invalid(_("Escribe el correo electrónico de la persona.")))
    user = find_by_email(email)
    if user is None:
        raise about(
            "email",
            Invalid(
                _("No hay ninguna cuenta con ese correo."),
                _("La persona debe crear su cuenta antes de que la asignes."),
            ),
        )
    if user.is_blocked:
        raise about(
            "email",
            Invalid(
                _("La cuenta de %(name)s está bloqueada: no se le asignan tareas.", name=user.name)
            ),
        )
    try:  # a role's mail, and a reset link, must reach the person it was meant for
        require_confirmed_for_staff(user, role)
    except Conflict as error:
        raise about("email", error) from None
    if user.has_role(Role(role)):
        raise about(
            "email",
            Conflict(
                _(
                    "%(name)s ya tiene ese rol en todos los procesos (por su rol general).",
                    name=user.name,
                )
            ),
        )
    taken = db.session.scalar(
        select(ProcessRole.id).where(
            ProcessRole.user_id == user.id,
            ProcessRole.process_id == process.id,
            ProcessRole.role == role,
        )
    )
    if taken is not None:
        raise about(
            "email", Conflict(_("%(name)s ya tiene ese rol en este proceso.", name=user.name))
        )
    assignment = ProcessRole(
        user_id=user.id, process_id=process.id, role=role, assigned_by_id=admin.id
    )
    db.session.add(assignment)
    db.session.flush()
    log(
        "process_role.assigned",
        user,
        actor=admin,
        process_id=process.id,
        before={"role": None},
        after={"role": role},
    )
    access.forget()
    return assignment


def remove(assignment: ProcessRole, admin: User) -> None:
    """``admin`` ends an assignment: the person no longer acts as that role there. Logged."""
    _require_admin(admin)
    user = db.session.get(User, assignment.user_id)
    log(
        "process_role.removed",
        user,
        actor=admin,
        process_id=assignment.process_id,
        before={"role": assignment.role},
        after={"role": None},
    )
    db.session.delete(assignment)
    db.session.flush()
    access.forget()
