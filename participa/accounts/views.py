from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from participa.accounts import access, services, tokens
from participa.accounts.forms import (
    ChangePasswordForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
)
from participa.accounts.models import TokenPurpose, User
from participa.errors import DomainError, Invalid
from participa.extensions import db, login_manager
from participa.i18n import LANGUAGES
from participa.views_common import district_choices, keep_form, safe_next

bp = Blueprint("accounts", __name__)


SESSION_TOKEN = "_token"  # the session's key of its server-side token
# A mailed link's token moves from the address to the (signed) session cookie at once, so
# the pages that use it, and their forms, have addresses without it.
CONFIRM_TOKEN = "_confirm_token"
RESET_TOKEN = "_reset_token"
# an e-mail change link's token (participa.accounts.profile) waits across the sign-in it
# may ask for: it opens nothing but for the account it was mailed for
EMAIL_CHANGE_TOKEN = "_email_change_token"
KEPT_ON_SIGN_IN = ("locale", EMAIL_CHANGE_TOKEN)
REGISTERED = "_registered_email"  # the address the "check your mail" page names


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return services.signed_in_user(int(user_id), session.get(SESSION_TOKEN))


@bp.before_app_request
def forget_the_previous_visitor() -> None:
    """Load the visitor of each request from its own cookie: requests sharing one
    application context (the test client's) must not inherit the previous request's user
    from ``g`` (a fresh context per request, as in production, has none)."""
    g.pop("_login_user", None)


