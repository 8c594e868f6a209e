"""Counting rules. Each takes a budget, the projects and their scores, and returns an Outcome."""

from collections.abc import Callable, Hashable, Mapping, Sequence

from participa.tallying.model import Decision, Outcome, Reason, TallyProject, rank_by_score


def greedy(
    budget: int, projects: Sequence[TallyProject], scores: Mapping[Hashable, int]
) -> Outcome:
    """Fund projects by descending score, skipping any that no longer fits the money left.

    This is Pabulib's ``greedy`` and CONSUL's rule: walk the ranking (ties broken by the
    budget's order, then id) and fund each project whose cost is at most what is left.
    """
    remaining = budget
    decisions = []
    for rank, (project, score, tied) in enumerate(rank_by_score(projects, scores), start=1):
        fits = project.cost <= remaining
        decisions.append(
            Decision(
                project_id=project.id,
                rank=rank,
                score=score,
                cost=project.cost,
                selected=fits,
                remaining_before=remaining,
                reason=Reason.SELECTED if fits else Reason.DOES_NOT_FIT,
                tied=tied,
            )
        )
        if fits:
            remaining -= project.cost
    return Outcome(rule="greedy", budget=budget, decisions=tuple(decisions))


Rule = Callable[[int, Sequence[TallyProject], Mapping[Hashable, int]], Outcome]
RULES: dict[str, Rule] = {"greedy": greedy}
