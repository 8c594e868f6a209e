"""Checks shared by the execution follow-up services.

Only administrators change the follow-up (:func:`_require_admin`); the progress, money,
office and code typed in a form or a CSV row are checked the same way everywhere
(:func:`_percent`, :func:`_money`, :func:`_office`, :func:`_code`), and the limits they
enforce are the constants here.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from participa.accountability.models import ExecutionItem
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Process

MAX_SPENT = 10**12  # as budgets: more than any municipal budget, within 64 bits
MAX_OFFICE = 120
MAX_CODE = 40


def _require_admin(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_admin:
        raise NotAllowed(_("Solo la administración puede cambiar el seguimiento de proyectos."))


def _percent(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("El avance debe ser un número entero de 0 a 100.")) from None
    if not 0 <= number <= 100:
        raise Invalid(_("El avance debe estar entre 0 y 100 %."))
    return number


def _money(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("El monto debe ser un número entero de pesos.")) from None
    if number < 0:
        raise Invalid(_("El monto no puede ser negativo."))
    if number >= MAX_SPENT:
        raise Invalid(_("El monto es demasiado grande."))
    return number


def _office(value: str | None) -> str:
    office = (value or "").strip()
    if len(office) > MAX_OFFICE:
        raise Invalid(
            _("El nombre de la dependencia puede tener como máximo %(n)d caracteres.", n=MAX_OFFICE)
        )
    return office


def _code(process: Process, value: str | None, item: ExecutionItem | None) -> str | None:
    code = (value or "").strip() or None
    if code is None:
        return None
    if len(code) > MAX_CODE:
        raise Invalid(_("La clave puede tener como máximo %(n)d caracteres.", n=MAX_CODE))
    clash = db.session.scalar(
        select(ExecutionItem.id).where(
            ExecutionItem.process_id == process.id,
            ExecutionItem.code == code,
            ExecutionItem.id != (item.id if item is not None else 0),
        )
    )
    if clash is not None:
        raise Invalid(_("Ya hay otro elemento con la clave %(code)s.", code=code))
    return code
