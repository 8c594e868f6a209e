"""Forms of the conversation pages: they parse; the services decide what is allowed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from participa.forms import clean_text


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Tu comentario"), filters=[clean_text])
    parent_id = HiddenField()
    next = HiddenField()


class ReportForm(FlaskForm):
    reason = StringField(_l("Motivo del reporte"), filters=[clean_text])
    next = HiddenField()


class DecisionForm(FlaskForm):
    """Hide or restore: only the CSRF token and where to go back to."""

    next = HiddenField()
