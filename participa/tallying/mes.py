"""Method of Equal Shares (MES) for approval ballots, in exact arithmetic.

Definition (``shared/pabulib/README.md``): every voter starts with the same money. A project
is affordable if its supporters' money covers its cost; its price per supporter is the
smallest ``m`` such that supporters paying ``min(their money, m)`` add up to the cost. Each
round funds the affordable project with the best value per price — ``cost / m`` (cost
utilities, the "effective vote count") or ``1 / m`` (cardinality utilities) — ties going to
the lower cost, then more votes, then the ballot order. Its supporters pay; repeat until
nothing is affordable.

Why it is fast: voters who have paid the same amounts hold the same money, so voters are
kept in *classes* of equal money (a handful, not one per voter) and each project keeps how
many of its supporters are in each class; funding a project only splits the classes of its
supporters (a NumPy ``bincount`` over their approvals). A project's value can only fall as
money is spent, so each round re-prices projects lazily from a heap of upper bounds.
Numbers are exact rationals (gmpy2's ``mpq``).
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from gmpy2 import mpq

from participa.tallying.election import Election, VoteType
from participa.tallying.model import Decision, Outcome, Reason, order_key

UTILITIES = ("cost", "cardinality")


@dataclass(frozen=True, slots=True)
class Purchase:
    """A project funded by MES: its index, price per supporter and value per price."""

    index: int
    price: mpq
    value: mpq
    tied: bool


class ApprovalProfile:
    """The ballots of an approval election in the arrays MES works on (built once)."""

    def __init__(self, election: Election) -> None:
        if election.vote_type not in (VoteType.APPROVAL, VoteType.CHOOSE_1):
            raise ValueError(f"equal shares needs approval ballots, not {election.vote_type}")
        self.election = election
        self.projects = election.projects
        index = {p.id: i for i, p in enumerate(self.projects)}
        self.costs = [p.cost for p in self.projects]
        ballots = [b for b in election.ballots if b.projects]
        self.weights = np.array([b.weight for b in ballots], dtype=np.int64)
        self.voters = int(self.weights.sum())
        approvals = [[index[p] for p in b.projects] for b in ballots]
        self.approvals = approvals
        n_projects = len(self.projects)
        supporters: list[list[int]] = [[] for _ in range(n_projects)]
        for t, approved in enumerate(approvals):
            for c in approved:
                supporters[c].append(t)
        self.supporters = [np.array(s, dtype=np.int64) for s in supporters]
        votes = np.zeros(n_projects, dtype=np.int64)
        for t, approved in enumerate(approvals):
            votes[approved] += self.weights[t]
        self.votes = votes
        # For each project, the approvals of its supporters (type, project): what moves when
        # the project is funded.
        self.moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for c in range(n_projects):
            types = [t for t in supporters[c] for _ in approvals[t]]
            projs = [d for t in supporters[c] for d in approvals[t]]
            t_arr = np.array(types, dtype=np.int64)
            self.moves.append(
                (t_arr, np.array(projs, dtype=np.int64), self.weights[t_arr] if types else t_arr)
            )
        self.tie_keys = [
            (p.cost, -int(votes[i]), order_key(p)) for i, p in enumerate(self.projects)
        ]


def equal_shares(
    profile: ApprovalProfile, per_voter: int | mpq, utility: str = "cost"
) -> list[Purchase]:
    """Run MES with ``per_voter`` money for each voter; the purchases in funding order."""
    if utility not in UTILITIES:
        raise ValueError(f"unknown utility {utility!r}; use one of {UTILITIES}")
    n_projects = len(profile.projects)
    n_types = len(profile.weights)
    per_voter = mpq(per_voter)
    class_of = np.zeros(n_types, dtype=np.int64)
    money: list[mpq] = [per_voter]  # money of each voter of class k
    class_by_money: dict[mpq, int] = {per_voter: 0}
    counts = np.zeros((8, n_projects), dtype=np.int64)  # supporters of c in class k
    counts[0] = profile.votes
    n_classes = 1
    costs = profile.costs
    unit_utility = utility == "cardinality"

    def price_of(c: int) -> mpq | None:
        """Smallest m with sum(min(money, m)) over supporters == cost, or None."""
        column = counts[:n_classes, c].tolist()
        held = sorted((money[k], n) for k, n in enumerate(column) if n and money[k])
        remaining, payers = mpq(costs[c]), sum(n for _, n in held)
        for amount, n in held:
            if amount * payers >= remaining:
                return remaining / payers
            remaining -= amount * n
            payers -= n
        return None

    def key_of(c: int, price: mpq) -> tuple:
        value = 1 / price if unit_utility else costs[c] / price
        return (-value, *profile.tie_keys[c])

    heap: list[tuple] = []
    for c in range(n_projects):
        price = price_of(c)
        if price is not None:
            heap.append((key_of(c, price), c, price))
    heapq.heapify(heap)
    purchases: list[Purchase] = []
    funded = np.zeros(n_projects, dtype=bool)
    while heap:
        fresh: dict[int, tuple] = {}
        choice = None
        while heap:
            key, c, _price = heapq.heappop(heap)
            if funded[c]:
                continue
            if c not in fresh:
                price = price_of(c)
                if price is None:
                    continue  # money only shrinks: never affordable again
                fresh[c] = (key_of(c, price), c, price)
            if not heap or fresh[c] <= heap[0]:
                choice = fresh[c]
                break
            heapq.heappush(heap, fresh[c])
        if choice is None:
            break
        key, c, price = choice
        tied = _tied_with_next(heap, key, fresh, price_of, key_of, funded)
        purchases.append(Purchase(c, price, -key[0], tied))
        funded[c] = True
        n_classes, counts = _pay(
            profile, c, price, class_of, money, class_by_money, counts, n_classes
        )
    return purchases


def _tied_with_next(heap, key, fresh, price_of, key_of, funded) -> bool:
    """Whether another project had exactly the same value, cost and votes, so that only the
    ballot order decided between them. Only projects whose upper bound reaches the chosen
    value can tie; those are re-priced."""
    for bound, other, _price in heap:
        if funded[other] or bound[0] > key[0]:
            continue
        if other not in fresh:
            price = price_of(other)
            if price is None:
                continue
            fresh[other] = (key_of(other, price), other, price)
        if fresh[other][0][:3] == key[:3]:
            return True
    return False


def _pay(profile, c, price, class_of, money, class_by_money, counts, n_classes):
    """Supporters of project ``c`` pay ``min(their money, price)``: their classes split."""
    types = profile.supporters[c]
    old = class_of[types]
    mapping = np.arange(n_classes, dtype=np.int64)
    for k in np.unique(old).tolist():
        left = money[k] - price if money[k] > price else mpq(0)
        target = class_by_money.get(left)
        if target is None:
            target = n_classes
            n_classes += 1
            money.append(left)
            class_by_money[left] = target
            if target >= counts.shape[0]:
                counts = np.vstack([counts, np.zeros_like(counts)])
        mapping[k] = target
    move_types, move_projects, move_weights = profile.moves[c]
    n_projects = counts.shape[1]
    src = class_of[move_types]
    moved = np.bincount(
        src * n_projects + move_projects, weights=move_weights, minlength=n_classes * n_projects
    )
    moved = moved.astype(np.int64).reshape(-1, n_projects)[: len(mapping)]
    counts[: len(mapping)] -= moved
    np.add.at(counts, mapping, moved)
    class_of[types] = mapping[old]
    return n_classes, counts


def _fraction(value: mpq) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))


def mes_outcome(
    election: Election,
    *,
    utility: str = "cost",
    completion: str | None = "add1",
    rule_name: str | None = None,
    profile: ApprovalProfile | None = None,
) -> Outcome:
    """Equal shares with an optional completion, explained.

    ``completion``: ``None`` (plain MES with ``budget / voters`` each), ``"add1"`` (raise
    every voter's money by one unit while the outcome still fits the budget),
    ``"add1-utilitarian"`` (add1, then greedy by votes with what is left) or
    ``"add1-comparison"`` (add1, then greedy's outcome if more voters prefer it).
    """
    from participa.tallying.greedy import greedy, greedy_decisions

    profile = profile or ApprovalProfile(election)
    budget, n = election.budget, profile.voters
    name = rule_name or _rule_name(utility, completion)
    if n == 0:
        return greedy(election)
    if completion is None:
        purchases = equal_shares(profile, mpq(budget, n), utility)
    else:
        purchases = add1(profile, budget, utility)
    decisions = _mes_decisions(profile, purchases, budget)
    spent = sum(profile.costs[p.index] for p in purchases)
    if completion == "add1-utilitarian":
        chosen = {p.index for p in purchases}
        rest = [p for i, p in enumerate(profile.projects) if i not in chosen]
        filled = greedy_decisions(
            budget - spent,
            rest,
            election.scores(),
            first_rank=len(purchases) + 1,
            selected_reason=Reason.COMPLETION,
        )
        decisions = decisions[: len(purchases)] + filled
    outcome = Outcome(name, budget, decisions, _ties(profile, purchases))
    if completion == "add1-comparison":
        alternative = greedy(election)
        if _more_voters_prefer(profile, alternative.selected, outcome.selected):
            return Outcome(name, budget, alternative.decisions, alternative.ties)
    return outcome


def add1(profile: ApprovalProfile, budget: int, utility: str = "cost") -> list[Purchase]:
    """MES from ``budget // voters`` each, raising everyone's money by one unit at a time and
    keeping the last outcome that fits the budget; stops at the first raise that overspends
    (or once every supported project is funded)."""
    n = profile.voters
    per_voter = budget // n
    best = equal_shares(profile, per_voter, utility)
    supported = int(np.count_nonzero(profile.votes))
    while len(best) < supported:
        per_voter += 1
        attempt = equal_shares(profile, per_voter, utility)
        if sum(profile.costs[p.index] for p in attempt) > budget:
            break
        best = attempt
    return best


def _mes_decisions(profile, purchases: Sequence[Purchase], budget: int) -> tuple[Decision, ...]:
    decisions, spent = [], 0
    for rank, purchase in enumerate(purchases, start=1):
        project = profile.projects[purchase.index]
        decisions.append(
            Decision(
                project_id=project.id,
                rank=rank,
                score=int(profile.votes[purchase.index]),
                cost=project.cost,
                selected=True,
                remaining_before=budget - spent,
                reason=Reason.SELECTED,
                tied=purchase.tied,
                price=_fraction(purchase.price),
                effective_votes=_fraction(purchase.value),
            )
        )
        spent += project.cost
    chosen = {p.index for p in purchases}
    rest = sorted(
        (i for i in range(len(profile.projects)) if i not in chosen),
        key=lambda i: (-int(profile.votes[i]), order_key(profile.projects[i])),
    )
    for rank, i in enumerate(rest, start=len(purchases) + 1):
        project = profile.projects[i]
        decisions.append(
            Decision(
                project_id=project.id,
                rank=rank,
                score=int(profile.votes[i]),
                cost=project.cost,
                selected=False,
                remaining_before=budget - spent,
                reason=Reason.NOT_AFFORDABLE,
            )
        )
    return tuple(decisions)


def _ties(profile, purchases) -> tuple[tuple[Hashable, ...], ...]:
    return tuple((profile.projects[p.index].id,) for p in purchases if p.tied)


def _more_voters_prefer(profile, greedy_ids, mes_ids) -> bool:
    """Whether more voters have more approved projects funded by ``greedy_ids``."""
    index = {p.id: i for i, p in enumerate(profile.projects)}
    g = {index[i] for i in greedy_ids}
    m = {index[i] for i in mes_ids}
    prefer_greedy = prefer_mes = 0
    for approved, weight in zip(profile.approvals, profile.weights.tolist(), strict=True):
        a, b = sum(c in g for c in approved), sum(c in m for c in approved)
        if a > b:
            prefer_greedy += weight
        elif b > a:
            prefer_mes += weight
    return prefer_greedy > prefer_mes


def _rule_name(utility: str, completion: str | None) -> str:
    base = "equalshares" if utility == "cost" else "equalshares-cardinality"
    return base if completion is None else f"{base}/{completion}"
