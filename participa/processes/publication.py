"""Publishing a process, and taking it back while nothing public depends on it.

A new process is a draft (``Process.published_at`` is None): only staff see it (see
:mod:`participa.processes.queries`). :func:`publish` makes it public; :func:`unpublish`
makes it a draft again, but only while no resident has taken part in it and nothing of it
was published (proposals, supports, comments, ballots, official results, open data,
follow-up): otherwise it is refused with the reasons. Both are logged. Services flush,
never commit.

:func:`phase_opened` tells the other domains that a phase opened (``signals``): a phase
that shows results makes open data publish.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from participa.accountability.models import ExecutionItem
from participa.accounts.models import User
from participa.audit.services import log
from participa.budgets.models import AnnulledBallot, Ballot, Budget, Project
from participa.conversation.models import Comment, ContentType
from participa.db import utcnow
from participa.errors import Conflict
from participa.extensions import db
from participa.opendata.models import Publication
from participa.processes.models import Phase, Process
from participa.proposals.models import Proposal, Support
from participa.results.models import RunStatus, TallyRun
from participa.signals import results_opened


def publish(process: Process, actor: User | None) -> None:
    """Make a draft public. Logged (publicly)."""
    if process.is_published:
        raise Conflict(_("El proceso «%(title)s» ya está publicado.", title=process.title))
    process.published_at = utcnow()
    log(
        "process.published",
        process,
        actor=actor,
        process_id=process.id,
        public=True,
        before={"published_at": None},
        after={"published_at": process.published_at.isoformat()},
    )
    db.session.flush()


def unpublish(process: Process, actor: User | None) -> None:
    """Make a published process a draft again, only while nothing public depends on it
    (:func:`public_dependencies`); refused with the reasons otherwise. Logged."""
    if not process.is_published:
        raise Conflict(_("El proceso «%(title)s» ya es un borrador.", title=process.title))
    reasons = public_dependencies(process)
    if reasons:
        raise Conflict(
            _("No se puede despublicar: hay participación o datos públicos que dependen de él."),
            *reasons,
        )
    before = process.published_at
    process.published_at = None
    log(
        "process.unpublished",
        process,
        actor=actor,
        process_id=process.id,
        public=True,
        before={"published_at": before.isoformat() if before else None},
        after={"published_at": None},
    )
    db.session.flush()


def public_dependencies(process: Process) -> list[str]:
    """Why ``process`` cannot go back to being a draft: one sentence per kind of public
    thing that depends on it (empty: it can). One statement of counts."""
    pid = process.id
    budget_ids = select(Budget.id).where(Budget.process_id == pid)
    proposal_ids = select(Proposal.id).where(Proposal.process_id == pid)
    project_ids = select(Project.id).where(Project.budget_id.in_(budget_ids))
    queries = {
        "proposals": select(func.count(Proposal.id)).where(Proposal.process_id == pid),
        "supports": select(func.count(Support.id)).where(Support.proposal_id.in_(proposal_ids)),
        "comments": select(func.count(Comment.id)).where(
            Comment.target_type == ContentType.PROJECT, Comment.target_id.in_(project_ids)
        ),
        "ballots": select(func.count(Ballot.id)).where(Ballot.budget_id.in_(budget_ids)),
        "annulled": select(func.count(AnnulledBallot.id)).where(
            AnnulledBallot.budget_id.in_(budget_ids)
        ),
        "results": select(func.count(TallyRun.id)).where(
            TallyRun.budget_id.in_(budget_ids),
            TallyRun.preview.is_(False),
            TallyRun.status == RunStatus.DONE,
        ),
        "publications": select(func.count(Publication.id)).where(Publication.process_id == pid),
        "items": select(func.count(ExecutionItem.id)).where(ExecutionItem.process_id == pid),
    }
    row = db.session.execute(
        select(*(q.scalar_subquery().label(key) for key, q in queries.items()))
    ).one()
    counts = row._asdict()
    counts["ballots"] += counts.pop("annulled")
    sentences = {
        "proposals": lambda n: ngettext("Tiene %(num)d propuesta.", "Tiene %(num)d propuestas.", n),
        "supports": lambda n: ngettext("Tiene %(num)d apoyo.", "Tiene %(num)d apoyos.", n),
        "comments": lambda n: ngettext(
            "Tiene %(num)d comentario en sus proyectos.",
            "Tiene %(num)d comentarios en sus proyectos.",
            n,
        ),
        "ballots": lambda n: ngettext("Tiene %(num)d boleta.", "Tiene %(num)d boletas.", n),
        "results": lambda n: ngettext(
            "Tiene %(num)d cómputo oficial.", "Tiene %(num)d cómputos oficiales.", n
        ),
        "publications": lambda n: ngettext(
            "Tiene %(num)d versión publicada de datos abiertos.",
            "Tiene %(num)d versiones publicadas de datos abiertos.",
            n,
        ),
        "items": lambda n: ngettext(
            "Tiene %(num)d proyecto en seguimiento.", "Tiene %(num)d proyectos en seguimiento.", n
        ),
    }
    return [sentences[key](n) for key, n in counts.items() if n]


def phase_opened(phase: Phase) -> None:
    """Tell the other domains that ``phase`` opened: a phase that shows results, in a
    published process, makes open data publish (after the commit)."""
    if phase.shows_results and phase.process.is_published:
        results_opened.send(phase.id, process_id=phase.process_id)
