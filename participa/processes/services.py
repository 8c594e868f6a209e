"""Creating processes and arranging their phases."""

import re
import unicodedata
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from participa.accounts.models import User
from participa.audit.services import log, snapshot
from participa.budgets.models import Budget
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed, about
from participa.extensions import db
from participa.processes.models import District, Phase, Process, VoteScope
from participa.processes.publication import phase_opened
from participa.results.models import RunStatus, TallyRun

EARLIEST, LATEST = datetime(1990, 1, 1), datetime(2200, 1, 1)
# A phase starting this long before now is "in the past" and needs a stated reason (the
# few minutes between opening the form and sending it are not).
BACKDATE_GRACE = timedelta(minutes=15)
MIN_REASON = 10  # characters of a stated reason
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphen-separated: "Presupuesto 2026" -> "presupuesto-2026"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def create_process(
    *,
    title: str,
    slug: str | None,
    description: str,
    municipality: str,
    district_id: int | None,
    actor: User | None = None,
    published: bool = False,
) -> Process:
    """Create a process; the slug defaults to the title's and must be unique. Logged.
    A draft (seen by staff only) unless ``published`` (imports, demo data, tests)."""
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
        published_at=utcnow() if published else None,
    )
    db.session.add(process)
    db.session.flush()
    log(
        "process.created",
        process,
        actor=actor,
        process_id=process.id,
        public=True,
        after=snapshot(process, ("title", "slug", "municipality", "district_id")),
    )
    return process


PHASE_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "allows_propose",
    "allows_support",
    "allows_comment",
    "allows_vote",
    "shows_vote_counts",
    "shows_results",
)
SETTINGS_FIELDS = (
    "vote_scope",
    "verification_to_vote",
    "verification_to_propose",
    "in_person_voting",
)


