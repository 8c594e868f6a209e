from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from participa.forms import clean_text


class ProposalForm(FlaskForm):
    title = StringField(
        filters=[clean_text],
        label=_l("Título"),
        validators=[DataRequired(), Length(min=10, max=150)],
    )
    body = TextAreaField(
        filters=[clean_text],
        label=_l("Describe tu propuesta"),
        validators=[DataRequired(), Length(min=30, max=5000)],
    )
    category = SelectField(  # choices: the offered categories (set by the view)
        _l("Categoría"), validators=[DataRequired()]
    )
    district_id = SelectField(_l("Colonia o sector"), coerce=int, validators=[Optional()])
    cost_estimate = IntegerField(
        _l("Costo estimado en pesos (opcional)"),
        validators=[Optional(), NumberRange(min=0, max=10**12)],
    )
