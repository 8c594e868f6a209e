"""The census upload (administrators) and residency verification (residents)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participa import csvfiles
from participa.census import ballots, importing, verification
from participa.census.forms import CensusUploadForm, VerifyForm
from participa.census.models import Identity
from participa.errors import DomainError
from participa.extensions import db
from participa.guards import is_admin, staff_only
from participa.views_common import keep_form, safe_next

bp = Blueprint("census", __name__)


def _admin_page():
    conflicts = verification.identity_conflicts()
    return {
        "conflicts": conflicts,
        "annulled": ballots.annulled_ballots(),
        "size": importing.census_size(),
    }


@bp.route("/admin/padron", methods=["GET", "POST"])
@staff_only(is_admin)
def admin_census():
    form = CensusUploadForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("census/admin.html", form=form, **_admin_page()), status
    try:
        upload = form.file.data
        text, note = csvfiles.read_upload(upload.read()) if upload else (form.text.data, None)
        result = importing.import_census(text, actor=current_user)
    except importing.CensusErrors as error:
        db.session.rollback()
        page = render_template("census/admin.html", form=form, error=error, **_admin_page())
        return page, error.status_code
    except DomainError as error:  # beside the file (or the pasted text), as it was sent
        error.field = error.field or ("file" if form.file.data else "text")
        status = keep_form(form, error)
        return render_template("census/admin.html", form=form, **_admin_page()), status
    db.session.commit()
    flash(
        _(
            "Padrón importado: %(rows)d filas, %(added)d documentos nuevos, "
            "%(updated)d actualizados.",
            rows=result.rows,
            added=result.added,
            updated=result.updated,
        ),
        "success",
    )
    if note:
        flash(note, "info")
    return redirect(url_for("census.admin_census"), code=303)


@bp.route("/verificacion", methods=["GET", "POST"])
@login_required
def verify():
    form = VerifyForm()
    identity = (
        db.session.get(Identity, current_user.identity_id) if current_user.is_verified else None
    )
    back = safe_next(request.args.get("next"), url_for("census.verify"))
    if current_user.is_verified or not form.validate_on_submit():
        status = 422 if form.errors and not current_user.is_verified else 200
        return render_template("census/verify.html", form=form, identity=identity), status
    try:
        result = verification.verify(current_user, form.document.data, form.birth_date.data)
    except DomainError as error:  # nothing changed; said beside the document, as typed
        error.field = error.field or "document"
        status = keep_form(form, error)
        return render_template("census/verify.html", form=form), status
    db.session.commit()  # the verification, or the refused attempt's record (it counts)
    if result.refused is not None:  # beside the document, with what was typed
        refused = result.refused
        refused.field = refused.field or "document"
        status = keep_form(form, refused)
        return render_template("census/verify.html", form=form), status
    district = result.district.name if result.district else _("sin distrito")
    flash(_("Verificamos tu residencia. Tu distrito: %(district)s.", district=district), "success")
    for note in result.notes:
        flash(note, "warning")
    return redirect(back, code=303)
