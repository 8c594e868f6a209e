"""Administration: publish a draft process, take it back while nothing public depends on
it, and publish its open data now. Each action is a POST with CSRF, confirmed first on a
page of its own (GET), which works without JavaScript; a POST not confirmed shows the same
page (:mod:`participa.confirmation`)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participa.admin.views import bp
from participa.confirmation import Question, ask_page, confirm_first
from participa.errors import DomainError
from participa.extensions import db
from participa.opendata.services import latest_publication
from participa.opendata.tasks import queue_publication
from participa.processes import publication
from participa.processes.models import Process
from participa.unit_of_work import after_commit

ACTIONS = ("publicar", "despublicar")


@bp.app_template_global()
def unpublish_blockers(process: Process) -> list[str]:
    """Why ``process`` cannot be unpublished (shown beside the button); empty if it can."""
    return publication.public_dependencies(process) if process.is_published else []


def _process(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


def _crumbs(process: Process, last: str) -> tuple[tuple[str | None, str], ...]:
    return (
        (url_for("admin.dashboard"), _("Administración")),
        (url_for("admin.process", process_id=process.id), process.title),
        (None, last),
    )


def _ask_publication(process_id: int, action: str) -> Question:
    """ "¿Publicar…?" (or "¿Despublicar…?"), or why it cannot be done, with the reasons."""
    process = _process(process_id)
    publishing = action == "publicar"
    reasons = unpublish_blockers(process) if not publishing else []
    refusal = None
    if publishing and process.is_published:
        refusal = _("Este proceso ya está publicado.")
    elif not publishing and not process.is_published:
        refusal = _("Este proceso ya es un borrador.")
    elif reasons:
        refusal = _(
            "No se puede despublicar: hay participación o datos públicos que dependen de él."
        )
    if publishing:
        return Question(
            _("¿Publicar «%(title)s»?", title=process.title),
            _("Sí, publicar"),
            url_for("admin.process", process_id=process.id),
            details=_(
                "Al publicarlo, todas las personas lo verán: en la página de inicio, en su "
                "página, en la API y en los datos abiertos. Los residentes podrán participar "
                "en cada fase según sus fechas, y quienes lo sigan recibirán avisos."
            ),
            refusal=refusal,
            danger=False,
            irreversible=False,
            crumbs=_crumbs(process, _("Publicar")),
            template="admin/publish_confirm.html",
            context={"process": process, "reasons": reasons},
        )
    return Question(
        _("¿Despublicar «%(title)s»?", title=process.title),
        _("Sí, volver a borrador"),
        url_for("admin.process", process_id=process.id),
        details=_(
            "Volverá a ser un borrador: solo el personal lo verá. Solo es posible mientras "
            "nadie haya participado en él y no se haya publicado nada suyo."
        ),
        refusal=refusal,
        irreversible=False,
        crumbs=_crumbs(process, _("Despublicar")),
        template="admin/publish_confirm.html",
        context={"process": process, "reasons": reasons},
    )


@bp.get("/procesos/<int:process_id>/<any(publicar, despublicar):action>")
def confirm_publication(process_id: int, action: str):
    """Ask before publishing or unpublishing (nothing changes on a GET)."""
    return ask_page(
        _ask_publication(process_id, action),
        url_for("admin.change_publication", process_id=process_id, action=action),
    )


@bp.post("/procesos/<int:process_id>/<any(publicar, despublicar):action>")
@confirm_first(_ask_publication)
def change_publication(process_id: int, action: str):
    """Publish the draft, or make it a draft again; a refusal is shown on the confirmation
    page with its reasons, beside the button."""
    process = _process(process_id)
    ask = _ask_publication(process_id, action)
    try:
        if action == "publicar":
            publication.publish(process, current_user)
        else:
            publication.unpublish(process, current_user)
    except DomainError as error:
        db.session.rollback()
        if error.details:
            ask = replace(ask, context={**ask.context, "reasons": error.details})
        return ask_page(
            ask,
            url_for("admin.change_publication", process_id=process_id, action=action),
            status=error.status_code,
            refusal=ask.refusal or error.message,
        )
    db.session.commit()
    if action == "publicar":
        flash(_("Proceso publicado: ya es visible para todas las personas."), "success")
    else:
        flash(_("El proceso volvió a ser un borrador: solo el personal lo ve."), "success")
    return redirect(url_for("admin.process", process_id=process.id), code=303)


def _ask_open_data(process_id: int) -> Question:
    process = _process(process_id)
    return Question(
        _("¿Publicar ahora los datos abiertos de «%(title)s»?", title=process.title),
        _("Sí, publicar ahora"),
        url_for("admin.process", process_id=process.id),
        details=_(
            "Se escribe una nueva versión con los datos de este momento, si cambiaron desde "
            "la última. Lo que la fase actual oculta (conteos, boletas, propuestas "
            "ocultadas) sigue oculto."
        ),
        refusal=None
        if process.is_published
        else _("Un borrador no tiene datos públicos: publica primero el proceso."),
        danger=False,
        crumbs=(
            (url_for("opendata.portal"), _("Datos abiertos")),
            (url_for("admin.process", process_id=process.id), process.title),
            (None, _("Publicar ahora")),
        ),
        template="admin/opendata_confirm.html",
        context={"latest": latest_publication(process.id)},
    )


@bp.get("/procesos/<int:process_id>/datos-abiertos/publicar")
def confirm_open_data(process_id: int):
    """Ask before publishing a new version of the process's open data now."""
    return ask_page(
        _ask_open_data(process_id),
        url_for("admin.publish_open_data", process_id=process_id),
    )


@bp.post("/procesos/<int:process_id>/datos-abiertos/publicar")
@confirm_first(_ask_open_data)
def publish_open_data(process_id: int):
    """Publish the process's open data now (a task, sent after the commit). A draft has no
    public data: refused."""
    process = _process(process_id)
    if not process.is_published:
        return ask_page(
            _ask_open_data(process_id),
            url_for("admin.publish_open_data", process_id=process_id),
            status=409,
        )
    after_commit(partial(queue_publication, process.id, "manual"))
    db.session.commit()
    flash(
        _(
            "Se pidió una nueva versión de los datos abiertos; aparece aquí en cuanto está "
            "lista (si nada cambió desde la última versión, no se crea otra)."
        ),
        "success",
    )
    return redirect(url_for("opendata.process_data", slug=process.slug), code=303)
