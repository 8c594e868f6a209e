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

import bisect
import heapq
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
from gmpy2 import mpq

from participa.tallying.election import Election, VoteType
from participa.tallying.model import Decision, Outcome, Reason, order_key

UTILITIES = ("cost", "cardinality")


_Key = tuple[Any, ...]  # a heap key: (-value, *tie keys)
_Entry = tuple[_Key, int, mpq]  # (key, project index, price)


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
        self.voters = election.voters  # empty ballots get their equal share too
        self.approvals = [[index[p] for p in b.projects] for b in ballots]
        n_projects = len(self.projects)
        # Approvals in compressed rows: type t approves projects[ptr[t]:ptr[t + 1]].
        lengths = np.array([len(a) for a in self.approvals], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lengths)])
        flat = np.fromiter(
            (c for a in self.approvals for c in a), dtype=np.int64, count=int(ptr[-1])
        )
        owner = np.repeat(np.arange(len(ballots), dtype=np.int64), lengths)
        self.votes = np.bincount(flat, weights=self.weights[owner], minlength=n_projects).astype(
            np.int64
        )
        by_project = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[by_project], np.arange(n_projects + 1))
        self.supporters = [owner[by_project[bounds[c] : bounds[c + 1]]] for c in range(n_projects)]
        # For each project, the approvals (type, project, weight) of its supporters: what
        # moves between money classes when the project is funded.
        self.moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for types in self.supporters:
            sizes = lengths[types]
            starts = np.repeat(ptr[types] - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
            entries = starts + np.arange(int(sizes.sum()))
            move_types = np.repeat(types, sizes)
            self.moves.append((move_types, flat[entries], self.weights[move_types]))
        self.tie_keys = [
            (p.cost, -int(self.votes[i]), order_key(p)) for i, p in enumerate(self.projects)
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
    state = _Classes(n_types, n_projects, per_voter, profile.votes)
    money = state.money
    costs = profile.costs
    unit_utility = utility == "cardinality"

    def price_of(c: int) -> mpq | None:
        """Smallest m with sum(min(money, m)) over supporters == cost, or None."""
        column = state.counts[state.ascending_array(), c]
        nonzero = column.nonzero()[0]
        classes = state.ascending_array()[nonzero].tolist()
        sizes = column[nonzero].tolist()
        remaining, payers = mpq(costs[c]), sum(sizes)
        for k, n in zip(classes, sizes, strict=True):
            amount = money[k]
            if amount * payers >= remaining:
                return remaining / payers
            remaining -= amount * n
            payers -= n
        return None

    def key_of(c: int, price: mpq) -> _Key:
        value = 1 / price if unit_utility else costs[c] / price
        return (-value, *profile.tie_keys[c])

    # Everyone holds the same money at first, so a project's price is simply its cost
    # shared by its supporters, when they can afford it.
    heap: list[_Entry] = []
    for c, supporters in enumerate(profile.votes.tolist()):
        if supporters and supporters * per_voter >= costs[c]:
            price = mpq(costs[c], supporters)
            heap.append((key_of(c, price), c, price))
    heapq.heapify(heap)
    purchases: list[Purchase] = []
    funded = np.zeros(n_projects, dtype=bool)
    while heap:
        fresh: dict[int, _Entry] = {}
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
        state.pay(profile, c, price)
    return purchases


def _tied_with_next(
    heap: list[_Entry],
    key: _Key,
    fresh: dict[int, _Entry],
    price_of: Callable[[int], mpq | None],
    key_of: Callable[[int, mpq], _Key],
    funded: npt.NDArray[np.bool_],
) -> bool:
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


class _Classes:
    """Voters grouped by the money they hold: ``counts[k, c]`` is how many supporters of
    project ``c`` hold ``money[k]``. Classes with no money are left out of ``ascending``."""

    def __init__(self, n_types: int, n_projects: int, per_voter: mpq, votes: np.ndarray):
        self.class_of = np.zeros(n_types, dtype=np.int64)
        self.money: list[mpq] = [per_voter]
        self.by_money: dict[mpq, int] = {per_voter: 0}
        self.counts = np.zeros((16, n_projects), dtype=np.int64)
        self.counts[0] = votes
        self.ascending: list[int] = [0]  # classes holding money, poorest first
        self._ascending_array: np.ndarray | None = None
        self.broke = self.class_for(mpq(0))  # voters who spent everything; never counted

    def ascending_array(self) -> np.ndarray:
        if self._ascending_array is None:
            self._ascending_array = np.array(self.ascending, dtype=np.int64)
        return self._ascending_array

    def class_for(self, amount: mpq) -> int:
        k = self.by_money.get(amount)
        if k is None:
            k = len(self.money)
            self.money.append(amount)
            self.by_money[amount] = k
            if k >= self.counts.shape[0]:
                self.counts = np.vstack([self.counts, np.zeros_like(self.counts)])
            if amount:
                bisect.insort(self.ascending, k, key=self.money.__getitem__)
                self._ascending_array = None
        return k

    def pay(self, profile: ApprovalProfile, c: int, price: mpq) -> None:
        """Supporters of ``c`` pay ``min(their money, price)``: their classes split."""
        types = profile.supporters[c]
        old = self.class_of[types]
        present = np.unique(old)
        targets = np.array(
            [
                self.class_for(self.money[k] - price) if self.money[k] > price else self.broke
                for k in present.tolist()
            ],
            dtype=np.int64,
        )
        position = np.zeros(len(self.money), dtype=np.int64)
        position[present] = np.arange(len(present))
        move_types, move_projects, move_weights = profile.moves[c]
        n_projects = self.counts.shape[1]
        moved = (
            np.bincount(
                position[self.class_of[move_types]] * n_projects + move_projects,
                weights=move_weights,
                minlength=len(present) * n_projects,
            )
            .astype(np.int64)
            .reshape(-1, n_projects)
        )
        self.counts[present] -= moved
        solvent = targets != self.broke  # distinct classes, so plain indexing adds correctly
        self.counts[targets[solvent]] += moved[solvent]
        mapping = np.arange(len(self.money), dtype=np.int64)
        mapping[present] = targets
        self.class_of[types] = mapping[old]


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
    from participa.tallying.greedy import greedy, greedy_decisions, tied_groups

    profile = profile or ApprovalProfile(election)
    budget, n = election.budget, profile.voters
    name = rule_name or _rule_name(utility, completion)
    overspent: list[Purchase] = []  # add1's first run over budget: its ties decided too
    if n == 0 or not profile.weights.size:
        purchases: list[Purchase] = []  # nobody approved anything: nothing is affordable
    elif completion is None:
        purchases = equal_shares(profile, mpq(budget, n), utility)
    else:
        purchases, overspent = add1(profile, budget, utility)
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
    ties = _ties(profile, purchases) + _ties(profile, overspent)
    if completion == "add1-utilitarian":
        ties += tied_groups(filled)
    outcome = Outcome(name, budget, decisions, tuple(dict.fromkeys(ties)))
    if completion == "add1-comparison":
        alternative = greedy(election)
        if _more_voters_prefer(profile, alternative.selected, outcome.selected):
            return Outcome(name, budget, alternative.decisions, alternative.ties)
    return outcome


def add1(
    profile: ApprovalProfile, budget: int, utility: str = "cost"
) -> tuple[list[Purchase], list[Purchase]]:
    """The README's Add1: MES from ``budget // voters`` each, raising everyone's money by one
    unit at a time and keeping the last outcome that fits the budget, until the first raise
    whose outcome overspends.

    Returns the kept purchases and those of the run that overspent (empty when no run that
    could decide the outcome overspends), whose ties also decided the outcome.

    The loop need not run raise by raise for ever. Call *cheap* the supported projects that
    cost at most the budget and ``enough`` their total cost. A project over the budget is
    bought only if its supporters hold its cost, so never below ``ceil(cost / votes)`` each;
    and from ``enough`` each on, nobody runs out of money buying cheap projects, so each is
    priced at an equal share and the outcome no longer changes. Hence, when the cheap projects
    fit the budget together, no outcome overspends before the first project over budget can
    be bought, and the outcome at ``enough`` each is the last one, however long the README's
    loop would go on after it.
    """
    n = profile.voters
    costs = profile.costs
    votes = profile.votes.tolist()
    per_voter = budget // n
    supported = [c for c in range(len(costs)) if votes[c]]
    enough = sum(costs[c] for c in supported if costs[c] <= budget)
    settles = enough <= budget  # nothing overspends until a project over budget is bought
    if settles:
        over = [-(-costs[c] // votes[c]) for c in supported if costs[c] > budget]
        first_over = min(over, default=None)
        if first_over is None or first_over > enough:
            return equal_shares(profile, max(per_voter, enough), utility), []
        per_voter = max(per_voter, first_over - 1)
    best = equal_shares(profile, per_voter, utility)
    while not (settles and per_voter >= enough):
        per_voter += 1
        attempt = equal_shares(profile, per_voter, utility)
        if sum(costs[p.index] for p in attempt) > budget:
            return best, attempt
        best = attempt
    return best, []


def _mes_decisions(
    profile: ApprovalProfile, purchases: Sequence[Purchase], budget: int
) -> tuple[Decision, ...]:
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


def _ties(
    profile: ApprovalProfile, purchases: Sequence[Purchase]
) -> tuple[tuple[Hashable, ...], ...]:
    return tuple((profile.projects[p.index].id,) for p in purchases if p.tied)


def _more_voters_prefer(
    profile: ApprovalProfile, greedy_ids: Sequence[Hashable], mes_ids: Sequence[Hashable]
) -> bool:
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
