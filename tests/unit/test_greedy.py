"""The greedy rule: by votes, skipping what no longer fits, ties by ballot order."""

from hypothesis import given
from hypothesis import strategies as st

from participa.tallying import Election, Reason, TallyProject, greedy


def run(budget, projects, scores, **options):
    return greedy(Election.from_scores(budget, projects, scores), **options)


def projects(*costs: int) -> list[TallyProject]:
    return [TallyProject(id=i, cost=c, position=i) for i, c in enumerate(costs, start=1)]


def test_funds_by_votes_and_skips_what_does_not_fit():
    outcome = run(1000, projects(600, 500, 300), {1: 10, 2: 9, 3: 8})
    assert outcome.selected == (1, 3)
    skipped = outcome.decisions[1]
    assert (skipped.project_id, skipped.reason, skipped.remaining_before) == (
        2,
        Reason.DOES_NOT_FIT,
        400,
    )
    assert outcome.total_cost == 900
    assert outcome.remaining == 100


def test_ties_are_broken_by_ballot_order_and_flagged():
    ps = [TallyProject(id="b", cost=600, position=1), TallyProject(id="a", cost=600, position=2)]
    outcome = run(1000, ps, {"a": 5, "b": 5})
    assert outcome.selected == ("b",)
    assert all(d.tied for d in outcome.decisions)


def test_ties_at_same_position_fall_back_to_numeric_id():
    ps = [TallyProject(id=10, cost=600), TallyProject(id=9, cost=600)]
    assert run(1000, ps, {9: 1, 10: 1}).selected == (9,)


def test_projects_without_votes_still_get_a_decision():
    outcome = run(1000, projects(100, 100), {1: 3})
    assert [d.score for d in outcome.decisions] == [3, 0]
    assert outcome.selected == (1, 2)


@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(0, 20)), min_size=1, max_size=12),
    st.integers(1, 200),
)
def test_greedy_never_overspends_and_is_maximal(rows, budget):
    ps = projects(*(cost for cost, _ in rows))
    scores = {p.id: votes for p, (_, votes) in zip(ps, rows, strict=True)}
    outcome = run(budget, ps, scores)
    assert outcome.total_cost <= budget
    unfunded = [p for p in ps if p.id not in outcome.selected]
    assert all(p.cost > outcome.remaining for p in unfunded)
