"""Forms of the correcting pages (processes, projects), and putting a refusal beside the
field it is about."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from participa.admin.forms import ProcessForm, ProjectForm
from participa.errors import DomainError


class ProcessEditForm(ProcessForm):
    """A process's title, municipality, district and description; its slug (its web
    address) does not change."""

    slug = None  # WTForms: a subclass drops the field


class ProjectEditForm(ProjectForm):
    budget_id = SelectField(_l("Presupuesto"), coerce=int)


class ConfirmChangeForm(FlaskForm):
    """A confirmation page's button: CSRF protection, and the confirmation itself."""

    confirm = BooleanField(default=True)


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a refusal of the rules (and its details) beside the field of ``form`` it is
    about, or at the top of the form when it is about none."""
    name = error.field
    messages = [error.message, *error.details]
    if name and name in form._fields:
        form[name].errors = [*form[name].errors, *messages]
    else:
        form.form_errors.extend(messages)
