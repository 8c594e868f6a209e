"""Forms of the review pages: an evaluation, the support threshold, a role, an assignment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from participa.forms import clean_text
from participa.review.roles import ROLE_LABELS
from participa.review.services import MAX_AMOUNT, MAX_THRESHOLD


class EvaluationForm(FlaskForm):
    feasible = RadioField(
        _l("¿Es factible?"),
        choices=[
            SelectChoice("si", _l("Sí: es factible")),
            SelectChoice("no", _l("No es factible")),
        ],
        validators=[InputRequired(message=_l("Elige si la propuesta es factible."))],
    )
    cost = IntegerField(
        _l("Costo estimado (pesos)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_AMOUNT, message=_l("Escribe un costo mayor que cero.")),
        ],
    )
    reason = TextAreaField(
        filters=[clean_text],
        label=_l("Motivo o comentarios"),
        validators=[Length(max=2000)],
    )
    publish_now = BooleanField(_l("Publicar ya"))


class ThresholdForm(FlaskForm):
    support_threshold = IntegerField(
        _l("Apoyos necesarios para pasar a revisión"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_THRESHOLD,
                message=_l("Escribe un número entero mayor que cero, o déjalo vacío."),
            ),
        ],
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Rol"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )
