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

from participa.accounts import services
from participa.accounts.forms import LoginForm, RegisterForm
from participa.accounts.models import User
from participa.errors import DomainError
from participa.extensions import db, login_manager
from participa.i18n import LANGUAGES
from participa.views_common import district_choices, keep_form, safe_next

bp = Blueprint("accounts", __name__)


SESSION_TOKEN = "_token"  # the session's key of its server-side token


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
    dropped, except the chosen language."""
    token = services.open_session(user)
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)  # a form drawn after this gets a token of the new session
    if locale:
        session["locale"] = locale
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
            services.sign_up(
                form.email.data,
                form.name.data,
                form.password.data,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:  # beside its field (or above the form), as typed
            status = keep_form(form, error)
            return render_template("accounts/register.html", form=form), status
        db.session.commit()
        flash(
            _(
                "Revisa tu correo: te enviamos un mensaje a %(email)s. Si tu cuenta es "
                "nueva, ya puedes entrar con tu correo y tu contraseña.",
                email=services.normalize_email(form.email.data),
            ),
            "success",
        )
        back = request.args.get("next")
        return redirect(url_for("accounts.login", next=back and safe_next(back)))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


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
