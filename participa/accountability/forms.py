"""Forms of the execution follow-up (administration, following and comments)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from participa.forms import clean_text

MAX_AMOUNT = 10**12


class ItemForm(FlaskForm):
    status_id = SelectField(_l("Estado"), coerce=int, validators=[DataRequired()])
    progress = IntegerField(
        _l("Avance (%)"),
        validators=[
            Optional(),
            NumberRange(0, 100, message=_l("El avance debe estar entre 0 y 100 %%.")),
        ],
    )
    spent = IntegerField(
        _l("Dinero ejercido (pesos)"),
        validators=[
            Optional(),
            NumberRange(0, MAX_AMOUNT - 1, message=_l("El monto no puede ser negativo.")),
        ],
    )
    office = StringField(
        _l("Dependencia responsable"), filters=[clean_text], validators=[Length(max=120)]
    )
    code = StringField(
        _l("Clave del municipio (opcional)"), filters=[clean_text], validators=[Length(max=40)]
    )
    starts_on = DateField(_l("Fecha de inicio"), validators=[Optional()])
    ends_on = DateField(_l("Fecha de término prevista"), validators=[Optional()])


class MilestoneForm(FlaskForm):
    happened_on = DateField(
        _l("Fecha"), validators=[DataRequired(_l("Indica la fecha del avance."))]
    )
    text = TextAreaField(
        _l("Qué pasó"),
        filters=[clean_text],
        validators=[DataRequired(_l("Describe el avance.")), Length(min=2, max=2000)],
    )
    photo = FileField(_l("Foto (opcional)"), validators=[Optional()])


class ChildForm(FlaskForm):
    title = StringField(
        _l("Nombre de la parte"),
        filters=[clean_text],
        validators=[DataRequired(_l("Escribe el nombre.")), Length(max=200)],
    )
    budgeted = IntegerField(
        _l("Monto presupuestado (pesos)"),
        default=0,
        validators=[Optional(), NumberRange(0, MAX_AMOUNT - 1)],
    )
    code = StringField(_l("Clave (opcional)"), filters=[clean_text], validators=[Length(max=40)])


class StatusForm(FlaskForm):
    name = StringField(
        _l("Nombre del estado"),
        filters=[clean_text],
        validators=[DataRequired(_l("Escribe el nombre del estado.")), Length(max=80)],
    )
    progress = IntegerField(
        _l("Avance de referencia (%)"),
        default=0,
        validators=[
            Optional(),
            NumberRange(0, 100, message=_l("El avance debe estar entre 0 y 100 %%.")),
        ],
    )


class BulkForm(FlaskForm):
    """A bulk-update CSV, uploaded as a file or pasted."""

    file = FileField(_l("Archivo CSV"), validators=[Optional()])
    text = TextAreaField(_l("O pega aquí el contenido del archivo"))

    def validate_text(self, field: TextAreaField) -> None:
        if not self.file.data and not (field.data or "").strip():
            raise ValidationError(_l("Sube un archivo CSV o pega su contenido."))


class PlainForm(FlaskForm):
    """Only the CSRF token: follow, unfollow and buttons."""
