"""The ARCO pages of one's account: download my data (access) and delete my account
(cancellation). Routes on the accounts blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from participa.accounts import deletion, exports
from participa.accounts.data_forms import DeleteAccountForm
from participa.accounts.deletion import ContentChoice
from participa.accounts.export_tasks import queue_export
from participa.accounts.forms import EmptyForm
from participa.accounts.views import bp, end_session
from participa.confirmation import Question, confirm_first
from participa.db import utcnow
from participa.errors import DomainError
from participa.extensions import db
from participa.storage import storage
from participa.views_common import keep_form

# ───────────── download my data ─────────────


def _data_page(form: EmptyForm, status: int = 200):
    latest = exports.latest(current_user)
    return render_template(
        "accounts/my_data.html",
        form=form,
        export=latest,
        next_allowed=exports.next_allowed(current_user),
        lifetime_days=max(1, round(exports.lifetime().total_seconds() / 86400)),
        now=utcnow(),
    ), status


@bp.route("/cuenta/mis-datos", methods=["GET", "POST"])
@login_required
def my_data():
    """GET: the state of the latest archive (being prepared, ready to download, expired).
    POST: ask for a new one (one a day); the worker builds it."""
    if request.method == "GET":
        if exports.purge_expired(current_user):
            db.session.commit()  # its file goes now, not at the next hourly purge
        return _data_page(EmptyForm(formdata=None))
    form = EmptyForm()
    if not form.validate_on_submit():
        return _data_page(form, 400)
    try:
        exports.request_export(current_user, queue_export)
    except DomainError as error:
        return _data_page(form, keep_form(form, error))
    db.session.commit()  # the worker is asked after this
    flash(
        _("Estamos preparando el archivo con tus datos. Te avisaremos cuando esté listo."),
        "success",
    )
    return redirect(url_for("accounts.my_data"), 303)


@bp.get("/cuenta/mis-datos/<int:export_id>/descargar")
@login_required
def download_my_data(export_id: int):
    """The archive, to its owner only, while it is offered; anyone else: not found."""
    key = exports.downloadable(current_user, export_id)
    if key is None:
        abort(404)
    response = storage().response(  # object storage: a signed URL valid a minute at most
        key,
        mimetype="application/zip",
        download_name=f"participa-mis-datos-{utcnow():%Y-%m-%d}.zip",
        private=True,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ───────────── delete my account ─────────────


def _plan_lines(plan: deletion.Plan, choice: str) -> tuple[str, ...]:
    lines = [
        _("Tu nombre, tu correo, tu contraseña y tu colonia se borran para siempre."),
        _(
            "Tus votos siguen contando, sin tu nombre: los resultados y los datos abiertos no "
            "cambian."
        ),
        _("Se libera tu verificación del padrón, pero no podrás votar de nuevo donde ya votaste."),
        _("Se cierran tus sesiones y se borran tus seguimientos, avisos y archivos de datos."),
    ]
    if choice == ContentChoice.REMOVE:
        if plan.removable_proposals or plan.removable_comments:
            lines.append(
                _(
                    "Se borran (propuestas, comentarios): %(proposals)d, %(comments)d.",
                    proposals=len(plan.removable_proposals),
                    comments=len(plan.removable_comments),
                )
            )
        kept = len(plan.kept_proposals) + len(plan.kept_comments)
        if kept:
            lines.append(
                ngettext(
                    "%(num)d publicación se queda como «Cuenta eliminada» (abajo dice por qué).",
                    "%(num)d publicaciones se quedan como «Cuenta eliminada» (abajo dice por qué).",
                    kept,
                )
            )
    else:
        lines.append(
            _("Tus propuestas y comentarios se quedan publicados como «Cuenta eliminada».")
        )
    return tuple(lines)


def _ask_delete() -> Question | None:
    """The question before deleting; None (the view answers) for a form with errors or a
    wrong password, which is shown beside its field instead."""
    form = DeleteAccountForm()
    if not form.validate() or not current_user.check_password(form.password.data or ""):
        return None
    plan = deletion.plan(current_user)
    return Question(
        _("¿Eliminar tu cuenta para siempre?"),
        _("Sí, eliminar mi cuenta"),
        url_for("accounts.delete_account"),
        consequences=_plan_lines(plan, form.content.data or ContentChoice.KEEP),
        refusal=plan.refusal,
        crumbs=((url_for("accounts.account"), _("Mi cuenta")), (None, _("Eliminar mi cuenta"))),
    )


def _delete_page(form: DeleteAccountForm, status: int = 200):
    return render_template(
        "accounts/delete_account.html", form=form, plan=deletion.plan(current_user)
    ), status


@bp.route("/cuenta/eliminar", methods=["GET", "POST"])
@login_required
@confirm_first(_ask_delete)
def delete_account():
    """GET: what deleting the account does (which publications stay, and why). POST,
    confirmed, with the current password: delete it and sign out."""
    if request.method == "GET":
        return _delete_page(DeleteAccountForm(formdata=None))
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _delete_page(form, 422)
    try:
        deletion.delete_account(current_user, form.password.data, ContentChoice(form.content.data))
    except DomainError as error:
        return _delete_page(form, keep_form(form, error))
    end_session()  # the language chosen stays
    db.session.commit()
    flash(_("Tu cuenta se eliminó. Gracias por haber participado."), "success")
    return redirect(url_for("processes.index"), 303)
