"""Correcting what an administrator created: a process, its phases, the districts.

What may change depends on time (a phase that began is part of the public record) and
every change is logged with the values before and after; the phase rules shared with
creating them (:func:`~participa.processes.services.check_history`, the overlap check)
are those of :mod:`participa.processes.services`.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from participa.accounts.models import User
from participa.audit.services import log, snapshot
from participa.budgets.models import Budget
from participa.census.models import CensusEntry, Identity
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.processes.models import District, Phase, Process
from participa.processes.services import (
    EARLIEST,
    LATEST,
    PHASE_FIELDS,
    check_history,
    overlapping_phase,
    renumber_phases,
)
from participa.proposals.models import Proposal

PROCESS_FIELDS = ("title", "description", "municipality", "district_id")


def update_process(
    process: Process,
    actor: User,
    *,
    title: str,
    description: str,
    municipality: str,
    district_id: int | None,
) -> bool:
    """Correct a process's title, description, municipality or district. Its slug (its web
    address) never changes: links to it keep working. Logged publicly with the values
    before and after; False when nothing changed (nothing is logged)."""
    title, municipality = title.strip(), municipality.strip()
    if not title:
        raise about("title", Invalid(_("El proceso necesita un título.")))
    if not municipality:
        raise about("municipality", Invalid(_("Escribe el municipio.")))
    if district_id is not None and db.session.get(District, district_id) is None:
        raise about("district_id", Invalid(_("El distrito no existe.")))
    before = snapshot(process, PROCESS_FIELDS)
    process.title, process.description = title, description.strip()
    process.municipality, process.district_id = municipality, district_id
    after = snapshot(process, PROCESS_FIELDS)
    if after == before:
        return False
    log(
        "process.updated",
        process,
        actor=actor,
        process_id=process.id,
        public=True,
        before=before,
        after=after,
    )
    db.session.flush()
    return True


PHASE_RULES = PHASE_FIELDS[3:]  # what a phase allows: allows_propose ... shows_results
EDITED_PHASE_FIELDS = (*PHASE_FIELDS, "description")


class ConfirmationRequired(Conflict):
    """The change shortens what residents were told (a current phase ends earlier): it
    happens only when confirmed."""


def _same_minute(typed: datetime, stored: datetime) -> datetime:
    """``stored`` when ``typed`` is the same minute (a form has no seconds), else ``typed``."""
    return stored if typed == stored.replace(second=0, microsecond=0) else typed


def update_phase(
    phase: Phase,
    actor: User,
    *,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    confirm: bool = False,
    **rules: bool,
) -> str | None:
    """Correct a phase (naive UTC dates); what may change depends on time:

    - a future phase: everything, with the checks of :func:`add_phase` (no overlap, a start
      in the past or a vote after voting closed needs a reason: :func:`check_history`);
    - the current phase: its name and description, and its end: later (extending an open
      vote is logged as ``voting.extended``) or earlier but still ahead (``confirm``
      needed: it shortens what residents were told); its start and what it allows are
      part of the record;
    - a past phase: its name and description; moving its end later reopens it, which
      needs a reason (:func:`check_history`: a counted vote is never reopened).

    Logged publicly with the values before and after; returns the action logged, or None
    when nothing changed.
    """
    now = utcnow()
    status = phase.status(now)
    starts_at = _same_minute(starts_at, phase.starts_at)
    ends_at = _same_minute(ends_at, phase.ends_at)
    new_rules = {name: bool(rules.get(name, getattr(phase, name))) for name in PHASE_RULES}
    _check_phase_values(starts_at, ends_at, new_rules)
    if status == "future":
        action = "phase.updated"
        moved = starts_at != phase.starts_at or (new_rules["allows_vote"] and not phase.allows_vote)
        if moved:
            reason = check_history(
                phase.process, starts_at, new_rules["allows_vote"], reason, actor
            )
    else:
        _keep_the_record(phase, starts_at, new_rules)
        action, reason = _moved_end(phase, ends_at, now, status, reason, confirm, actor)
    other = overlapping_phase(phase.process, starts_at, ends_at, ignore=phase)
    if other is not None:
        field = "ends_at" if other.starts_at >= starts_at else "starts_at"
        raise about(
            field,
            Conflict(_("Las fechas se enciman con la fase «%(title)s».", title=other.title)),
        )
    before = snapshot(phase, EDITED_PHASE_FIELDS)
    phase.title, phase.description = title.strip(), description.strip()
    phase.starts_at, phase.ends_at = starts_at, ends_at
    for name, value in new_rules.items():
        setattr(phase, name, value)
    if ends_at > now and phase.closed_at is not None:
        phase.closed_at = None  # reopened: the scheduler records its new closing
    after = snapshot(phase, EDITED_PHASE_FIELDS)
    if after == before:
        return None
    if reason:
        after["reason"] = reason
    log(
        action,
        phase,
        actor=actor,
        process_id=phase.process_id,
        public=True,
        before=before,
        after=after,
    )
    renumber_phases(phase.process)
    return action


def _check_phase_values(starts_at: datetime, ends_at: datetime, rules: dict[str, bool]) -> None:
    """The checks of a new phase (:func:`add_phase`), each about its field."""
    if ends_at <= starts_at:
        raise about("ends_at", Invalid(_("La fase debe terminar después de empezar.")))
    if not (starts_at >= EARLIEST and ends_at <= LATEST):
        raise about("starts_at", Invalid(_("Las fechas de la fase deben estar entre 1990 y 2200.")))
    if rules["allows_vote"] and rules["shows_results"]:
        raise about(
            "shows_results",
            Invalid(_("Una fase de votación no puede mostrar resultados a la vez.")),
        )


def _keep_the_record(phase: Phase, starts_at: datetime, rules: dict[str, bool]) -> None:
    """A phase that began keeps its start and what it allowed: both are public record."""
    if starts_at != phase.starts_at:
        raise about(
            "starts_at",
            NotAllowed(
                _("La fase ya empezó: su fecha de inicio es parte del registro y no cambia.")
            ),
        )
    if any(getattr(phase, name) != value for name, value in rules.items()):
        raise about(
            "allows_vote",
            NotAllowed(
                _(
                    "La fase ya empezó: lo que permite es parte del registro y no cambia. "
                    "Ciérrala y agrega una fase nueva con otros permisos."
                )
            ),
        )


def _moved_end(
    phase: Phase,
    ends_at: datetime,
    now: datetime,
    status: str,
    reason: str,
    confirm: bool,
    actor: User,
) -> tuple[str, str]:
    """The action a new end of a phase that began logs, and the stated reason it needs."""
    if ends_at == phase.ends_at:
        return "phase.updated", ""
    if status == "past":
        if ends_at < phase.ends_at:
            raise about(
                "ends_at",
                NotAllowed(_("La fase ya terminó: no se puede acortar lo que ya ocurrió.")),
            )
        reason = check_history(phase.process, phase.starts_at, phase.allows_vote, reason, actor)
        return "phase.reopened", reason
    if ends_at > phase.ends_at:
        return ("voting.extended" if phase.allows_vote else "phase.extended"), ""
    if ends_at <= now:
        raise about(
            "ends_at",
            Invalid(
                _(
                    "Esa fecha ya pasó. Para terminar la fase en este momento usa «Cerrar "
                    "ahora» en la lista de fases."
                )
            ),
        )
    if not confirm:
        raise ConfirmationRequired(
            _(
                "La fase «%(title)s» está en curso: terminarla antes acorta el plazo que se "
                "anunció. Confirma el cambio.",
                title=phase.title,
            )
        )
    return "phase.shortened", ""


DISTRICT_LEVELS = ("municipality", "sector", "neighbourhood")
DISTRICT_FIELDS = ("name", "parent_id", "level")


def update_district(
    district: District, actor: User, *, name: str, parent_id: int | None, level: str
) -> bool:
    """Rename a district, move it in the hierarchy (never inside itself or one of its own
    districts) or change its level. Logged with the values before and after."""
    name = name.strip()
    if not name:
        raise about("name", Invalid(_("El distrito necesita un nombre.")))
    clash = select(District.id).where(District.name == name, District.id != district.id)
    if db.session.scalar(clash):
        raise about("name", Conflict(_("Ya existe el distrito «%(name)s».", name=name)))
    if level not in DISTRICT_LEVELS:
        raise about("level", Invalid(_("Nivel desconocido.")))
    parent = db.session.get(District, parent_id) if parent_id is not None else None
    if parent_id is not None and parent is None:
        raise about("parent_id", Invalid(_("El distrito superior no existe.")))
    if parent is not None and district in parent.lineage():
        raise about(
            "parent_id",
            Invalid(
                _(
                    "Un distrito no puede quedar dentro de sí mismo ni de uno de los "
                    "distritos que contiene."
                )
            ),
        )
    before = snapshot(district, DISTRICT_FIELDS)
    district.name, district.parent_id, district.level = name, parent_id, level
    after = snapshot(district, DISTRICT_FIELDS)
    if after == before:
        return False
    log("district.updated", district, actor=actor, before=before, after=after)
    db.session.flush()
    return True


def district_uses(district: District) -> list[str]:
    """What uses ``district``, in words ("2 presupuestos", ...): empty if it is unused."""
    counted = (
        (District.parent_id, _("distritos dentro de él")),
        (Process.district_id, _("procesos")),
        (Budget.district_id, _("presupuestos")),
        (User.district_id, _("personas registradas")),
        (Proposal.district_id, _("propuestas")),
        (CensusEntry.district_id, _("registros del padrón")),
        (Identity.district_id, _("residencias verificadas")),
    )
    uses = []
    for column, label in counted:
        n = db.session.scalar(select(func.count()).where(column == district.id)) or 0
        if n:
            uses.append(f"{n} {label}")
    return uses


def delete_district(district: District, actor: User) -> None:
    """Remove a district nothing uses; otherwise refused, saying what uses it."""
    uses = district_uses(district)
    if uses:
        raise NotAllowed(
            _(
                "El distrito «%(name)s» está en uso (%(uses)s): no se puede eliminar. "
                "Puedes cambiarle el nombre o moverlo en la jerarquía.",
                name=district.name,
                uses=", ".join(uses),
            )
        )
    log("district.deleted", district, actor=actor, before=snapshot(district, DISTRICT_FIELDS))
    db.session.delete(district)
    db.session.flush()
