from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from participa.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems
from participa.forms import clean_text


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(), Email()])
    password = PasswordField(
        _l("Contraseña"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class RegisterForm(FlaskForm):
    name = StringField(
        filters=[clean_text], label=_l("Nombre"), validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        _l("Correo electrónico"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    district_id = SelectField(_l("Tu colonia o sector"), coerce=int, validators=[Optional()])
    password = PasswordField(
        _l("Contraseña"),
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH),
        ],
    )
    confirm = PasswordField(
        _l("Repite la contraseña"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Las contraseñas no coinciden.")),
        ],
    )
    accept_legal = BooleanField(
        _l("Leí y acepto el aviso de privacidad y los términos de uso"),
        validators=[
            DataRequired(
                message=_l("Para crear tu cuenta acepta el aviso de privacidad y los términos.")
            )
        ],
    )

    def validate_password(self, field: PasswordField) -> None:
        """The password policy (length aside, which ``Length`` reports): each reason shown."""
        problems = password_problems(field.data or "", self.email.data or "")
        length_ok = MIN_PASSWORD_LENGTH <= len(field.data or "") <= MAX_PASSWORD_LENGTH
        if problems and length_ok:
            raise ValidationError(" ".join(problems))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Correo electrónico"), validators=[DataRequired(), Email(), Length(max=254)]
    )


class NewPasswordForm(FlaskForm):
    """A new password, twice; the policy is checked against ``account_email``."""

    password = PasswordField(
        _l("Contraseña nueva"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("Repite la contraseña nueva"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Las contraseñas no coinciden.")),
        ],
    )

    def __init__(self, *args, account_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    def validate_password(self, field: PasswordField) -> None:
        problems = password_problems(field.data or "", self.account_email)
        length_ok = MIN_PASSWORD_LENGTH <= len(field.data or "") <= MAX_PASSWORD_LENGTH
        if problems and length_ok:
            raise ValidationError(" ".join(problems))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Contraseña actual"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class EmptyForm(FlaskForm):
    """A button: only the CSRF token."""
