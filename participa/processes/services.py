"""Creating processes and arranging their phases."""

import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from participa.errors import Conflict, Invalid
from participa.extensions import db
from participa.processes.models import Phase, Process

EARLIEST, LATEST = datetime(1990, 1, 1), datetime(2200, 1, 1)
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphen-separated: "Presupuesto 2026" -> "presupuesto-2026"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def create_process(
    *, title: str, slug: str | None, description: str, municipality: str, district_id: int | None
) -> Process:
    """Create a process; the slug defaults to the title's and must be unique."""
    slug = slug or slugify(title)
    if not slug:
        raise Invalid(_("El título necesita letras o números para formar la dirección web."))
    if not SLUG_RE.match(slug):
        raise Invalid(_("El identificador solo admite minúsculas, números y guiones."))
    if db.session.scalar(select(Process.id).where(Process.slug == slug)):
        raise Conflict(_("Ya existe un proceso con el identificador «%(slug)s».", slug=slug))
    process = Process(
        title=title.strip(),
        slug=slug,
        description=description.strip(),
        municipality=municipality.strip(),
        district_id=district_id,
    )
    db.session.add(process)
    db.session.flush()
    return process


def add_phase(
    process: Process,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    allows_propose: bool = False,
    allows_support: bool = False,
    allows_vote: bool = False,
    shows_results: bool = False,
) -> Phase:
    """Add a phase (naive UTC dates). Phases may not overlap; they are ordered by start date."""
    if ends_at <= starts_at:
        raise Invalid(_("La fase debe terminar después de empezar."))
    if not (starts_at >= EARLIEST and ends_at <= LATEST):
        raise Invalid(_("Las fechas de la fase deben estar entre 1990 y 2200."))
    if allows_vote and shows_results:
        raise Invalid(_("Una fase de votación no puede mostrar resultados a la vez."))
    for other in process.phases:
        if starts_at < other.ends_at and other.starts_at < ends_at:
            raise Conflict(_("Las fechas se enciman con la fase «%(title)s».", title=other.title))
    phase = Phase(
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        allows_propose=allows_propose,
        allows_support=allows_support,
        allows_vote=allows_vote,
        shows_results=shows_results,
        position=len(process.phases) + 1,
    )
    process.phases.append(phase)
    _renumber(process)
    return phase


def delete_phase(phase: Phase) -> None:
    """Remove a phase and close the gap in the numbering."""
    process = phase.process
    process.phases.remove(phase)
    db.session.flush()
    _renumber(process)


def _renumber(process: Process) -> None:
    # Two passes so the unique (process_id, position) never sees a transient duplicate.
    ordered = sorted(process.phases, key=lambda p: p.starts_at)
    for offset, phase in enumerate(ordered, start=1):
        phase.position = 10_000 + offset
    db.session.flush()
    for offset, phase in enumerate(ordered, start=1):
        phase.position = offset
    db.session.flush()
    process.phases.sort(key=lambda p: p.position)
