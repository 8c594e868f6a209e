from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participa.forms import clean_text


class CheckInForm(FlaskForm):
    document = StringField(
        _l("Documento de la persona (CURP o clave de elector)"),
        filters=[clean_text],
        validators=[DataRequired(_l("Escribe el documento de la persona.")), Length(max=60)],
    )


class PaperBallotForm(FlaskForm):
    """The document of the person checked in; the marks are read by ``read_ballot``."""

    document = HiddenField(filters=[clean_text], validators=[DataRequired(), Length(max=60)])


class BulkForm(FlaskForm):
    file = FileField(_l("Archivo CSV de boletas"), validators=[Optional()])
    text = TextAreaField(_l("O pega aquí las líneas"))

    def validate_text(self, field: TextAreaField) -> None:
        if not self.file.data and not (field.data or "").strip():
            raise ValidationError(_l("Sube un archivo CSV o pega sus líneas."))
