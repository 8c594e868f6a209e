"""Ballot rules, checked without a database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participa.budgets.ballot_box import describe
from participa.budgets.forms import BallotInput
from participa.budgets.validation import BallotRules, check_ballot
from participa.errors import Invalid

COSTS = {1: 400, 2: 300, 3: 300, 4: 200}


def codes(rules: BallotRules, selection: list[int]) -> list[str]:
    return [v.code for v in check_ballot(rules, COSTS, selection)]


def test_knapsack_within_budget_is_valid():
    assert codes(BallotRules("knapsack", 1000), [1, 2, 3]) == []


def test_knapsack_over_budget_is_refused_with_totals():
    (violation,) = check_ballot(BallotRules("knapsack", 1000), COSTS, [1, 2, 3, 4])
    assert violation.code == "over_budget"
    assert violation.params == {"total": 1200, "amount": 1000}


def test_knapsack_minimum_share_spent():
    rules = BallotRules("knapsack", 1000, min_spend=500)
    assert codes(rules, [4]) == ["under_min_spend"]
    assert codes(rules, [1, 4]) == []


def test_approval_ignores_cost_but_counts_projects():
    rules = BallotRules("approval", 100, min_projects=2, max_projects=3)
    assert codes(rules, [1, 2]) == []
    assert codes(rules, [1]) == ["too_few"]
    assert codes(rules, [1, 2, 3, 4]) == ["too_many"]


def test_empty_ballot_is_refused():
    assert codes(BallotRules("approval", 100), []) == ["empty"]


def test_unknown_and_duplicate_projects_are_refused():
    assert codes(BallotRules("approval", 100), [1, 99]) == ["unknown_project"]
    assert codes(BallotRules("approval", 100), [1, 1]) == ["duplicate"]


@given(st.lists(st.sampled_from(sorted(COSTS)), unique=True))
def test_knapsack_valid_exactly_when_non_empty_and_within_budget(selection):
    total = sum(COSTS[p] for p in selection)
    valid = not check_ballot(BallotRules("knapsack", 700), COSTS, selection)
    assert valid == (0 < total <= 700)


# --- properties: every ballot type against an independent oracle ------------------------

BALLOT_TYPES = ("approval", "knapsack", "choose-1", "cumulative", "ordinal")
UNKNOWN_IDS = (90, 91)  # ids of projects of another budget, or of none


@st.composite
def elections(draw, ballot_type: str | None = None):
    """Rules of one budget, its project costs, and a ballot (ids and, maybe, points)."""
    kind = ballot_type or draw(st.sampled_from(BALLOT_TYPES))
    n = draw(st.integers(1, 6))
    costs = {pid: draw(st.integers(1, 500)) for pid in range(1, n + 1)}
    # Boundaries matter: the limit is often exactly what some projects add up to.
    subset_sums = sorted({sum(costs[p] for p in costs if p % k == 0) for k in (1, 2, 3)} - {0})
    amount = draw(st.integers(1, 1500) | st.sampled_from(subset_sums))
    min_projects = draw(st.integers(0, 3))
    max_projects = draw(st.none() | st.integers(max(min_projects, 1), 6))
    if kind == "choose-1":
        max_projects = 1
    cumulative = kind == "cumulative"
    min_points = draw(st.integers(0, 3)) if cumulative else 0
    max_points = draw(st.none() | st.integers(max(min_points, 1), 6)) if cumulative else None
    max_total = draw(st.none() | st.integers(1, 15)) if cumulative else None
    reachable = [t for t in subset_sums if t <= amount] or [0]
    min_spend = (
        draw(st.integers(0, amount) | st.sampled_from(reachable)) if kind == "knapsack" else 0
    )
    rules = BallotRules(
        kind, amount, min_projects, max_projects, min_spend, min_points, max_points, max_total
    )
    pool = st.sampled_from([*costs, *UNKNOWN_IDS])
    selection = draw(
        st.lists(st.sampled_from(list(costs)), min_size=1, unique=True)  # mostly well formed
        | st.lists(pool, max_size=8)
        | st.lists(pool, max_size=8, unique=True)
    )
    points = None
    if cumulative or draw(st.integers(0, 9)) == 0:  # now and then, points where none go
        length = len(selection) + (draw(st.sampled_from([0, 0, 0, -1, 1])) if selection else 0)
        floor, ceiling = max(min_points, 1), max_points or 7
        each = st.integers(floor, ceiling) | st.integers(0, 7)  # often within the limits
        points = draw(st.lists(each, min_size=length, max_size=length))
        if cumulative and draw(st.integers(0, 9)) == 0:
            points = None  # a cumulative ballot without its points
    return rules, costs, selection, points


def oracle(rules: BallotRules, costs: dict[int, int], selection, points) -> bool:
    """Whether a ballot is valid, written from the rules as the instructions state them
    (not from the code under test)."""
    chosen = set(selection)
    if not selection or len(chosen) < len(selection):  # empty, or a project twice
        return False
    if not chosen.issubset(costs):  # a project of another budget
        return False
    within_count = rules.min_projects <= len(chosen) and (
        rules.max_projects is None or len(chosen) <= rules.max_projects
    )
    if not within_count:
        return False
    kind = rules.ballot_type
    if kind == "choose-1":
        return len(chosen) == 1 and points is None
    if kind == "knapsack":
        spent = sum(costs[p] for p in chosen)
        return points is None and rules.min_spend <= spent <= rules.amount
    if kind == "cumulative":
        if points is None or len(points) != len(selection):
            return False
        floor = max(1, rules.min_points)
        ceiling = rules.max_points if rules.max_points is not None else float("inf")
        total_cap = rules.max_total_points if rules.max_total_points is not None else float("inf")
        return all(floor <= p <= ceiling for p in points) and sum(points) <= total_cap
    return points is None  # approval and ordinal: cost never limits the choice


@pytest.mark.parametrize("ballot_type", BALLOT_TYPES)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_validation_accepts_exactly_what_the_oracle_accepts(ballot_type, data):
    rules, costs, selection, points = data.draw(elections(ballot_type))
    violations = check_ballot(rules, costs, selection, points)
    assert (violations == []) == oracle(rules, costs, selection, points), violations


@settings(max_examples=200, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_validation_is_deterministic_and_ignores_the_order_of_the_ballot(election, rng):
    rules, costs, selection, points = election
    first = check_ballot(rules, costs, selection, points)
    assert check_ballot(rules, costs, list(selection), None if points is None else [*points]) == (
        first
    )
    if points is not None and len(points) != len(selection):
        return  # no parallel order to keep
    pairs = list(zip(selection, points or [None] * len(selection), strict=True))
    rng.shuffle(pairs)
    shuffled = [pid for pid, _p in pairs]
    shuffled_points = None if points is None else [p for _pid, p in pairs]
    # An ordinal ballot is valid or not whatever its order; so is every other type, and
    # the reasons are the same.
    assert check_ballot(rules, costs, shuffled, shuffled_points) == first


@settings(max_examples=200, deadline=None)
@given(elections())
def test_every_refusal_has_a_message_in_plain_words(election):
    rules, costs, selection, points = election
    for violation in check_ballot(rules, costs, selection, points):
        message = describe("MXN", violation)
        assert isinstance(message, str) and len(message.strip()) > 10, violation
        assert "%(" not in message  # every placeholder filled in


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 9), st.integers(1, 6), max_size=6))
def test_ordinal_places_must_be_one_to_k_without_repeats(marks):
    """A ranking read from the form is accepted iff its places are exactly 1..k."""
    entry = BallotInput("ordinal", marks=dict(marks))
    valid = sorted(marks.values()) == list(range(1, len(marks) + 1))
    if valid:
        ids, points = entry.selection()
        assert points is None
        assert [marks[pid] for pid in ids] == list(range(1, len(marks) + 1))  # best first
    else:
        with pytest.raises(Invalid) as refused:
            entry.selection()
        assert refused.value.message.strip()
