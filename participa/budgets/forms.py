"""The ballot form: how each ballot type is written in a request, and how it is read back.

Encodings (the same in a submitted form, the review page's hidden inputs and the query string
of the "change my selection" link):

- approval, knapsack: checkboxes ``project`` (one value per chosen project id);
- choose-1: radio buttons ``project`` (one value);
- cumulative: ``points-<project id>`` = the points given to it (empty or 0: not chosen);
- ordinal: ``rank-<project id>`` = its place, 1 = first choice (empty: not ranked).

Reading is strict (ASCII digits of bounded length; never ``int()`` on raw text) and raises
nothing but ``Invalid``. The ballot rules themselves (known projects, counts, points limits,
money) are checked by ``participa.budgets.ballot_box``.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from participa.budgets.models import Ballot, BallotType, Budget
from participa.budgets.validation import BallotRules
from participa.errors import Invalid
from participa.formatting import money, percent
from participa.views_common import parse_id

PROJECT_FIELD = "project"
POINTS_PREFIX = "points-"
RANK_PREFIX = "rank-"
NUMBER_RE = re.compile(r"[0-9]{1,9}")


class BallotForm(FlaskForm):
    """The CSRF token of the ballot forms; the selection is read by ``read_ballot``."""


def parse_number(value: str | None) -> int | None:
    """A whole number written in ASCII digits (at most nine), else None: never raises."""
    return int(value) if value and NUMBER_RE.fullmatch(value) else None


def rank_choices(budget: Budget) -> int:
    """How many places an ordinal ballot offers: at most one per project."""
    return _places(budget.max_projects, len(budget.projects))


def _places(max_projects: int | None, projects: int) -> int:
    return min(max_projects, projects) if max_projects else projects


@dataclass
class BallotInput:
    """A ballot as the resident filled it in.

    ``marks`` maps each well-formed project id to its mark: 1 for a ticked project, its
    points (cumulative) or its place (ordinal). ``problems`` lists, in plain words, what
    could not be read; a ballot with problems is redisplayed with its marks, never stored.
    """

    ballot_type: str
    marks: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    @property
    def cumulative(self) -> bool:
        return self.ballot_type == BallotType.CUMULATIVE

    @property
    def ordinal(self) -> bool:
        return self.ballot_type == BallotType.ORDINAL

    def ordered(self) -> list[tuple[int, int]]:
        """(project id, mark) pairs: by place on ordinal ballots, else as submitted."""
        pairs = list(self.marks.items())
        return sorted(pairs, key=lambda pair: (pair[1], pair[0])) if self.ordinal else pairs

    def selection(self) -> tuple[list[int], list[int] | None]:
        """The project ids (ranked best first on ordinal ballots) and, for cumulative
        ballots, the parallel points, as ``ballots.confirm_ballot`` takes them.

        Raises ``Invalid`` when something could not be read, or when ranks repeat a place
        or skip one.
        """
        problems = list(self.problems)
        if self.ordinal:
            problems += _rank_problems(list(self.marks.values()))
        if problems:
            raise Invalid(problems[0], *problems[1:])
        pairs = self.ordered()
        ids = [pid for pid, _mark in pairs]
        return ids, [mark for _pid, mark in pairs] if self.cumulative else None

    def fields(self) -> list[tuple[str, str]]:
        """The marks as (name, value) pairs of the ballot form, e.g. for hidden inputs."""
        if self.cumulative:
            return [(f"{POINTS_PREFIX}{pid}", str(mark)) for pid, mark in self.ordered()]
        if self.ordinal:
            return [(f"{RANK_PREFIX}{pid}", str(mark)) for pid, mark in self.ordered()]
        return [(PROJECT_FIELD, str(pid)) for pid, _mark in self.ordered()]

    def query(self) -> dict[str, list[str]]:
        """The marks as query arguments for ``url_for`` (back to the ballot page)."""
        args: dict[str, list[str]] = {}
        for name, value in self.fields():
            args.setdefault(name, []).append(value)
        return args


def _rank_problems(ranks: list[int]) -> list[str]:
    problems = []
    repeated = sorted(rank for rank, n in Counter(ranks).items() if n > 1)
    for rank in repeated:
        problems.append(
            _(
                "Varios proyectos tienen el lugar %(rank)d; cada lugar es para un solo proyecto.",
                rank=rank,
            )
        )
    missing = sorted(set(range(1, len(set(ranks)) + 1)) - set(ranks))
    if missing:
        problems.append(
            _(
                "Falta el lugar %(rank)d: numera tus proyectos 1, 2, 3… sin saltarte lugares.",
                rank=missing[0],
            )
        )
    return problems


def read_ballot(rules: BallotRules, projects: int, data: MultiDict) -> BallotInput:
    """Read a ballot of a budget with these ``rules`` and number of ``projects`` from
    ``data`` (``request.form`` or ``request.args``) in the encoding of its ballot type.
    Never raises: what cannot be read goes to ``problems``."""
    entry = BallotInput(rules.ballot_type)
    if entry.cumulative or entry.ordinal:
        prefix = POINTS_PREFIX if entry.cumulative else RANK_PREFIX
        seen: set[int] = set()
        for key in data:
            if not key.startswith(prefix):
                continue
            pid = parse_id(key.removeprefix(prefix))
            values = data.getlist(key)
            if pid is None:
                entry.problem(_("La boleta contiene un proyecto no válido."))
                continue
            if len(values) > 1 or pid in seen:  # e.g. "points-7" twice, or with "points-07"
                entry.problem(_("Un proyecto aparece más de una vez en la boleta."))
            seen.add(pid)
            mark = _read_mark(rules, projects, entry, values[0])
            if mark:
                entry.marks.setdefault(pid, mark)
        return entry
    for value in data.getlist(PROJECT_FIELD):
        pid = parse_id(value)
        if pid is None:
            entry.problem(_("La boleta contiene un proyecto no válido."))
        elif pid in entry.marks:
            entry.problem(_("Un proyecto aparece más de una vez en la boleta."))
        else:
            entry.marks[pid] = 1
    return entry


def _read_mark(rules: BallotRules, projects: int, entry: BallotInput, value: str) -> int | None:
    """Points or place of one project; 0 or None when it is not chosen or malformed."""
    if value == "":
        return None
    number = parse_number(value)
    if entry.cumulative:
        if number is None:
            most = rules.max_points or rules.max_total_points
            entry.problem(
                _(
                    "Los puntos de cada proyecto deben ser un número entero de 0 a %(max)d, "
                    "sin signos ni decimales.",
                    max=most,
                )
                if most
                else _("Los puntos de cada proyecto deben ser un número entero, sin signos.")
            )
        return number
    places = _places(rules.max_projects, projects)
    if number is None or not 1 <= number <= places:
        entry.problem(
            _("El lugar de cada proyecto debe ser un número del 1 al %(n)d.", n=max(places, 1))
        )
        return None
    return number


def marks_of(budget: Budget, ballot: Ballot | None) -> dict[int, int]:
    """A confirmed ballot's marks, as ``BallotInput.marks``."""
    if ballot is None:
        return {}
    if budget.ballot_type == BallotType.CUMULATIVE:
        return {item.project_id: item.points or 0 for item in ballot.items}
    if budget.ballot_type == BallotType.ORDINAL:
        return {item.project_id: item.rank or 0 for item in ballot.items}
    return {item.project_id: 1 for item in ballot.items}


