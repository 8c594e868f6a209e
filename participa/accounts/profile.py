"""The resident's own pages under "Mi cuenta": the profile (name, district, language),
the e-mail change confirmed at the new address (participa.accounts.email_change) and
"Mi actividad"."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required

from participa.accounts import activity, tokens
from participa.accounts import email_change as changes
from participa.accounts.access import LinkNotValid, duration
from participa.accounts.forms import EmptyForm
from participa.accounts.models import TokenPurpose
from participa.accounts.profile_forms import BROWSER, EmailChangeForm, ProfileForm
from participa.accounts.settings import update_profile
from participa.accounts.views import EMAIL_CHANGE_TOKEN, SESSION_TOKEN
from participa.errors import DomainError
from participa.extensions import db
from participa.views_common import district_choices, keep_form

bp = Blueprint("profile", __name__)

PENDING_EMAIL = "_pending_email"  # the address the "check your new mail" page names


# ───────────── profile ─────────────


def _profile_form(**kwargs) -> ProfileForm:
    form = ProfileForm(**kwargs)
    if current_user.is_verified:
        del form.district_id  # the census's: shown, not asked
    else:
        form.district_id.choices = district_choices(_("Prefiero no decirlo"))
    return form


@bp.route("/cuenta/perfil", methods=["GET", "POST"])
@login_required
def edit():
    """Name, district (locked once verified) and language; the language applies at once
    here and whenever the account signs in."""
    if request.method == "GET":
        form = _profile_form(
            formdata=None,
            data={
                "name": current_user.name,
                "district_id": current_user.district_id or 0,
                "locale": current_user.locale or BROWSER,
            },
        )
        return render_template("accounts/profile.html", form=form)
    form = _profile_form()
    if not form.validate_on_submit():
        return render_template("accounts/profile.html", form=form), 422
    district_id = (
        current_user.district_id if current_user.is_verified else form.district_id.data or None
    )
    try:
        update_profile(
            current_user,
            name=form.name.data,
            district_id=district_id,
            locale=form.locale.data or None,
        )
    except DomainError as error:
        status = keep_form(form, error)
        return render_template("accounts/profile.html", form=form), status
    db.session.commit()
    if current_user.locale:
        session["locale"] = current_user.locale
    else:
        session.pop("locale", None)  # the browser's again
    refresh()  # the message below in the language just chosen
    flash(_("Guardamos tu perfil."), "success")
    return redirect(url_for("profile.edit"), 303)


# ───────────── e-mail change ─────────────


def _email_page(form: EmailChangeForm, status: int = 200):
    lifetime = duration(tokens.lifetime(TokenPurpose.CHANGE_EMAIL))
    return render_template("accounts/email.html", form=form, lifetime=lifetime), status


@bp.route("/cuenta/correo", methods=["GET", "POST"])
@login_required
def email():
    """Ask for a new address (the current password asked): a link goes to it, and a
    notice to the current one. The same answer whether another account uses it or not."""
    if request.method == "GET":
        return _email_page(EmailChangeForm(formdata=None))
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _email_page(form, 422)
    try:
        asked = changes.request_change(current_user, form.current_password.data, form.email.data)
    except DomainError as error:
        return _email_page(form, keep_form(form, error))
    db.session.commit()
    session[PENDING_EMAIL] = asked
    return redirect(url_for("profile.email_sent"), 303)


@bp.get("/cuenta/correo/enviado")
@login_required
def email_sent():
    lifetime = duration(tokens.lifetime(TokenPurpose.CHANGE_EMAIL))
    return render_template(
        "accounts/email_sent.html", email=session.get(PENDING_EMAIL), lifetime=lifetime
    )


@bp.get("/cuenta/cambiar-correo/<token>")
def open_email_change(token: str):
    """The link mailed to the new address: its token goes to the session (kept across a
    sign-in), and the page that switches the address (with a button) has none."""
    session[EMAIL_CHANGE_TOKEN] = token[: tokens.MAX_TOKEN_LENGTH + 1]
    return redirect(url_for("profile.email_change"), 303)


def _refused(error: DomainError):
    db.session.rollback()
    if isinstance(error, LinkNotValid):
        session.pop(EMAIL_CHANGE_TOKEN, None)
        return render_template(
            "accounts/link_not_valid.html", error=error, kind="email"
        ), error.status_code
    return render_template(
        "refused.html", error=error, back=url_for("profile.email")
    ), error.status_code


@bp.route("/cuenta/cambiar-correo", methods=["GET", "POST"])
@login_required
def email_change():
    """Switch the address, as the account the link was mailed for (another account is
    refused); the other sessions end."""
    token = session.get(EMAIL_CHANGE_TOKEN)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return redirect(url_for("profile.email_change"), 303)
        try:
            changes.change_email(token, current_user, keep=session.get(SESSION_TOKEN))
        except DomainError as error:
            return _refused(error)
        session.pop(EMAIL_CHANGE_TOKEN, None)
        db.session.commit()
        flash(
            _("Listo: ahora tu correo es %(email)s y está confirmado.", email=current_user.email),
            "success",
        )
        return redirect(url_for("accounts.security"), 303)
    try:
        holder, new_email = changes.pending(token)
    except DomainError as error:
        return _refused(error)
    if holder.id != current_user.id:
        return _refused(changes.wrong_account())
    return render_template("accounts/email_change.html", form=form, new_email=new_email)


# ───────────── my activity ─────────────


@bp.get("/cuenta/actividad")
@login_required
def activity_page():
    """What I proposed, supported and commented, and what I follow: one query per list."""
    user_id = current_user.id
    return render_template(
        "accounts/activity.html",
        proposed=activity.proposed(user_id),
        supported=activity.supported(user_id),
        commented=activity.commented(user_id),
        processes=activity.followed_processes(user_id),
        items=activity.followed_items(user_id),
        limit=activity.LIMIT,
    )
