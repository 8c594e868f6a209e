"""Everything held about one account, as sections of an archive (the ARCO right of access).

Each :class:`Section` reads one kind of data about a person and returns rows (dicts of
plain values): the archive holds them all in ``datos.json`` and one CSV per section. A
module that stores something more about people (consents, requests, preferences) adds its
section with :func:`section` and the archive includes it; nothing else changes.

What is left out, on purpose: the hashes of the census document (they identify the person
in the census, not the account), session and link tokens (only their hashes are stored),
receipt codes (never stored in clear) and anything about other people.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from participa.accountability.models import ExecutionItem, ItemFollow
from participa.accounts import email_change
from participa.accounts.models import User, UserSession
from participa.audit.models import ActionLog
from participa.budgets.models import AnnulledBallot, Ballot, BallotItem, Budget, Project
from participa.census.models import Identity
from participa.conversation.models import Comment, Report
from participa.extensions import db
from participa.legal.models import Consent, DataRequest
from participa.notifications.models import Follow, Notification, NotificationOptOut
from participa.processes.models import District, Process
from participa.proposals.models import Proposal, Support
from participa.results.exports import safe_cell

Row = dict[str, Any]


@dataclass(frozen=True)
class Section:
    """One kind of data about a person: ``key`` names its CSV (``<key>.csv``) and its
    entry in ``datos.json``; ``rows(user)`` reads it."""

    key: str
    title: Any  # a lazy string, in the interface language when drawn
    rows: Callable[[User], list[Row]]


#: The archive's sections, in order. Add yours with :func:`section`.
SECTIONS: list[Section] = []


def section(key: str, title: Any) -> Callable[[Callable[[User], list[Row]]], Callable]:
    """Register ``rows`` as the section ``key`` of every archive."""

    def register(rows: Callable[[User], list[Row]]) -> Callable[[User], list[Row]]:
        if any(s.key == key for s in SECTIONS):
            raise ValueError(f"section {key!r} registered twice")
        SECTIONS.append(Section(key, title, rows))
        return rows

    return register


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _district_name(district_id: int | None) -> str | None:
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    return district.name if district else None


@section("cuenta", _l("Tu cuenta"))
def _account(user: User) -> list[Row]:
    return [
        {
            "id": user.id,
            "nombre": user.name,
            "correo": user.email,
            "colonia_o_sector": _district_name(user.district_id),
            "rol": user.role,
            "idioma": user.locale,
            "creada": user.created_at,
            "correo_confirmado": user.email_confirmed_at,
            "bloqueada": user.blocked_at,
        }
    ]


@section("verificacion", _l("Verificación de residencia"))
def _verification(user: User) -> list[Row]:
    if user.identity_id is None:
        return []
    identity = db.session.get_one(Identity, user.identity_id)
    # the district the census gives and when: never the document's hashes
    return [
        {"colonia_o_sector": _district_name(identity.district_id), "desde": identity.created_at}
    ]


@section("propuestas", _l("Tus propuestas"))
def _proposals(user: User) -> list[Row]:
    rows = db.session.execute(
        select(Proposal, Process.title)
        .join(Process, Process.id == Proposal.process_id)
        .where(Proposal.author_id == user.id)
        .order_by(Proposal.id)
    )
    return [
        {
            "id": p.id,
            "proceso": process,
            "titulo": p.title,
            "texto": p.body,
            "categoria": p.category,
            "estado": p.state,
            "apoyos": p.supports_count,
            "enviada": p.created_at,
            "retirada": p.withdrawn_at,
            "respuesta": p.answer,
            "respondida": p.answered_at,
            "oculta_por_moderacion": p.hidden_at,
        }
        for p, process in rows
    ]


@section("apoyos", _l("Propuestas que apoyaste"))
def _supports(user: User) -> list[Row]:
    rows = db.session.execute(
        select(Support.created_at, Proposal.id, Proposal.title)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .where(Support.user_id == user.id)
        .order_by(Support.id)
    )
    return [{"propuesta_id": pid, "propuesta": title, "fecha": when} for when, pid, title in rows]


@section("comentarios", _l("Tus comentarios"))
def _comments(user: User) -> list[Row]:
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    return [
        {
            "id": c.id,
            "sobre": c.target_type,
            "sobre_id": c.target_id,
            "respuesta_a": c.parent_id,
            "texto": c.body,
            "fecha": c.created_at,
            "oculto_por_moderacion": c.hidden_at,
        }
        for c in comments
    ]


@section("seguimientos", _l("Lo que sigues"))
def _follows(user: User) -> list[Row]:
    processes = db.session.execute(
        select(Follow.created_at, Process.id, Process.title)
        .join(Process, Process.id == Follow.process_id)
        .where(Follow.user_id == user.id)
        .order_by(Follow.id)
    )
    items = db.session.execute(
        select(ExecutionItem.id, ExecutionItem.title)
        .select_from(ItemFollow)
        .join(ExecutionItem, ExecutionItem.id == ItemFollow.item_id)
        .where(ItemFollow.user_id == user.id)
        .order_by(ItemFollow.id)
    )
    return [
        {"tipo": "proceso", "id": i, "titulo": t, "desde": when} for when, i, t in processes
    ] + [{"tipo": "obra", "id": i, "titulo": t, "desde": None} for i, t in items]


@section("boletas", _l("Tus votos"))
def _ballots(user: User) -> list[Row]:
    """One row per project chosen on each ballot of the account (a ballot left empty has
    one row without a project); the receipt itself is never stored, only whether there is
    one."""
    ballots = db.session.execute(
        select(Ballot, Budget.title, Budget.currency, Process.title)
        .join(Budget, Budget.id == Ballot.budget_id)
        .join(Process, Process.id == Budget.process_id)
        .where(Ballot.user_id == user.id)
        .order_by(Ballot.id)
    ).all()
    rows: list[Row] = []
    for ballot, budget, currency, process in ballots:
        base = {
            "boleta": ballot.public_id,
            "proceso": process,
            "presupuesto": budget,
            "canal": ballot.channel,
            "emitida": ballot.created_at,
            "cambiada": ballot.updated_at,
            "con_comprobante": ballot.receipt_hash is not None,
            "estado": "cuenta",
        }
        items = db.session.execute(
            select(BallotItem, Project.title, Project.cost)
            .join(Project, Project.id == BallotItem.project_id)
            .where(BallotItem.ballot_id == ballot.id)
            .order_by(BallotItem.rank, Project.title)
        ).all()
        choices: list[tuple[BallotItem | None, str | None, int | None]] = [
            (item, title, cost) for item, title, cost in items
        ] or [(None, None, None)]
        for item, title, cost in choices:
            rows.append(
                base
                | {
                    "proyecto": title,
                    "costo": cost,
                    "moneda": currency if item else None,
                    "puntos": item.points if item else None,
                    "lugar": item.rank if item else None,
                }
            )
    annulled = db.session.execute(
        select(AnnulledBallot, Budget.title)
        .join(Budget, Budget.id == AnnulledBallot.budget_id)
        .where(AnnulledBallot.user_id == user.id)
        .order_by(AnnulledBallot.id)
    )
    for copy, budget in annulled:
        for choice in copy.choices or [{}]:
            project = db.session.get(Project, choice["project_id"]) if choice else None
            rows.append(
                {
                    "boleta": copy.public_id,
                    "presupuesto": budget,
                    "canal": copy.channel,
                    "emitida": copy.cast_at,
                    "cambiada": copy.updated_at,
                    "con_comprobante": copy.receipt_hash is not None,
                    "estado": "anulada",
                    "proyecto": project.title if project else None,
                    "costo": project.cost if project else None,
                    "puntos": choice.get("points"),
                    "lugar": choice.get("rank"),
                }
            )
    return rows


#: The link mailed to the new address of an e-mail change: written under the asking account
#: only when no other account uses that address, so it would tell which addresses do
#: (where one is used, its owner is told instead, under their own account).
TO_ANOTHER_ADDRESS = (email_change.LINK,)


@section("notificaciones", _l("Avisos que te enviamos"))
def _notifications(user: User) -> list[Row]:
    notes = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.kind.not_in(TO_ANOTHER_ADDRESS))
        .order_by(Notification.id)
    )
    return [
        {
            "tipo": n.kind,
            "asunto": n.subject,
            "texto": n.body,  # a sealed secret stays out: the body holds a placeholder
            "creado": n.created_at,
            "enviado": n.sent_at,
            "en_la_aplicacion": n.in_app,
            "leido": n.read_at,
        }
        for n in notes
    ]


@section("preferencias_de_avisos", _l("Avisos que apagaste"))
def _opt_outs(user: User) -> list[Row]:
    rows = db.session.scalars(
        select(NotificationOptOut)
        .where(NotificationOptOut.user_id == user.id)
        .order_by(NotificationOptOut.topic, NotificationOptOut.channel)
    )
    return [{"tema": o.topic, "canal": o.channel} for o in rows]


@section("reportes", _l("Contenido que reportaste"))
def _reports(user: User) -> list[Row]:
    rows = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    )
    return [
        {
            "sobre": r.content_type,
            "sobre_id": r.content_id,
            "motivo": r.reason,
            "fecha": r.created_at,
        }
        for r in rows
    ]


@section("avisos_aceptados", _l("Avisos de privacidad y términos que aceptaste"))
def _consents(user: User) -> list[Row]:
    rows = db.session.scalars(
        select(Consent).where(Consent.user_id == user.id).order_by(Consent.accepted_at)
    )
    return [{"documento": c.kind, "version": c.version, "aceptado": c.accepted_at} for c in rows]


@section("solicitudes", _l("Tus solicitudes sobre tus datos"))
def _data_requests(user: User) -> list[Row]:
    rows = db.session.scalars(
        select(DataRequest).where(DataRequest.user_id == user.id).order_by(DataRequest.id)
    )
    return [
        {
            "numero": r.id,
            "tipo": r.kind,
            "tratamiento": r.processing,
            "detalle": r.details,
            "estado": r.status,
            "presentada": r.created_at,
            "fecha_limite": r.due_on,
            "respuesta": r.answer,
            "respondida": r.answered_at,
        }
        for r in rows
    ]


@section("sesiones", _l("Sesiones abiertas"))
def _sessions(user: User) -> list[Row]:
    started = db.session.scalars(
        select(UserSession.created_at)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.created_at)
    )
    return [{"iniciada": when} for when in started]  # never the tokens' hashes


@section("registro", _l("Registro de acciones sobre tu cuenta"))
def _log(user: User) -> list[Row]:
    entries = db.session.scalars(
        select(ActionLog)
        .where(
            or_(
                ActionLog.actor_id == user.id,
                (ActionLog.target_type == "users") & (ActionLog.target_id == user.id),
            )
        )
        .order_by(ActionLog.id)
    )
    return [
        {
            "accion": e.action,
            "fecha": e.created_at,
            "sobre": e.target_type,
            "sobre_id": e.target_id,
            "por_ti": e.actor_id == user.id,
            "antes": json.dumps(e.before, ensure_ascii=False) if e.before else None,
            "despues": json.dumps(e.after, ensure_ascii=False) if e.after else None,
        }
        for e in entries
    ]


def collect(user: User) -> dict[str, list[Row]]:
    """Every section's rows, with plain JSON values."""
    return {
        s.key: [{k: _plain(v) for k, v in row.items()} for row in s.rows(user)] for s in SECTIONS
    }


def _csv(rows: list[Row]) -> str:
    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_cell(row.get(k))) for k in columns])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("sí") if value else _("no")
    return value


def _readme() -> str:
    listing = "\n".join(f"- {s.key}.csv: {s.title}" for s in SECTIONS)
    return (
        "\n\n".join(
            [
                _("Tus datos en Participa"),
                _(
                    "datos.json tiene todo lo que guardamos de tu cuenta; "
                    "cada archivo CSV, una parte:"
                ),
                listing,
                _(
                    "No incluye las huellas (hashes) de tu documento del padrón, los "
                    "códigos de tus comprobantes de voto ni las contraseñas o enlaces (solo "
                    "guardamos sus huellas), ni nada de otras personas."
                ),
            ]
        )
        + "\n"
    )


def build_archive(user: User, path: Any, generated_at: datetime) -> None:
    """Write the ZIP of ``user``'s data to ``path``."""
    data = collect(user)
    document = {"generado": generated_at.isoformat(), "cuenta": user.id, **data}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LEEME.txt", _readme())
        archive.writestr("datos.json", json.dumps(document, ensure_ascii=False, indent=2))
        for s in SECTIONS:
            archive.writestr(f"{s.key}.csv", _csv(data[s.key]))
