"""Data returned by the rules: an outcome made of one explained decision per project."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class TallyProject:
    """A project as a rule sees it: an id, a cost in whole currency units and a ballot order."""

    id: Hashable
    cost: int
    position: int = 0


class Reason(StrEnum):
    """Why a project was or was not funded."""

    SELECTED = "selected"  # funded by the rule itself
    COMPLETION = "completion"  # funded by the completion step, with money the rule left
    DOES_NOT_FIT = "does_not_fit"  # its cost exceeded the money left when its turn came
    NOT_REACHED = "not_reached"  # greedy-no-skip stopped at an earlier project that did not fit
    BELOW_THRESHOLD = "below_threshold"  # its score was under the minimum score
    WITHDRAWN = "withdrawn"  # withdrawn from the ballot (Pabulib cost 999999999)
    NOT_AFFORDABLE = "not_affordable"  # MES: its supporters had too little money left


@dataclass(frozen=True, slots=True)
class Decision:
    """The fate of one project and why.

    ``rank`` is the order in which the rule considered (greedy) or funded (MES) projects;
    ``remaining_before`` is the money of the budget left when its turn came; for MES,
    ``price`` is what each supporter paid at most and ``effective_votes`` is cost / price.
    """

    project_id: Hashable
    rank: int
    score: int
    cost: int
    selected: bool
    remaining_before: int
    reason: Reason
    tied: bool = False  # another project had the same standing; the declared order decided
    price: Fraction | None = None
    effective_votes: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    rule: str
    budget: int
    decisions: tuple[Decision, ...]
    ties: tuple[tuple[Hashable, ...], ...] = ()  # groups of projects the declared order split

    @property
    def selected(self) -> tuple[Hashable, ...]:
        """Funded project ids, in the order the rule funded them."""
        return tuple(d.project_id for d in self.decisions if d.selected)

    @property
    def total_cost(self) -> int:
        return sum(d.cost for d in self.decisions if d.selected)

    @property
    def remaining(self) -> int:
        return self.budget - self.total_cost


def order_key(project: TallyProject) -> tuple[int, tuple[int, int | str]]:
    """The declared tie order: position on the ballot, then id (numbers before text)."""
    text = str(project.id)
    return project.position, ((0, int(text)) if text.isdigit() else (1, text))


def rank_by_score(
    projects: Sequence[TallyProject], scores: Mapping[Hashable, int]
) -> list[tuple[TallyProject, int, bool]]:
    """Projects by descending score, ties by the declared order; with each score and a tie flag."""
    ordered = sorted(projects, key=lambda p: (-scores.get(p.id, 0), order_key(p)))
    counts = Counter(scores.get(p.id, 0) for p in projects)
    return [(p, scores.get(p.id, 0), counts[scores.get(p.id, 0)] > 1) for p in ordered]
