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
from flask_login import login_required, login_user, logout_user

from participa.accounts import services
from participa.accounts.forms import LoginForm, RegisterForm
from participa.accounts.models import User
from participa.app import LANGUAGES
from participa.errors import DomainError
from participa.extensions import db, login_manager
from participa.views_common import district_choices, safe_next

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return services.signed_in_user(int(user_id))


login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Inicia sesión para continuar.")
login_manager.localize_callback = str  # flashed in the visitor's language, as plain text
login_manager.login_message_category = "info"


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session: whatever the browser carried before (a session
    an attacker may have planted) is dropped, except the chosen language."""
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)  # a form drawn after this gets a token of the new session
    if locale:
        session["locale"] = locale
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without use
    login_user(user)


def end_session() -> None:
    """Sign out and forget everything in the session but the chosen language."""
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clearing: it leaves the order to delete a remember-me cookie
    if locale:
        session["locale"] = locale


@bp.route("/registro", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    form.district_id.choices = district_choices(_("Prefiero no decirlo"))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data,
                form.name.data,
                form.password.data,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("accounts/register.html", form=form), error.status_code
        else:
            db.session.commit()
            start_session(user)
            flash(_("¡Bienvenida, bienvenido! Tu cuenta está lista."), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.route("/entrar", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Correo o contraseña incorrectos."), "error")
            return render_template("accounts/login.html", form=form), 401
        db.session.commit()  # a password hashed again with the current method
        start_session(user)
        flash(_("Hola, %(name)s.", name=user.name), "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/salir")
@login_required
def logout():
    end_session()
    flash(_("Cerraste tu sesión."), "info")
    return redirect(url_for("processes.index"))


@bp.post("/idioma/<code>")
def set_language(code: str):
    """Remember the visitor's language in the session and go back to a local page."""
    if code not in LANGUAGES:
        abort(404)  # an unknown language changes nothing
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")))
