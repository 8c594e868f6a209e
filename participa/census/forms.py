from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participa.forms import clean_text


class CensusUploadForm(FlaskForm):
    """A census CSV, uploaded as a file or pasted."""

    file = FileField(_l("Archivo CSV del padrón"), validators=[Optional()])
    text = TextAreaField(_l("O pega aquí el contenido del archivo"))

    def validate_text(self, field: TextAreaField) -> None:
        if not self.file.data and not (field.data or "").strip():
            raise ValidationError(_l("Sube un archivo CSV o pega su contenido."))


class VerifyForm(FlaskForm):
    document = StringField(
        _l("CURP o clave de elector"),
        filters=[clean_text],
        validators=[DataRequired(_l("Escribe tu documento.")), Length(max=60)],
    )
    birth_date = DateField(
        _l("Fecha de nacimiento"),
        validators=[DataRequired(_l("Escribe tu fecha de nacimiento (día, mes y año)."))],
    )