def instructions(budget: Budget) -> list[str]:
    """How to fill in ``budget``'s ballot, in plain words, one sentence per rule."""
    cur = budget.currency
    kind = budget.ballot_type
    least = max(budget.min_projects, 1)
    most = budget.max_projects
    lines: list[str] = []
    if kind == BallotType.KNAPSACK:
        lines.append(
            _("Elige proyectos cuya suma no pase de %(amount)s.", amount=money(budget.amount, cur))
        )
        if budget.min_spend_percent:
            lines.append(
                _(
                    "Tu selección debe sumar al menos %(min)s (el %(pct)s del presupuesto).",
                    min=money(budget.min_spend, cur),
                    pct=percent(budget.min_spend_percent / 100),
                )
            )
    elif kind == BallotType.CHOOSE_1:
        lines.append(_("Elige un solo proyecto: el que más quieres que se haga."))
        lines.append(_("Su costo no limita tu elección: el dinero se reparte al contar los votos."))
    elif kind == BallotType.CUMULATIVE:
        lines.append(_("Reparte puntos entre los proyectos: más puntos quiere decir más apoyo."))
        if budget.max_total_points:
            lines.append(
                ngettext(
                    "Tienes %(num)d punto en total; no tienes que usarlo.",
                    "Tienes %(num)d puntos en total; no tienes que usarlos todos.",
                    budget.max_total_points,
                )
            )
        if budget.max_points:
            lines.append(
                ngettext(
                    "Cada proyecto puede recibir como máximo %(num)d punto.",
                    "Cada proyecto puede recibir como máximo %(num)d puntos.",
                    budget.max_points,
                )
            )
        if budget.min_points > 1:
            lines.append(
                _("A cada proyecto que elijas dale al menos %(n)d puntos.", n=budget.min_points)
            )
        lines.append(_("Deja en 0 (o en blanco) los proyectos que no eliges."))
    elif kind == BallotType.ORDINAL:
        lines.append(
            _("Ordena los proyectos que quieres: el lugar 1 es el que más prefieres, y así.")
        )
        lines.append(_("Cada lugar es para un solo proyecto y no te saltes lugares: 1, 2, 3…"))
        lines.append(_("Deja con «—» los proyectos que no quieres ordenar."))
    else:
        lines.append(
            _(
                "Marca todos los proyectos que apruebas. Su costo no limita tu elección: "
                "el dinero se reparte al contar los votos."
            )
        )
    if kind != BallotType.CHOOSE_1:
        lines.append(_count_rule(least, most))
    lines.append(
        _(
            "Puedes cambiar tu voto mientras la votación esté abierta; "
            "solo cuenta el último que confirmes."
        )
    )
    return lines


def _count_rule(least: int, most: int | None) -> str:
    if most and least == most:
        return ngettext(
            "Elige exactamente %(num)d proyecto.", "Elige exactamente %(num)d proyectos.", least
        )
    if most and least > 1:
        return _("Elige entre %(min)d y %(max)d proyectos.", min=least, max=most)
    if most:
        return ngettext(
            "Elige como máximo %(num)d proyecto.", "Elige como máximo %(num)d proyectos.", most
        )
    if least > 1:
        return _("Elige al menos %(min)d proyectos.", min=least)
    return _("Elige al menos un proyecto; no hay un máximo.")