login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Inicia sesión para continuar.")
login_manager.localize_callback = str  # flashed in the visitor's language, as plain text
login_manager.login_message_category = "info"


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session, stored server-side (the caller commits):
    whatever the browser carried before (a session an attacker may have planted) is
    dropped, except the chosen language (the account's own, if it chose one on its
    profile, wins) and an e-mail change link waiting for this sign-in."""
    token = services.open_session(user)
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if session.get(key)}
    session.clear()
    g.pop("csrf_token", None)  # a form drawn after this gets a token of the new session
    session.update(kept)
    if user.locale:
        session["locale"] = user.locale
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without use
    session[SESSION_TOKEN] = token
    login_user(user)


def end_session() -> None:
    """Sign out: the server forgets the session (a copy of the cookie signs nobody in; the
    caller commits), and the browser everything in it but the chosen language."""
    services.close_session(session.get(SESSION_TOKEN))
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clearing: it leaves the order to delete a remember-me cookie
    if locale:
        session["locale"] = locale


@bp.route("/registro", methods=["GET", "POST"])
def register():
    """The same answer whether the e-mail already has an account or not (the owner of a
    registered address is told by e-mail instead): a new account is not signed in here,
    its owner enters through the login page like everybody else."""
    form = RegisterForm()
    form.district_id.choices = district_choices(_("Prefiero no decirlo"))
    if form.validate_on_submit():
        try:
            access.sign_up(
                form.email.data,
                form.name.data,
                form.password.data,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:  # beside its field (or above the form), as typed
            status = keep_form(form, error)
            return render_template("accounts/register.html", form=form), status
        db.session.commit()
        session[REGISTERED] = services.normalize_email(form.email.data)
        back = request.args.get("next")
        return redirect(url_for("accounts.check_your_mail", next=back and safe_next(back)))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.get("/registro/revisa-tu-correo")
def check_your_mail():
    """After registering: the same page for a new and a known address."""
    return render_template("accounts/check_your_mail.html", email=session.get(REGISTERED))


@bp.route("/entrar", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:  # above the form: which of the two is wrong is not said
            form.form_errors.append(_("Correo o contraseña incorrectos."))
            return render_template("accounts/login.html", form=form), 401
        if user.is_blocked:
            db.session.rollback()
            form.form_errors.append(
                _("Esta cuenta está bloqueada por moderación. Comunícate con el municipio.")
            )
            return render_template("accounts/login.html", form=form), 403
        start_session(user)
        db.session.commit()  # the session, and a password hashed again with the current method
        flash(_("Hola, %(name)s.", name=user.name), "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/salir")
@login_required
def logout():
    end_session()
    db.session.commit()
    flash(_("Cerraste tu sesión."), "info")
    return redirect(url_for("processes.index"))


@bp.get("/cuenta")
@login_required
def account():
    return render_template("accounts/account.html")


# ───────────── e-mail confirmation ─────────────


@bp.get("/cuenta/confirmar/<token>")
def open_confirmation(token: str):
    """The link of the confirmation e-mail: its token goes to the session, and the page
    that confirms (with a button: a mail scanner opening the link confirms nothing) has an
    address without it."""
    session[CONFIRM_TOKEN] = token[: tokens.MAX_TOKEN_LENGTH + 1]
    return redirect(url_for("accounts.confirmation"), 303)


@bp.route("/cuenta/confirmar", methods=["GET", "POST"])
def confirmation():
    token = session.get(CONFIRM_TOKEN)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = access.confirm_email(token)
        except DomainError as error:
            db.session.rollback()
            return _link_not_valid(error, "confirm")
        session.pop(CONFIRM_TOKEN, None)
        db.session.commit()
        flash(_("Listo: confirmaste tu correo %(email)s.", email=user.email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("accounts.security"), 303)
        if current_user.is_authenticated:
            return redirect(url_for("processes.index"), 303)
        return redirect(url_for("accounts.login"), 303)
    holder = tokens.holder(token, TokenPurpose.CONFIRM_EMAIL)
    if holder is None:
        return _link_not_valid(
            access.LinkNotValid(_("Este enlace de confirmación no es válido o ya venció.")),
            "confirm",
        )
    return render_template("accounts/confirm.html", form=form, email=holder.email)


def _link_not_valid(error: DomainError, kind: str):
    return render_template("accounts/link_not_valid.html", error=error, kind=kind), (
        error.status_code
    )


@bp.post("/cuenta/confirmacion/reenviar")
@login_required
def resend_confirmation():
    """Send the confirmation link again (the earlier one stops working)."""
    form = EmptyForm()
    back = safe_next(request.form.get("next"), url_for("accounts.security"))
    if not form.validate_on_submit():
        return redirect(back, 303)
    if current_user.is_confirmed:
        flash(_("Tu correo ya está confirmado."), "info")
        return redirect(back, 303)
    access.send_confirmation(current_user)
    db.session.commit()
    flash(
        _(
            "Te enviamos un enlace nuevo a %(email)s. El anterior ya no sirve.",
            email=current_user.email,
        ),
        "success",
    )
    return redirect(back, 303)


# ───────────── forgotten password ─────────────


@bp.route("/cuenta/olvide-mi-contrasena", methods=["GET", "POST"])
def forgot_password():
    """The same answer whether the address has an account or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        access.request_password_reset(form.email.data)
        db.session.commit()
        return redirect(url_for("accounts.forgot_password_sent"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/forgot.html", form=form), status


@bp.get("/cuenta/olvide-mi-contrasena/enviado")
def forgot_password_sent():
    lifetime = access.duration(tokens.lifetime(TokenPurpose.RESET_PASSWORD))
    return render_template("accounts/forgot_sent.html", reset_lifetime=lifetime)


@bp.get("/cuenta/restablecer/<token>")
def open_reset(token: str):
    """The link of the reset e-mail: its token goes to the session (see
    :func:`open_confirmation`); the form's address has no token."""
    session[RESET_TOKEN] = token[: tokens.MAX_TOKEN_LENGTH + 1]
    return redirect(url_for("accounts.reset_password"), 303)


@bp.route("/cuenta/restablecer", methods=["GET", "POST"])
def reset_password():
    """A new password from a reset link: every session of the account ends, and the
    person is signed in afresh."""
    token = session.get(RESET_TOKEN)
    try:
        holder = access.reset_holder(token)
    except DomainError as error:
        db.session.rollback()
        return _link_not_valid(error, "reset")
    form = NewPasswordForm(account_email=holder.email)
    if form.validate_on_submit():
        try:
            user = access.reset_password(token, form.password.data)
        except Invalid as error:  # the link stays valid: the form again, what was wrong beside
            status = keep_form(form, error)
            return render_template("accounts/reset.html", form=form, email=holder.email), status
        except DomainError as error:
            db.session.rollback()
            return _link_not_valid(error, "reset")
        start_session(user)  # a fresh session; the reset link leaves the cookie with the rest
        db.session.commit()
        flash(_("Tu contraseña cambió. Ya entraste con la nueva."), "success")
        return redirect(url_for("accounts.security"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/reset.html", form=form, email=holder.email), status


# ───────────── my account: security ─────────────


def _security_page(form: ChangePasswordForm, status: int = 200):
    return render_template("accounts/security.html", form=form), status


@bp.get("/cuenta/seguridad")
@login_required
def security():
    return _security_page(ChangePasswordForm(formdata=None, account_email=current_user.email))


@bp.post("/cuenta/seguridad/contrasena")
@login_required
def change_password():
    """Change the password (the current one asked): every other session ends."""
    form = ChangePasswordForm(account_email=current_user.email)
    if not form.validate_on_submit():
        return _security_page(form, 422)
    try:
        access.change_password(
            current_user,
            form.current_password.data,
            form.password.data,
            keep=session.get(SESSION_TOKEN),
        )
    except DomainError as error:
        return _security_page(form, keep_form(form, error))
    db.session.commit()
    flash(_("Tu contraseña cambió. Cerramos tus sesiones en los demás dispositivos."), "success")
    return redirect(url_for("accounts.security"), 303)


@bp.post("/cuenta/cerrar-sesiones")
@login_required
def logout_everywhere():
    """End every session of the account, on every device, this one included."""
    services.close_all_sessions(current_user)
    end_session()
    db.session.commit()
    flash(_("Cerraste tu sesión en todos los dispositivos."), "info")
    return redirect(url_for("processes.index"))


@bp.post("/idioma/<code>")
def set_language(code: str):
    """Remember the visitor's language in the session and go back to a local page."""
    if code not in LANGUAGES:
        abort(404)  # an unknown language changes nothing
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")))
