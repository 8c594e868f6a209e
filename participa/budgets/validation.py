"""Ballot rules, checked on the server. Pure: no Flask, no database.

A ballot is a list of project ids (for an ordinal ballot, best first) and, for a cumulative
ballot, the parallel list of points. ``check_ballot`` returns every rule it breaks, as
``Violation`` codes with parameters, so the caller can word them in the visitor's language.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class BallotRules:
    """What a valid ballot of one budget looks like."""

    ballot_type: str  # approval, knapsack, choose-1, cumulative or ordinal
    amount: int
    min_projects: int = 0
    max_projects: int | None = None
    min_spend: int = 0  # knapsack only: the least total cost a ballot must reach
    min_points: int = 0  # cumulative: least points on a chosen project
    max_points: int | None = None  # cumulative: most points on one project
    max_total_points: int | None = None  # cumulative: most points on the ballot


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def check_ballot(
    rules: BallotRules,
    costs: Mapping[int, int],
    selection: Sequence[int],
    points: Sequence[int] | None = None,
) -> list[Violation]:
    """Every rule ``selection`` breaks; an empty list means the ballot is valid.

    ``costs`` maps each project id of the budget to its cost; ``points`` is required for,
    and only for, cumulative ballots.
    """
    violations: list[Violation] = []
    repeated = sorted(pid for pid, n in Counter(selection).items() if n > 1)
    if repeated:
        violations.append(Violation("duplicate", {"ids": repeated}))
    unknown = sorted({pid for pid in selection if pid not in costs})
    if unknown:
        violations.append(Violation("unknown_project", {"ids": unknown}))
    chosen = {pid for pid in selection if pid in costs}
    count = len(chosen)
    if count == 0:
        violations.append(Violation("empty"))
        return violations
    if count < rules.min_projects:
        violations.append(Violation("too_few", {"min": rules.min_projects, "count": count}))
    if rules.max_projects is not None and count > rules.max_projects:
        violations.append(Violation("too_many", {"max": rules.max_projects, "count": count}))
    if rules.ballot_type == "choose-1" and count != 1:
        violations.append(Violation("choose_one", {"count": count}))
    if rules.ballot_type == "cumulative":
        violations += _check_points(rules, selection, points)
    elif points is not None:
        violations.append(Violation("unexpected_points"))
    if rules.ballot_type == "knapsack":
        total = sum(costs[pid] for pid in chosen)
        if total > rules.amount:
            violations.append(Violation("over_budget", {"total": total, "amount": rules.amount}))
        if total < rules.min_spend:
            violations.append(
                Violation("under_min_spend", {"total": total, "min_spend": rules.min_spend})
            )
    return violations


def _check_points(
    rules: BallotRules, selection: Sequence[int], points: Sequence[int] | None
) -> list[Violation]:
    if points is None or len(points) != len(selection):
        return [Violation("points_missing")]
    least = max(rules.min_points, 1)
    violations = []
    if any(p < least for p in points):
        violations.append(Violation("too_few_points", {"min": least}))
    if rules.max_points is not None and any(p > rules.max_points for p in points):
        violations.append(Violation("too_many_points", {"max": rules.max_points}))
    total = sum(points)
    if rules.max_total_points is not None and total > rules.max_total_points:
        violations.append(
            Violation("over_total_points", {"total": total, "max": rules.max_total_points})
        )
    return violations
