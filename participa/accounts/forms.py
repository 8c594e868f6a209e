from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from participa.accounts.services import MIN_PASSWORD_LENGTH
from participa.forms import clean_text


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired()])


class RegisterForm(FlaskForm):
    name = StringField(
        filters=[clean_text], label=_l("Nombre"), validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        _l("Correo electrónico"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    district_id = SelectField(_l("Tu colonia o sector"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("Contraseña"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repite la contraseña"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Las contraseñas no coinciden.")),
        ],
    )
