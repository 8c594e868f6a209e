from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from participa.categories.models import NAME_MAX, SLUG_MAX
from participa.forms import clean_text


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Nombre"), filters=[clean_text], validators=[DataRequired(), Length(max=NAME_MAX)]
    )
    name_en = StringField(
        _l("Nombre en inglés (opcional)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=NAME_MAX)],
    )
    description = TextAreaField(
        _l("Descripción (opcional)"), filters=[clean_text], validators=[Length(max=500)]
    )


class NewCategoryForm(CategoryForm):
    slug = StringField(
        _l("Clave (opcional)"),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=SLUG_MAX),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Solo minúsculas sin acentos, números y guiones."),
            ),
        ],
    )
