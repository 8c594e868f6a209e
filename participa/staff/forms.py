"""The form that assigns a person to a process's team."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from participa.forms import clean_text

#: The roles offered on a process, with what each does there.
ROLE_CHOICES = [
    SelectChoice("evaluator", _l("Evaluación de propuestas")),
    SelectChoice("moderator", _l("Moderación")),
    SelectChoice("officer", _l("Mesa presencial")),
]
ROLE_NAMES = {choice.value: choice.label for choice in ROLE_CHOICES}


class TeamForm(FlaskForm):
    email = StringField(
        _l("Correo electrónico de la persona"),
        filters=[clean_text],
        validators=[
            DataRequired(message=_l("Escribe el correo electrónico de la persona.")),
            Length(max=254),
        ],
    )
    role = RadioField(
        _l("Rol en este proceso"),
        choices=ROLE_CHOICES,
        validators=[InputRequired(message=_l("Elige un rol."))],
    )
