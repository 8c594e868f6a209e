"""Rectification and opposition requests (ARCO rights): a resident asks, an administrator
answers (accepted, or refused with a reason) within the legal deadline, and the resident is
notified. Every step is in the action log, without the request's text. Services flush,
never commit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participa.accounts.access import site_url
from participa.accounts.models import User
from participa.audit.services import log
from participa.db import utcnow
from participa.errors import Conflict, Invalid, about
from participa.extensions import db
from participa.formatting import platform_language
from participa.legal.models import (
    ANSWER_MAX,
    DETAILS_MAX,
    DataRequest,
    Processing,
    RequestKind,
    RequestStatus,
)
from participa.notifications.services import notify

#: LGPDPPSO, art. 51: a request is answered within 20 business days.
BUSINESS_DAYS_TO_ANSWER = 20
ANSWERED = "data_request_answered"  # the notification's kind

KIND_LABELS = {
    RequestKind.RECTIFY_CENSUS: _l("Rectificar mis datos de verificación de residencia"),
    RequestKind.RECTIFY_ACCOUNT: _l("Rectificar los datos de mi cuenta"),
    RequestKind.OPPOSE: _l("Oponerme a un uso de mis datos"),
}
PROCESSING_LABELS = {
    Processing.PUBLIC_NAME: _l("Que se muestre mi nombre junto a mis propuestas y comentarios"),
    Processing.OPTIONAL_EMAIL: _l("Que me envíen correos que no son indispensables"),
    Processing.STATISTICS: _l("Que mis datos se usen en estadísticas de participación"),
}
STATUS_LABELS = {
    RequestStatus.PENDING: _l("En trámite"),
    RequestStatus.ACCEPTED: _l("Procedente"),
    RequestStatus.REFUSED: _l("Improcedente"),
}


def business_days_after(start: date, days: int = BUSINESS_DAYS_TO_ANSWER) -> date:
    """The day ``days`` business days (Monday to Friday) after ``start``. Official
    holidays are not known here: the deadline shown may be a little early, never late."""
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def create(user: Any, *, kind: str, processing: str | None, details: str) -> DataRequest:
    """A new request of ``user``; logged (without its text)."""
    if kind not in {k.value for k in RequestKind}:
        raise about("kind", Invalid(_("Elige qué quieres solicitar.")))
    if kind == RequestKind.OPPOSE:
        if processing not in {p.value for p in Processing}:
            raise about("processing", Invalid(_("Elige el uso de tus datos al que te opones.")))
    else:
        processing = None
    details = (details or "").strip()
    if len(details) < 10:
        raise about(
            "details",
            Invalid(
                _("Explica tu solicitud en al menos 10 caracteres: qué dato y cómo debe quedar.")
            ),
        )
    if len(details) > DETAILS_MAX:
        raise about(
            "details", Invalid(_("La explicación admite a lo más %(n)d caracteres.", n=DETAILS_MAX))
        )
    now = utcnow()
    request = DataRequest(
        user_id=user.id,
        kind=kind,
        processing=processing,
        details=details,
        status=RequestStatus.PENDING,
        created_at=now,
        due_on=business_days_after(now.date()),
    )
    db.session.add(request)
    db.session.flush()
    log("data_request.created", request, actor=user, after={"kind": kind, "processing": processing})
    return request


def answer(request: DataRequest, *, accepted: bool, text: str, actor: Any) -> DataRequest:
    """Answer a pending request; the resident is notified; logged (without the texts)."""
    if not request.is_pending:
        raise Conflict(_("Esta solicitud ya tiene respuesta."))
    if db.session.scalar(select(User.deleted_at).where(User.id == request.user_id)):
        raise Conflict(
            _(
                "La persona eliminó su cuenta: ya no hay a quién responder, y no se guarda "
                "nada más sobre ella."
            )
        )
    text = (text or "").strip()
    if not text:
        message = (
            _("Escribe la respuesta: qué se hizo.")
            if accepted
            else _("Escribe el motivo por el que no procede.")
        )
        raise about("answer", Invalid(message))
    if len(text) > ANSWER_MAX:
        raise about(
            "answer", Invalid(_("La respuesta admite a lo más %(n)d caracteres.", n=ANSWER_MAX))
        )
    request.status = RequestStatus.ACCEPTED if accepted else RequestStatus.REFUSED
    request.answer = text
    request.answered_at = utcnow()
    request.answered_by_id = getattr(actor, "id", None)
    db.session.flush()
    log(
        "data_request.answered",
        request,
        actor=actor,
        after={"kind": request.kind, "status": request.status},
    )
    with platform_language():
        verdict = _("procedente") if accepted else _("improcedente")
        notify(
            [request.user_id],
            ANSWERED,
            _("Respondimos tu solicitud sobre tus datos"),
            _(
                "Tu solicitud n.º %(n)d sobre tus datos personales fue respondida: es "
                "%(verdict)s.\n\n%(answer)s\n\nConsulta tus solicitudes en %(link)s",
                n=request.id,
                verdict=verdict,
                answer=text,
                link=site_url("legal.my_requests"),
            ),
            link=url_for("legal.my_request", request_id=request.id),
        )
    return request


# ───────────── reading ─────────────


def of_user(user_id: int) -> list[DataRequest]:
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.user_id == user_id)
            .order_by(DataRequest.id.desc())
        )
    )


def listing(status: str | None = None, limit: int = 200) -> list[DataRequest]:
    """The requests for administrators: the pending first (the oldest first), then the
    answered (the newest first)."""
    stmt = select(DataRequest)
    if status:
        stmt = stmt.where(DataRequest.status == status)
    pending_first = (DataRequest.status != RequestStatus.PENDING).asc()
    stmt = stmt.order_by(pending_first, DataRequest.due_on.asc(), DataRequest.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def pending_count() -> int:
    return (
        db.session.scalar(
            select(func.count(DataRequest.id)).where(DataRequest.status == RequestStatus.PENDING)
        )
        or 0
    )


def is_overdue(request: DataRequest, today: date | None = None) -> bool:
    today = today or utcnow().date()
    return request.is_pending and request.due_on < today
