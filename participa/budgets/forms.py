from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

from participa.errors import Invalid


class BallotForm(FlaskForm):
    """The projects a resident selects. Choices are checked by the ballot rules, not here."""

    project = SelectMultipleField(
        coerce=str,
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )

    def project_ids(self) -> list[int]:
        """The selected ids as integers; a malformed id is refused, not dropped."""
        raw = self.project.data or []
        if not all(value.isdigit() and len(value) < 12 for value in raw):
            raise Invalid(_("La boleta contiene un proyecto no válido."))
        return [int(value) for value in raw]
