"""Public legal pages (the privacy notice, complete and simplified, the terms of use and
their versions), the page that asks a signed-in person to accept a new version, and a
resident's rectification and opposition requests."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participa import ops
from participa.errors import DomainError
from participa.extensions import db
from participa.legal import documents
from participa.legal import requests as data_requests
from participa.legal.forms import AcceptForm, DataRequestForm
from participa.legal.models import DataRequest, DocumentKind
from participa.legal.text import blocks
from participa.views_common import keep_form, safe_next

bp = Blueprint("legal", __name__)

#: The address part of each document.
SLUGS = {
    "privacidad": DocumentKind.PRIVACY,
    "privacidad-simplificado": DocumentKind.PRIVACY_SHORT,
    "terminos": DocumentKind.TERMS,
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}
ACCEPT_ENDPOINT = "legal.accept"
#: What a person who has a version to accept may still open.
OPEN_WHILE_PENDING = {
    "static",
    "accounts.logout",
    "accounts.logout_everywhere",
    "accounts.set_language",
    # one who does not accept the new versions may still exercise their rights: leave
    # (delete the account), take their data with them, stop the optional notices
    "accounts.account",
    "accounts.delete_account",
    "accounts.my_data",
    "accounts.download_my_data",
    "notifications.settings",
    # mailed links only move their token into the session: never into another address
    "accounts.open_confirmation",
    "accounts.open_reset",
    "profile.open_email_change",
    ACCEPT_ENDPOINT,
}


@bp.app_context_processor
def _legal_helpers() -> dict:
    return {
        "legal_blocks": blocks,
        "legal_kind_labels": documents.KIND_LABELS,
        "legal_slug": SLUG_OF,
        "legal_simplified": lambda: documents.shown(documents.current(DocumentKind.PRIVACY_SHORT)),
        "legal_shown": documents.shown,
        "legal_pending_requests": data_requests.pending_count,
    }


@bp.before_app_request
def ask_to_accept_new_versions():
    """A signed-in person who has not accepted the privacy notice or terms in force is
    sent to accept them (pages only: GET; the legal pages, signing out, changing the
    language, static files, the API and the health, readiness and metrics endpoints stay
    open)."""
    if request.method != "GET" or not current_app.config.get("LEGAL_ACCEPTANCE_REQUIRED", True):
        return None
    endpoint = request.endpoint
    if (
        not endpoint  # an unknown address: its 404
        or endpoint in OPEN_WHILE_PENDING
        or endpoint.startswith(("legal.", "api", "static", *ops.ENDPOINT_PREFIXES))
        or not current_user.is_authenticated
    ):
        return None
    if not documents.pending_for(current_user.id):
        return None
    return redirect(url_for(ACCEPT_ENDPOINT, next=request.full_path.rstrip("?")))


def _document_page(kind: str, document, *, old: bool = False):
    return render_template(
        "legal/document.html",
        kind=kind,
        document=document,
        in_force=documents.current(kind) if old else document,
        old=old,
    )


@bp.get("/privacidad")
def privacy():
    return _document_page(DocumentKind.PRIVACY, documents.current(DocumentKind.PRIVACY))


@bp.get("/privacidad/simplificado")
def privacy_short():
    kind = DocumentKind.PRIVACY_SHORT
    return _document_page(kind, documents.current(kind))


@bp.get("/terminos")
def terms():
    return _document_page(DocumentKind.TERMS, documents.current(DocumentKind.TERMS))


@bp.get("/privacidad/versiones")
def versions():
    """Every version of every legal document, each at its own address."""
    return render_template(
        "legal/versions.html",
        histories=[(kind, documents.versions(kind)) for kind in DocumentKind],
    )


@bp.get("/avisos/<any(privacidad, 'privacidad-simplificado', terminos):document>/<int:number>")
def old_version(document: str, number: int):
    kind = SLUGS[document]
    found = documents.version(kind, number)
    if found is None:
        abort(404)
    return _document_page(kind, found, old=True)


@bp.route("/aceptar-avisos", methods=["GET", "POST"])
@login_required
def accept():
    """The privacy notice or terms changed (or were never accepted): accept to go on."""
    back = safe_next(request.values.get("next"))
    pending = documents.pending_for(current_user.id)
    if not pending:
        return redirect(back)
    form = AcceptForm()
    current = {kind: documents.current(kind) for kind in pending}
    shown = ",".join(f"{kind}:{doc.version}" for kind, doc in sorted(current.items()))
    if form.is_submitted() and form.shown.data != shown:  # a version published meanwhile
        form.accept.errors = [
            _("Mientras leías se publicó una versión nueva: léela y acéptala de nuevo.")
        ]
        form.accept.data = False
    elif form.validate_on_submit():
        accepted = documents.accept(current_user.id, pending)
        db.session.commit()
        flash(
            _(
                "Gracias: aceptaste %(documents)s.",
                documents=", ".join(
                    _("%(doc)s (versión %(n)d)", doc=documents.KIND_LABELS[k], n=n)
                    for k, n in accepted.items()
                ),
            ),
            "success",
        )
        return redirect(back, 303)
    form.shown.data = shown
    return render_template(
        "legal/accept.html", form=form, pending=current, back=back
    ), 422 if form.is_submitted() else 200


# ───────────── rectification and opposition ─────────────


def _requests_page(form: DataRequestForm, status: int = 200):
    return render_template(
        "legal/my_requests.html",
        form=form,
        requests=data_requests.of_user(current_user.id),
        labels=data_requests,
    ), status


@bp.route("/cuenta/solicitudes", methods=["GET", "POST"])
@login_required
def my_requests():
    """Ask to rectify data or oppose a processing; the requests made, with their answer."""
    form = DataRequestForm()
    if not form.validate_on_submit():
        return _requests_page(form, 422 if form.errors else 200)
    try:
        made = data_requests.create(
            current_user,
            kind=form.kind.data,
            processing=form.processing.data or None,
            details=form.details.data,
        )
    except DomainError as error:
        return _requests_page(form, keep_form(form, error))
    db.session.commit()
    flash(
        _(
            "Recibimos tu solicitud n.º %(n)d. La responderemos a más tardar el %(day)s.",
            n=made.id,
            day=format_date(made.due_on, format="medium"),
        ),
        "success",
    )
    return redirect(url_for("legal.my_request", request_id=made.id), 303)


@bp.get("/cuenta/solicitudes/<int:request_id>")
@login_required
def my_request(request_id: int):
    found = db.session.get(DataRequest, request_id)
    if found is None or found.user_id != current_user.id:
        abort(404)  # another person's request does not exist for this one
    return render_template("legal/my_request.html", item=found, labels=data_requests)
