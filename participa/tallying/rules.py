"""The counting rules by name (Pabulib's names where Pabulib has one)."""

from collections.abc import Callable

from participa.tallying.election import Election
from participa.tallying.greedy import greedy
from participa.tallying.mes import mes_outcome
from participa.tallying.model import Outcome


def _mes(utility: str, completion: str | None) -> Callable[[Election], Outcome]:
    return lambda election: mes_outcome(election, utility=utility, completion=completion)


RULES: dict[str, Callable[[Election], Outcome]] = {
    "greedy": greedy,
    "greedy-no-skip": lambda election: greedy(election, skip=False),
    "greedy-threshold": lambda election: greedy(election, min_score=election.min_score or 0),
    "equalshares": _mes("cost", None),
    "equalshares/add1": _mes("cost", "add1"),
    "equalshares/add1-comparison": _mes("cost", "add1-comparison"),
    "equalshares/add1-utilitarian": _mes("cost", "add1-utilitarian"),
    "equalshares-cardinality": _mes("cardinality", None),
    "equalshares-cardinality/add1": _mes("cardinality", "add1"),
    "equalshares-cardinality/add1-utilitarian": _mes("cardinality", "add1-utilitarian"),
}
APPROVAL_ONLY = {name for name in RULES if name.startswith("equalshares")}


def tally(election: Election, rule: str) -> Outcome:
    """Apply the rule named ``rule``; raises ``KeyError`` for an unknown name."""
    if rule not in RULES:
        raise KeyError(f"unknown rule {rule!r}; known rules: {', '.join(sorted(RULES))}")
    return RULES[rule](election)
