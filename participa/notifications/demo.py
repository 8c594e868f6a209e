"""The demonstration's notifications: what the demo resident was told, in her bell and in
the mail folder (called by :func:`participa.demo.load`)."""

from sqlalchemy import select

from participa.accounts.models import User
from participa.extensions import db
from participa.notifications.links import path_for
from participa.notifications.services import follow, notify
from participa.processes.models import Process
from participa.proposals.models import Proposal


def load_notifications_demo(resident: User) -> None:
    """What the demo resident was told (the bell, and the mail folder): the answers to her
    proposals and the vote opening in the process she follows."""
    process = db.session.scalars(select(Process).where(Process.slug == "presupuesto-2026")).one()
    follow(resident.id, process.id)
    answered = db.session.scalars(
        select(Proposal).where(Proposal.author_id == resident.id, Proposal.answered_at.is_not(None))
    )
    for proposal in answered:
        notify(
            [resident.id],
            "proposal_answered",
            f"Tu propuesta «{proposal.title}» tiene respuesta",
            proposal.answer or "",
            link=path_for("proposals.show", slug=process.slug, proposal_id=proposal.id),
        )
    notify(
        [resident.id],
        "phase_opened",
        f"Empezó la votación de «{process.title}»",
        "Ya puedes votar en la boleta de tu colonia y en la de todo el municipio.",
        link=path_for("processes.show", slug=process.slug),
    )
