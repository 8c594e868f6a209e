"""Data passed to and returned by the rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TallyProject:
    """A project as a rule sees it: an id, a cost in whole currency units and a ballot order."""

    id: Hashable
    cost: int
    position: int = 0


class Reason(StrEnum):
    """Why a project was or was not funded."""

    SELECTED = "selected"
    DOES_NOT_FIT = "does_not_fit"  # its cost exceeded the money left when its turn came


@dataclass(frozen=True, slots=True)
class Decision:
    """The fate of one project: its rank by score, and the money left when its turn came."""

    project_id: Hashable
    rank: int
    score: int
    cost: int
    selected: bool
    remaining_before: int
    reason: Reason
    tied: bool  # another project had the same score; the declared order decided their ranks


@dataclass(frozen=True, slots=True)
class Outcome:
    rule: str
    budget: int
    decisions: tuple[Decision, ...]

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


def rank_by_score(
    projects: Sequence[TallyProject], scores: Mapping[Hashable, int]
) -> list[tuple[TallyProject, int, bool]]:
    """Projects by descending score, ties by (position, id); with each score and a tie flag."""
    ordered = sorted(projects, key=lambda p: (-scores.get(p.id, 0), p.position, _id_key(p.id)))
    counts = Counter(scores.get(p.id, 0) for p in projects)
    return [(p, scores.get(p.id, 0), counts[scores.get(p.id, 0)] > 1) for p in ordered]


def _id_key(project_id: Hashable) -> tuple[int, int | str]:
    """Order ids numerically when they are numbers, else as text; numbers first."""
    text = str(project_id)
    return (0, int(text)) if text.isdigit() else (1, text)