def add_phase(
    process: Process,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    allows_propose: bool = False,
    allows_support: bool = False,
    allows_comment: bool = False,
    allows_vote: bool = False,
    shows_vote_counts: bool = True,
    shows_results: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> Phase:
    """Add a phase (naive UTC dates). Phases may not overlap; they are ordered by start date.

    What may not happen silently (see :func:`check_history`): a phase that starts in the
    past, or a voting phase after the process's voting has closed, needs a ``reason``;
    voting that has been counted cannot be reopened at all. The change, with its reason,
    is logged publicly (the process page lists its configuration changes).
    """
    if ends_at <= starts_at:
        raise about("ends_at", Invalid(_("La fase debe terminar después de empezar.")))
    if not (starts_at >= EARLIEST and ends_at <= LATEST):
        raise about("starts_at", Invalid(_("Las fechas de la fase deben estar entre 1990 y 2200.")))
    if allows_vote and shows_results:
        raise about(
            "shows_results",
            Invalid(_("Una fase de votación no puede mostrar resultados a la vez.")),
        )
    _check_overlap(process, starts_at, ends_at)
    reason = check_history(process, starts_at, allows_vote, reason, actor)
    phase = Phase(
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        allows_propose=allows_propose,
        allows_support=allows_support,
        allows_comment=allows_comment,
        allows_vote=allows_vote,
        shows_vote_counts=shows_vote_counts,
        shows_results=shows_results,
        position=len(process.phases) + 1,
    )
    process.phases.append(phase)
    renumber_phases(process)
    after = snapshot(phase, PHASE_FIELDS)
    if reason:
        after["reason"] = reason
    log("phase.added", phase, actor=actor, process_id=process.id, public=True, after=after)
    return phase


class VotingCounted(NotAllowed):
    """Voting of the process has been counted: it cannot be reopened."""


def voting_counted(process: Process) -> bool:
    """Whether an official tally of one of the process's budgets is queued, running or
    done: from then on its ballots are final."""
    return (
        db.session.scalar(
            select(TallyRun.id)
            .join(Budget, Budget.id == TallyRun.budget_id)
            .where(
                Budget.process_id == process.id,
                TallyRun.preview.is_(False),
                TallyRun.status != RunStatus.FAILED,
            )
            .limit(1)
        )
        is not None
    )


def check_history(
    process: Process,
    starts_at: datetime,
    allows_vote: bool,
    reason: str,
    actor: User | None = None,
) -> str:
    """The rules that keep a process's record honest when a phase is added or opened; the
    stated reason, cleaned, when one is needed.

    - Voting that has been counted (an official tally exists) is never reopened: the count
      stands, and a correction is a new process.
    - A voting phase once a voting phase has ended (and nothing is counted yet) reopens the
      vote: it needs a reason, logged publicly.
    - A phase that starts in the past rewrites what the process allowed then: it needs a
      reason, logged publicly.
    """
    now = utcnow()
    reason = " ".join((reason or "").split())
    reopens = allows_vote and any(p.allows_vote and p.ends_at <= now for p in process.phases)
    if reopens and voting_counted(process):
        raise VotingCounted(
            _(
                "La votación de este proceso ya se cerró y se contó: no se puede reabrir. "
                "El resultado se mantiene; una corrección requiere un proceso nuevo."
            )
        )
    backdated = starts_at < now - BACKDATE_GRACE
    if (reopens or backdated) and len(reason) < MIN_REASON:
        raise about(
            "reason",
            ReasonRequired(
                _(
                    "La votación de este proceso ya cerró: reabrirla queda en el registro "
                    "público. Escribe el motivo (al menos %(n)d caracteres) para confirmarlo.",
                    n=MIN_REASON,
                )
                if reopens
                else _(
                    "La fase empieza en el pasado: cambia lo que el proceso permitía entonces "
                    "y queda en el registro público. Escribe el motivo (al menos %(n)d "
                    "caracteres) para confirmarlo.",
                    n=MIN_REASON,
                )
            ),
        )
    if reopens:
        log(
            "voting.reopened",
            process,
            actor=actor,
            process_id=process.id,
            public=True,
            after={"starts_at": starts_at.isoformat(), "reason": reason},
        )
    return reason if (reopens or backdated) else ""


class ReasonRequired(Invalid):
    """The change needs a stated reason (``reason``), which is logged publicly."""


def delete_phase(phase: Phase, actor: User | None = None) -> None:
    """Remove a phase that has not started (a phase that began, or that the scheduler
    recorded as opened, is part of the public record)."""
    if phase.starts_at <= utcnow() or phase.opened_at is not None:
        raise NotAllowed(
            _(
                "La fase «%(title)s» ya empezó: es parte del registro público del proceso y "
                "no se puede eliminar. Puedes cerrarla o cambiar su fecha de fin.",
                title=phase.title,
            )
        )
    process = phase.process
    log(
        "phase.deleted",
        phase,
        actor=actor,
        process_id=process.id,
        public=True,
        before=snapshot(phase, PHASE_FIELDS),
    )
    process.phases.remove(phase)
    db.session.flush()
    renumber_phases(process)


def open_phase_now(phase: Phase, actor: User, reason: str = "") -> None:
    """An administrator opens a future phase now: it starts now, and a current phase that
    would overlap ends now. Logged publicly, with the dates before and after. A voting
    phase after voting closed reopens the vote (see :func:`check_history`)."""
    now = utcnow()
    if phase.starts_at <= now:
        raise Conflict(_("La fase «%(title)s» ya empezó.", title=phase.title))
    check_history(phase.process, now, phase.allows_vote, reason, actor)
    before = snapshot(phase, ("title", "starts_at", "ends_at"))
    for other in phase.process.phases:
        if other is not phase and other.starts_at <= now < other.ends_at:
            _end_now(other, now, actor)
    _check_overlap(phase.process, now, phase.ends_at, ignore=phase)
    phase.starts_at, phase.opened_at = now, now
    log(
        "phase.opened_by_hand",
        phase,
        actor=actor,
        process_id=phase.process_id,
        public=True,
        before=before,
        after=snapshot(phase, ("title", "starts_at", "ends_at")),
    )
    renumber_phases(phase.process)
    phase_opened(phase)  # a results phase: open data publishes after the commit


def close_phase_now(phase: Phase, actor: User) -> None:
    """An administrator closes the current phase now. Logged publicly."""
    now = utcnow()
    if not phase.starts_at <= now < phase.ends_at:
        raise Conflict(_("La fase «%(title)s» no está en curso.", title=phase.title))
    _end_now(phase, now, actor)


def _end_now(phase: Phase, now: datetime, actor: User) -> None:
    before = snapshot(phase, ("title", "starts_at", "ends_at"))
    phase.ends_at, phase.closed_at = now, now
    log(
        "phase.closed_by_hand",
        phase,
        actor=actor,
        process_id=phase.process_id,
        public=True,
        before=before,
        after=snapshot(phase, ("title", "starts_at", "ends_at")),
    )
    db.session.flush()


def update_settings(
    process: Process,
    actor: User,
    *,
    vote_scope: str,
    verification_to_vote: bool,
    verification_to_propose: bool,
    in_person_voting: bool = False,
) -> None:
    """Who may vote where, whether voting and proposing need a verified residency, and
    whether booths take paper ballots.

    Booths need verified online voting: an officer checks a person in by their document,
    and only a verified account's online ballot is tied to a document, so only then does
    the database's one ballot per person and budget hold across both channels. The voting
    settings are fixed once voting has started."""
    if vote_scope not in {s.value for s in VoteScope}:
        raise about("vote_scope", Invalid(_("Alcance de voto desconocido.")))
    if in_person_voting and not verification_to_vote:
        raise about(
            "in_person_voting",
            Invalid(
                _(
                    "La votación en casilla requiere que votar en línea pida residencia "
                    "verificada: así una persona no puede votar en línea y también en papel."
                )
            ),
        )
    before = snapshot(process, SETTINGS_FIELDS)
    voting_changed = (vote_scope, verification_to_vote, in_person_voting) != (
        process.vote_scope,
        process.verification_to_vote,
        process.in_person_voting,
    )
    if voting_changed and process.voting_started():
        raise NotAllowed(_("La votación ya empezó: sus reglas no se pueden cambiar."))
    process.vote_scope = vote_scope
    process.verification_to_vote = verification_to_vote
    process.verification_to_propose = verification_to_propose
    process.in_person_voting = in_person_voting
    log(
        "process.settings",
        process,
        actor=actor,
        process_id=process.id,
        public=True,
        before=before,
        after=snapshot(process, SETTINGS_FIELDS),
    )
    db.session.flush()


def create_district(name: str, parent_id: int | None, level: str, actor: User) -> District:
    """A territory of the municipality, inside ``parent_id`` if given."""
    name = name.strip()
    if not name:
        raise Invalid(_("El distrito necesita un nombre."))
    if db.session.scalar(select(District.id).where(District.name == name)):
        raise Conflict(_("Ya existe el distrito «%(name)s».", name=name))
    if parent_id is not None and db.session.get(District, parent_id) is None:
        raise Invalid(_("El distrito superior no existe."))
    district = District(name=name, parent_id=parent_id, level=level)
    db.session.add(district)
    db.session.flush()
    log(
        "district.created",
        district,
        actor=actor,
        after={"name": name, "parent_id": parent_id, "level": level},
    )
    return district


def overlapping_phase(
    process: Process, starts_at: datetime, ends_at: datetime, ignore: Phase | None = None
) -> Phase | None:
    return next(
        (
            other
            for other in process.phases
            if other is not ignore and starts_at < other.ends_at and other.starts_at < ends_at
        ),
        None,
    )


def _check_overlap(
    process: Process, starts_at: datetime, ends_at: datetime, ignore: Phase | None = None
) -> None:
    other = overlapping_phase(process, starts_at, ends_at, ignore)
    if other is not None:
        raise about(
            "starts_at",
            Conflict(_("Las fechas se enciman con la fase «%(title)s».", title=other.title)),
        )


def renumber_phases(process: Process) -> None:
    # Two passes so the unique (process_id, position) never sees a transient duplicate.
    ordered = sorted(process.phases, key=lambda p: p.starts_at)
    for offset, phase in enumerate(ordered, start=1):
        phase.position = 10_000 + offset
    db.session.flush()
    for offset, phase in enumerate(ordered, start=1):
        phase.position = offset
    db.session.flush()
    process.phases.sort(key=lambda p: p.position)
