"""Administration of the legal documents (edit, preview, publish a new version) and of the
residents' rectification and opposition requests (list, answer).

Registered on the administration blueprint (``admin.views.bp``, whose guard admits only
administrators); the module is imported where the blueprints are registered.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participa.admin.views import bp
from participa.confirmation import Question, confirm_first
from participa.errors import DomainError
from participa.extensions import db
from participa.legal import documents
from participa.legal import requests as data_requests
from participa.legal.forms import AnswerForm, DocumentForm
from participa.legal.models import DataRequest, DocumentKind, RequestStatus
from participa.legal.text import blocks
from participa.legal.views import SLUGS
from participa.views_common import keep_form

PREVIEW = "vista_previa"


@bp.get("/avisos-legales")
def legal_documents():
    return render_template(
        "legal/admin_documents.html",
        current=[(kind, documents.current(kind)) for kind in DocumentKind],
    )


def _kind(document: str) -> DocumentKind:
    kind = SLUGS.get(document)
    if kind is None:
        abort(404)
    return kind


def _ask_publish(document: str) -> Question | None:
    """Publishing asks first; a preview, or a text the form refuses, does not."""
    kind = _kind(document)
    if request.form.get(PREVIEW) or not DocumentForm().validate():
        return None
    in_force = documents.current(kind)
    label = documents.KIND_LABELS[kind]
    return Question(
        _(
            "¿Publicar la versión %(n)d de «%(doc)s»?",
            n=in_force.version + 1,
            doc=label,
        ),
        _("Sí, publicar la versión %(n)d", n=in_force.version + 1),
        url_for("admin.edit_legal_document", document=document),
        details=_("Una versión publicada ya no se puede cambiar: solo reemplazar por otra."),
        consequences=(
            _("La versión %(n)d sigue disponible en su propia dirección.", n=in_force.version),
            _("Quien tenga cuenta deberá aceptar la nueva versión la próxima vez que entre.")
            if kind != DocumentKind.PRIVACY_SHORT
            else _("El aviso simplificado nuevo se muestra junto a cada formulario."),
        ),
        danger=False,
        crumbs=(
            (url_for("admin.dashboard"), _("Administración")),
            (url_for("admin.legal_documents"), _("Avisos legales")),
            (None, str(label)),
        ),
    )


@bp.route(
    "/avisos-legales/<any(privacidad, 'privacidad-simplificado', terminos):document>",
    methods=["GET", "POST"],
)
@confirm_first(_ask_publish)
def edit_legal_document(document: str):
    """The text of a new version, a preview of it, and publishing it (asks first)."""
    kind = _kind(document)
    in_force = documents.current(kind)
    form = DocumentForm(data={"body": in_force.body} if request.method == "GET" else None)
    preview = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        elif request.form.get(PREVIEW):
            preview = blocks(form.body.data)
        else:
            try:
                published = documents.publish(kind, form.body.data, actor=current_user)
            except DomainError as error:
                status = keep_form(form, error)
            else:
                db.session.commit()
                flash(
                    _(
                        "Publicaste la versión %(n)d de «%(doc)s».",
                        n=published.version,
                        doc=documents.KIND_LABELS[kind],
                    ),
                    "success",
                )
                return redirect(url_for("admin.legal_documents"), 303)
    return render_template(
        "legal/admin_edit.html",
        form=form,
        kind=kind,
        document=document,
        in_force=in_force,
        preview=preview,
        preview_field=PREVIEW,
    ), status


# ───────────── requests ─────────────


@bp.get("/solicitudes")
def data_requests_list():
    status = request.args.get("estado")
    if status not in {s.value for s in RequestStatus}:
        status = None
    return render_template(
        "legal/admin_requests.html",
        items=data_requests.listing(status),
        status=status,
        pending=data_requests.pending_count(),
        labels=data_requests,
    )


@bp.route("/solicitudes/<int:request_id>", methods=["GET", "POST"])
def data_request(request_id: int):
    item = db.get_or_404(DataRequest, request_id)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                data_requests.answer(
                    item,
                    accepted=form.verdict.data == "accepted",
                    text=form.answer.data,
                    actor=current_user,
                )
            except DomainError as error:
                status = keep_form(form, error)
            else:
                db.session.commit()
                flash(_("Respondiste la solicitud n.º %(n)d.", n=item.id), "success")
                return redirect(url_for("admin.data_requests_list"), 303)
        else:
            status = 422
    return render_template(
        "legal/admin_request.html", item=item, form=form, labels=data_requests
    ), status
