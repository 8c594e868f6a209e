"""Satisfaction functions under which pabutools' greedy is our greedy, and the greedy-no-skip
walk (shared by the rule and open data recount tests)."""

from __future__ import annotations

from collections.abc import Iterable

from pabutools.election import (
    AdditiveSatisfaction,
    Cost_Sat,
    Project,
)

from participa.tallying import VoteType
from participa.tallying.election import WITHDRAWN_COST


class PointsTimesCost(AdditiveSatisfaction):
    """Cumulative ballots: the points given to a project times its cost (see the module doc of
    tests/unit/test_rules_vs_pabutools.py)."""

    def __init__(self, instance, profile, ballot):
        super().__init__(
            instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost
        )


def _ordinal_points(instance, profile, ballot, project, precomputed):
    if project not in ballot:
        return 0
    return (len(ballot) - ballot.position(project)) * project.cost


class RankPointsTimesCost(AdditiveSatisfaction):
    """Ordinal ballots of length k: k, k-1, ..., 1 points, times the project's cost."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, _ordinal_points)


GREEDY_SAT = {
    VoteType.APPROVAL: Cost_Sat,
    VoteType.CHOOSE_1: Cost_Sat,
    VoteType.CUMULATIVE: PointsTimesCost,
    VoteType.ORDINAL: RankPointsTimesCost,
}


def no_skip_walk(ranking: Iterable[Project], budget: int) -> list[Project]:
    """README ``greedy-no-skip``: fund in ranking order, stop at the first project that does
    not fit; withdrawn projects are passed over."""
    funded, remaining = [], budget
    for project in ranking:
        if project.cost >= WITHDRAWN_COST:
            continue
        if project.cost > remaining:
            break
        funded.append(project)
        remaining -= project.cost
    return funded
