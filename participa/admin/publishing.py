"""Administration: publish a draft process, take it back while nothing public depends on
it, and publish its open data now. Each action is a POST with CSRF, confirmed first on a
page of its own (GET), which works without JavaScript."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participa.admin.forms import ConfirmForm
from participa.admin.views import bp
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


def _confirmation(process: Process, action: str, error: DomainError | None = None):
    """The page that asks "¿Publicar…?" (or why it cannot be done), with the POST form."""
    reasons = unpublish_blockers(process) if action == "despublicar" else []
    page = render_template(
        "admin/publish_confirm.html",
        process=process,
        action=action,
        reasons=error.details if error else reasons,
        error=error,
        form=ConfirmForm(),
    )
    return (page, error.status_code) if error else page


@bp.get("/procesos/<int:process_id>/<any(publicar, despublicar):action>")
def confirm_publication(process_id: int, action: str):
    """Ask before publishing or unpublishing (nothing changes on a GET)."""
    return _confirmation(_process(process_id), action)


@bp.post("/procesos/<int:process_id>/<any(publicar, despublicar):action>")
def change_publication(process_id: int, action: str):
    """Publish the draft, or make it a draft again; a refusal is shown on the confirmation
    page with its reasons, beside the button."""
    process = _process(process_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        if action == "publicar":
            publication.publish(process, current_user)
        else:
            publication.unpublish(process, current_user)
    except DomainError as error:
        db.session.rollback()
        return _confirmation(process, action, error)
    db.session.commit()
    if action == "publicar":
        flash(_("Proceso publicado: ya es visible para todas las personas."), "success")
    else:
        flash(_("El proceso volvió a ser un borrador: solo el personal lo ve."), "success")
    return redirect(url_for("admin.process", process_id=process.id), code=303)


@bp.get("/procesos/<int:process_id>/datos-abiertos/publicar")
def confirm_open_data(process_id: int):
    """Ask before publishing a new version of the process's open data now."""
    process = _process(process_id)
    return render_template(
        "admin/opendata_confirm.html",
        process=process,
        latest=latest_publication(process.id),
        form=ConfirmForm(),
    )


@bp.post("/procesos/<int:process_id>/datos-abiertos/publicar")
def publish_open_data(process_id: int):
    """Publish the process's open data now (a task, sent after the commit). A draft has no
    public data: refused."""
    process = _process(process_id)
    if not ConfirmForm().validate():
        abort(400)
    if not process.is_published:
        page = render_template(
            "admin/opendata_confirm.html",
            process=process,
            latest=latest_publication(process.id),
            form=ConfirmForm(),
        )
        return page, 409
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
