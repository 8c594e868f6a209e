"""The forms of the profile pages (participa.accounts.profile)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from participa.accounts.services import MAX_PASSWORD_LENGTH
from participa.forms import clean_text
from participa.i18n import LANGUAGES

BROWSER = ""  # the locale choice "the browser's"


class ProfileForm(FlaskForm):
    name = StringField(
        filters=[clean_text], label=_l("Nombre"), validators=[DataRequired(), Length(max=120)]
    )
    # removed for a verified account: its district is the census's
    district_id = SelectField(_l("Tu colonia o sector"), coerce=int, validators=[Optional()])
    locale = SelectField(
        _l("Idioma"),
        choices=[
            SelectChoice(BROWSER, _l("El de mi navegador")),
            *(SelectChoice(code, name) for code, name in LANGUAGES.items()),
        ],
        default=BROWSER,
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("Correo electrónico nuevo"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    current_password = PasswordField(
        _l("Contraseña actual"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
