"""Forms of the ARCO pages: deleting the account, asking for an archive of one's data."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.validators import DataRequired, InputRequired, Length

from participa.accounts.deletion import ContentChoice
from participa.accounts.services import MAX_PASSWORD_LENGTH


class DeleteAccountForm(FlaskForm):
    content = RadioField(
        _l("Tus propuestas y comentarios"),
        choices=[
            (ContentChoice.KEEP.value, _l("Dejarlos publicados como «Cuenta eliminada»")),
            (ContentChoice.REMOVE.value, _l("Borrarlos donde se pueda")),
        ],
        default=ContentChoice.KEEP.value,
        validators=[InputRequired(message=_l("Elige qué hacer con lo que publicaste."))],
    )
    password = PasswordField(
        _l("Tu contraseña actual"),
        validators=[
            DataRequired(message=_l("Escribe tu contraseña para confirmar que eres tú.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )
