"""Ballot rules, checked without a database."""

from hypothesis import given
from hypothesis import strategies as st

from participa.budgets.validation import BallotRules, check_ballot

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
