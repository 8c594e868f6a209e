from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from participa.budgets.rules_text import BALLOT_TYPE_LABELS, RULE_LABELS
from participa.forms import clean_text

MAX_AMOUNT = 10**12  # a trillion pesos: more than any municipal budget, within 64 bits


def plausible_date(form: FlaskForm, field: Field) -> None:
    """Phase dates between 1990 and 2200 (beyond that, time zones cannot convert them)."""
    if field.data and not 1990 <= field.data.year < 2200:
        raise ValidationError(_l("Usa una fecha entre 1990 y 2199."))


class ProcessForm(FlaskForm):
    title = StringField(
        filters=[clean_text], label=_l("Título"), validators=[DataRequired(), Length(max=200)]
    )
    slug = StringField(
        filters=[clean_text],
        label=_l("Identificador para la dirección web (opcional)"),
        validators=[Optional(), Length(max=80)],
    )
    municipality = StringField(
        filters=[clean_text], label=_l("Municipio"), validators=[DataRequired(), Length(max=120)]
    )
    district_id = SelectField(_l("Distrito o sector"), coerce=int, validators=[Optional()])
    description = TextAreaField(
        filters=[clean_text], label=_l("Descripción"), validators=[Length(max=10000)]
    )


class PhaseForm(FlaskForm):
    title = StringField(
        filters=[clean_text],
        label=_l("Nombre de la fase"),
        validators=[DataRequired(), Length(max=120)],
    )
    description = TextAreaField(
        filters=[clean_text], label=_l("Descripción"), validators=[Length(max=5000)]
    )
    starts_at = DateTimeLocalField(
        _l("Inicio (hora local)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(), plausible_date],
    )
    ends_at = DateTimeLocalField(
        _l("Fin (hora local)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(), plausible_date],
    )
    allows_propose = BooleanField(_l("Se pueden enviar propuestas"))
    allows_support = BooleanField(_l("Se pueden apoyar propuestas"))
    allows_comment = BooleanField(_l("Se puede comentar"))
    allows_vote = BooleanField(_l("Se puede votar"))
    shows_vote_counts = BooleanField(_l("Se muestran los conteos de apoyos"), default=True)
    shows_results = BooleanField(_l("Se muestran los resultados"))
    reason = TextAreaField(
        _l("Motivo (solo si la fase empieza en el pasado o reabre la votación)"),
        filters=[clean_text],
        validators=[Length(max=500)],
    )


class BudgetForm(FlaskForm):
    title = StringField(
        filters=[clean_text],
        label=_l("Nombre del presupuesto"),
        validators=[DataRequired(), Length(max=150)],
    )
    description = TextAreaField(
        filters=[clean_text], label=_l("Descripción"), validators=[Length(max=5000)]
    )
    amount = IntegerField(
        _l("Monto (pesos, sin centavos)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_AMOUNT)],
    )
    currency = StringField(
        filters=[clean_text],
        label=_l("Moneda"),
        default="MXN",
        validators=[DataRequired(), Length(3, 3)],
    )
    district_id = SelectField(_l("Distrito"), coerce=int, validators=[Optional()])
    ballot_type = SelectField(
        _l("Tipo de boleta"),
        choices=[SelectChoice(value, label) for value, label in BALLOT_TYPE_LABELS.items()],
    )
    min_projects = IntegerField(
        _l("Mínimo de proyectos"), default=1, validators=[Optional(), NumberRange(min=0, max=1000)]
    )
    max_projects = IntegerField(
        _l("Máximo de proyectos (vacío: sin límite)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    min_spend_percent = IntegerField(
        _l("Porcentaje mínimo del presupuesto a usar (solo boleta de costo)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    min_points = IntegerField(
        _l("Puntos mínimos por proyecto elegido (boleta de puntos)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )
    max_points = IntegerField(
        _l("Puntos máximos por proyecto (boleta de puntos)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    max_total_points = IntegerField(
        _l("Puntos totales por boleta (boleta de puntos)"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
    )
    rule = SelectField(
        _l("Regla de conteo"),
        choices=[SelectChoice(value, label) for value, label in RULE_LABELS.items()],
    )
    min_score = IntegerField(
        _l("Votos mínimos para ser elegible (greedy con umbral)"),
        validators=[Optional(), NumberRange(min=0)],
    )

    def set_aside(self) -> list[str]:
        """The fields that do not apply to the chosen ballot type (or rule): the form shows
        them only for theirs (static/js/choices.js), and what they hold is neither checked
        nor used."""
        ballot_type = self.ballot_type.data
        return [
            name for name, applies in BALLOT_TYPE_FIELDS.items() if ballot_type not in applies
        ] + ([] if self.rule.data in RULE_FIELDS["min_score"] else ["min_score"])

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        for name in self.set_aside():
            field = self[name]
            field.errors = []
            field.data = field.default
            field.raw_data = []
        return not self.errors


# Which ballot types (and rules) each budget field is about; the others have none.
BALLOT_TYPE_FIELDS = {
    "min_projects": ("approval", "knapsack", "cumulative", "ordinal"),
    "max_projects": ("approval", "knapsack", "cumulative", "ordinal"),
    "min_spend_percent": ("knapsack",),
    "min_points": ("cumulative",),
    "max_points": ("cumulative",),
    "max_total_points": ("cumulative",),
}
RULE_FIELDS = {"min_score": ("greedy-threshold",)}


class ProjectForm(FlaskForm):
    title = StringField(
        filters=[clean_text],
        label=_l("Nombre del proyecto"),
        validators=[DataRequired(), Length(max=150)],
    )
    description = TextAreaField(
        filters=[clean_text], label=_l("Descripción"), validators=[Length(max=5000)]
    )
    cost = IntegerField(
        _l("Costo (pesos)"), validators=[InputRequired(), NumberRange(min=1, max=MAX_AMOUNT)]
    )
    # "" (none) and the offered categories (set by the view)
    category = SelectField(_l("Categoría (opcional)"), validators=[Optional()])


class AnswerForm(FlaskForm):
    state = SelectField(
        _l("Respuesta"),
        choices=[
            SelectChoice("accepted", _l("Aceptada: factible")),
            SelectChoice("rejected", _l("Rechazada")),
        ],
    )
    cost = IntegerField(
        _l("Costo estimado (pesos)"), validators=[Optional(), NumberRange(min=1, max=MAX_AMOUNT)]
    )
    reason = TextAreaField(
        filters=[clean_text],
        label=_l("Motivo (obligatorio si se rechaza)"),
        validators=[Length(max=2000)],
    )


class ConfirmForm(FlaskForm):
    """A button-only form: CSRF protection for actions without fields."""


class OpenPhaseForm(FlaskForm):
    """Open a phase now; a voting phase after voting closed needs a reason."""

    reason = StringField(_l("Motivo"), filters=[clean_text], validators=[Length(max=500)])


class CompareForm(FlaskForm):
    """Tally a budget: with its declared rule (empty) or, as a preview, with another."""

    rule = SelectField(
        _l("Regla"),
        choices=[SelectChoice("", _l("La regla declarada"))]
        + [SelectChoice(value, label) for value, label in RULE_LABELS.items()],
        default="",
    )


class SettingsForm(FlaskForm):
    vote_scope = SelectField(
        _l("¿En qué presupuestos de distrito vota cada residente?"),
        choices=[
            SelectChoice("all", _l("En todos")),
            SelectChoice("own", _l("Solo en los de su distrito")),
            SelectChoice("one", _l("En uno de su elección")),
        ],
    )
    verification_to_vote = BooleanField(_l("Votar requiere residencia verificada"))
    verification_to_propose = BooleanField(_l("Proponer requiere residencia verificada"))
    in_person_voting = BooleanField(
        _l("Casillas: se puede votar en papel (requiere que votar pida residencia verificada)")
    )


class DistrictForm(FlaskForm):
    name = StringField(
        _l("Nombre"), filters=[clean_text], validators=[DataRequired(), Length(max=120)]
    )
    parent_id = SelectField(_l("Dentro de"), coerce=int, validators=[Optional()])
    level = SelectField(
        _l("Nivel"),
        choices=[
            SelectChoice("municipality", _l("Municipio")),
            SelectChoice("sector", _l("Sector")),
            SelectChoice("neighbourhood", _l("Colonia")),
        ],
        default="sector",
    )
