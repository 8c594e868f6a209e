"""Greedy rules: fund projects by descending score (Pabulib ``greedy``, ``greedy-no-skip``,
``greedy-threshold``; CONSUL's rule)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from participa.tallying.election import WITHDRAWN_COST, Election
from participa.tallying.model import Decision, Outcome, Reason, TallyProject, rank_by_score


def greedy(election: Election, *, skip: bool = True, min_score: int | None = None) -> Outcome:
    """Walk the projects by descending score (ties: ballot order, then id) and fund each one
    whose cost fits in the money left.

    ``skip=False`` stops at the first project that does not fit (withdrawn projects are
    passed over); ``min_score`` makes projects scoring less ineligible.
    """
    name = "greedy" if skip else "greedy-no-skip"
    if min_score is not None:
        name = "greedy-threshold"
    decisions = greedy_decisions(
        election.budget, election.projects, election.scores(), skip=skip, min_score=min_score
    )
    return Outcome(
        rule=name, budget=election.budget, decisions=decisions, ties=tied_groups(decisions)
    )


def greedy_decisions(
    budget: int,
    projects: Sequence[TallyProject],
    scores: Mapping[Hashable, int],
    *,
    skip: bool = True,
    min_score: int | None = None,
    first_rank: int = 1,
    selected_reason: Reason = Reason.SELECTED,
) -> tuple[Decision, ...]:
    """The greedy walk over ``projects`` with ``budget`` to spend; see :func:`greedy`."""
    remaining, stopped = budget, False
    decisions = []
    ranking = rank_by_score(projects, scores)
    for rank, (project, score, tied) in enumerate(ranking, start=first_rank):
        if project.cost >= WITHDRAWN_COST:
            reason = Reason.WITHDRAWN
        elif min_score is not None and score < min_score:
            reason = Reason.BELOW_THRESHOLD
        elif stopped:
            reason = Reason.NOT_REACHED
        elif project.cost <= remaining:
            reason = selected_reason
        else:
            reason = Reason.DOES_NOT_FIT
            stopped = not skip
        selected = reason == selected_reason
        decisions.append(
            Decision(
                project_id=project.id,
                rank=rank,
                score=score,
                cost=project.cost,
                selected=selected,
                remaining_before=remaining,
                reason=reason,
                tied=tied,
            )
        )
        if selected:
            remaining -= project.cost
    return tuple(decisions)


def tied_groups(decisions: Sequence[Decision]) -> tuple[tuple[Hashable, ...], ...]:
    """Groups of projects with equal scores where the declared order decided something:
    some of the group were funded and some not, or (greedy-no-skip) the walk stopped at one
    of them."""
    groups: dict[int, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.score, []).append(d)
    return tuple(
        tuple(d.project_id for d in group)
        for group in groups.values()
        if len(group) > 1
        and (
            len({d.selected for d in group}) > 1
            or (
                any(d.reason == Reason.DOES_NOT_FIT for d in group)
                and any(d.reason == Reason.NOT_REACHED for d in group)
            )
        )
    )
