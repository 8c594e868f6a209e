"""CSV downloads of a published tally: one row per project, and the anonymous ballots."""

import csv
import io
from collections.abc import Iterator
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from participa.budgets.models import Budget
from participa.results.anonymous_ballots import ballot_batches
from participa.results.models import TallyRun

# Column names (the CSV header, data) and their meaning (shown on the results page).
RESULTS_COLUMNS = {
    "project_id": _l("Identificador del proyecto en Participa"),
    "title": _l("Nombre del proyecto"),
    "cost": _l("Costo en unidades enteras de la moneda del presupuesto"),
    "votes": _l(
        "Puntuación del proyecto: boletas que lo eligieron (o puntos, en boletas de puntos u orden)"
    ),
    "rank": _l("Lugar en que la regla lo consideró (empates: orden en la boleta)"),
    "selected": _l("1 si el proyecto resultó financiado, 0 si no"),
    "remaining_before": _l("Dinero que quedaba cuando le tocó su turno"),
    "reason": _l(
        "selected = financiado; completion = financiado con lo que sobró; "
        "does_not_fit = no cabía en lo que quedaba; not_reached = el reparto se detuvo antes; "
        "below_threshold = no alcanzó el mínimo; not_affordable = a sus simpatizantes no les "
        "alcanzaba (Partes Iguales); withdrawn = retirado"
    ),
    "price": _l("Partes Iguales: lo que pagó como máximo cada simpatizante (fracción exacta)"),
    "effective_votes": _l("Partes Iguales: costo / precio por simpatizante (fracción exacta)"),
}
BALLOTS_COLUMNS = {
    "ballot": _l("Identificador aleatorio de la boleta (no permite saber quién votó ni cuándo)"),
    "date": _l("Día de la última modificación de la boleta (AAAA-MM-DD)"),
    "projects": _l(
        "Identificadores de los proyectos elegidos, separados por comas (en boletas "
        "de orden, del preferido al menos preferido)"
    ),
    "points": _l("Boletas de puntos: los puntos de cada proyecto, en el mismo orden"),
}


_Cell = TypeVar("_Cell")


def safe_cell(value: _Cell) -> _Cell | str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def results_csv(run: TallyRun, *, counts: bool) -> str:
    """The outcome of ``run`` as CSV text with a header row; without ``counts`` (the phase
    hides vote counts: ``participa.results.visibility``) the columns ``votes``, ``price``
    and ``effective_votes`` are left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULTS_COLUMNS)
    for o in run.outcomes:
        writer.writerow(
            [
                o.project_id,
                safe_cell(o.project.title),
                o.project.cost,
                o.votes if counts else "",
                o.rank,
                int(o.selected),
                o.remaining_before,
                o.reason,
                (o.price or "") if counts else "",
                (o.effective_votes or "") if counts else "",
            ]
        )
    return buffer.getvalue()


def ballots_csv(budget: Budget, batch: int = 20_000) -> Iterator[str]:
    """Stream the anonymous ballots of ``budget`` as CSV lines, ordered by their random
    public id, reading ``batch`` ballots at a time."""
    yield ",".join(BALLOTS_COLUMNS) + "\n"
    for rows in ballot_batches(budget, batch):
        yield "".join(
            f'{public_id},{day.isoformat()},"{projects}","{given}"\n'
            for public_id, day, projects, given in rows
        )
