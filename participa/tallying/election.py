"""An election as the rules see it: a budget, the projects in ballot order, and the ballots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from participa.tallying.model import TallyProject

WITHDRAWN_COST = 999_999_999  # Pabulib's sentinel for a withdrawn project


class VoteType(StrEnum):
    APPROVAL = "approval"  # any number of projects, one vote each
    CHOOSE_1 = "choose-1"  # exactly one project
    CUMULATIVE = "cumulative"  # points spread over projects
    ORDINAL = "ordinal"  # projects ranked best first; k, k-1, ..., 1 points


@dataclass(frozen=True, slots=True)
class Ballot:
    """One ballot, or ``weight`` identical ones.

    ``projects`` are the approved (or ranked, best first, or pointed) project ids;
    ``points`` is the parallel list of points of a cumulative ballot.
    """

    projects: tuple[Hashable, ...]
    points: tuple[int, ...] | None = None
    weight: int = 1


@dataclass(frozen=True)
class Election:
    """A budget, its projects in ballot order (``position``) and the ballots cast."""

    budget: int
    projects: tuple[TallyProject, ...]
    ballots: tuple[Ballot, ...] = ()
    vote_type: VoteType = VoteType.APPROVAL
    min_score: int | None = None  # greedy-threshold's minimum score
    _scores: dict[Hashable, int] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_scores(
        cls,
        budget: int,
        projects: Iterable[TallyProject],
        scores: Mapping[Any, int],  # by project id (a Mapping is invariant in its keys)
        vote_type: VoteType = VoteType.APPROVAL,
        min_score: int | None = None,
    ) -> Election:
        """An election known only by its scores (enough for the greedy rules), e.g. counted
        by the database."""
        projects = tuple(projects)
        election = cls(budget, projects, vote_type=vote_type, min_score=min_score)
        object.__setattr__(election, "_scores", scores_from(scores, projects))
        return election

    @property
    def voters(self) -> int:
        return sum(b.weight for b in self.ballots)

    def scores(self) -> dict[Hashable, int]:
        """Score of every project: votes (approval, choose-1), points (cumulative) or
        k..1 points per ballot of length k (ordinal). Projects nobody chose score 0."""
        scores = self._scores
        if scores is None:
            scores = _count(self, score=True)
            object.__setattr__(self, "_scores", scores)
        return scores

    def votes(self) -> dict[Hashable, int]:
        """Number of ballots that list each project."""
        return _count(self, score=False)


def _count(election: Election, *, score: bool) -> dict[Hashable, int]:
    totals: Counter[Hashable] = Counter({p.id: 0 for p in election.projects})
    for ballot in election.ballots:
        if not score or election.vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1):
            gains: Iterable[tuple[Hashable, int]] = ((p, 1) for p in ballot.projects)
        elif election.vote_type == VoteType.CUMULATIVE:
            gains = zip(ballot.projects, ballot.points or (), strict=True)
        else:
            k = len(ballot.projects)
            gains = ((p, k - i) for i, p in enumerate(ballot.projects))
        for project, gain in gains:
            totals[project] += gain * ballot.weight
    return dict(totals)


def fold(ballots: Iterable[Ballot]) -> tuple[Ballot, ...]:
    """Merge identical ballots into one with a weight (order of first appearance kept)."""
    weights: dict[tuple[tuple[Hashable, ...], tuple[int, ...] | None], int] = {}
    for b in ballots:
        key = (b.projects, b.points)
        weights[key] = weights.get(key, 0) + b.weight
    return tuple(Ballot(projects, points, weight) for (projects, points), weight in weights.items())


def scores_from(
    mapping: Mapping[Any, int], projects: Iterable[TallyProject]
) -> dict[Hashable, int]:
    """``mapping`` completed with a zero for every project it lacks."""
    return {p.id: mapping.get(p.id, 0) for p in projects}
