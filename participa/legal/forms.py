"""Forms of the legal pages: accepting the documents, editing one, asking and answering a
rectification or opposition request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from participa.forms import clean_text
from participa.legal.models import ANSWER_MAX, BODY_MAX, DETAILS_MAX
from participa.legal.requests import KIND_LABELS, PROCESSING_LABELS

ACCEPT_MESSAGE = _l("Para continuar acepta el aviso de privacidad y los términos de uso.")


class AcceptForm(FlaskForm):
    shown = HiddenField()  # the versions the page showed ("privacy:2,terms:3")
    accept = BooleanField(
        _l("Leí y acepto el aviso de privacidad y los términos de uso"),
        validators=[DataRequired(message=ACCEPT_MESSAGE)],
    )


class DocumentForm(FlaskForm):
    body = TextAreaField(
        _l("Texto de la nueva versión"),
        filters=[clean_text],
        validators=[InputRequired()],
        render_kw={"maxlength": BODY_MAX},
    )


class DataRequestForm(FlaskForm):
    kind = RadioField(
        _l("Qué solicitas"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[InputRequired(message=_l("Elige qué quieres solicitar."))],
    )
    processing = SelectField(
        _l("Uso de tus datos al que te opones"),
        choices=[
            SelectChoice("", _l("— Solo si te opones a un uso —")),
            *(SelectChoice(p.value, label) for p, label in PROCESSING_LABELS.items()),
        ],
        validators=[Optional()],
    )
    details = TextAreaField(
        _l("Explica tu solicitud"),
        filters=[clean_text],
        validators=[InputRequired(message=_l("Explica tu solicitud."))],
        render_kw={"maxlength": DETAILS_MAX},
    )


class AnswerForm(FlaskForm):
    verdict = RadioField(
        _l("Resolución"),
        choices=[
            SelectChoice("accepted", _l("Procedente: se atiende")),
            SelectChoice("refused", _l("Improcedente: no se atiende")),
        ],
        validators=[InputRequired(message=_l("Elige si la solicitud procede."))],
    )
    answer = TextAreaField(
        _l("Respuesta para la persona"),
        filters=[clean_text],
        validators=[InputRequired(message=_l("Escribe la respuesta."))],
        render_kw={"maxlength": ANSWER_MAX},
    )
