"""Phase logic on plain objects (no database)."""

from datetime import datetime, timedelta

import participa.models  # noqa: F401  (configures every mapper)
from participa.processes.models import Action, Phase, Process

T0 = datetime(2026, 3, 1, 12, 0)


def make_process() -> Process:
    day = timedelta(days=1)
    return Process(
        title="P",
        slug="p",
        municipality="M",
        published_at=T0 - timedelta(days=1),
        phases=[
            Phase(
                position=1,
                title="Propuestas",
                starts_at=T0,
                ends_at=T0 + 10 * day,
                allows_propose=True,
                allows_support=True,
            ),
            Phase(
                position=2,
                title="Votación",
                starts_at=T0 + 10 * day,
                ends_at=T0 + 20 * day,
                allows_vote=True,
            ),
            Phase(
                position=3,
                title="Resultados",
                starts_at=T0 + 20 * day,
                ends_at=T0 + 30 * day,
                shows_results=True,
            ),
        ],
    )


def test_current_phase_follows_the_dates():
    process = make_process()
    assert process.current_phase(T0 - timedelta(seconds=1)) is None
    assert process.current_phase(T0).title == "Propuestas"
    assert process.current_phase(T0 + timedelta(days=10)).title == "Votación"
    assert process.current_phase(T0 + timedelta(days=30)) is None


def test_allows_reflects_the_current_phase_only():
    process = make_process()
    assert process.allows(Action.PROPOSE, T0)
    assert not process.allows(Action.VOTE, T0)
    assert process.allows(Action.VOTE, T0 + timedelta(days=15))
    assert not process.allows(Action.PROPOSE, T0 + timedelta(days=15))
    assert not process.allows(Action.VOTE, T0 + timedelta(days=40))


def test_a_draft_allows_nothing():
    process = make_process()
    process.published_at = None
    assert not process.allows(Action.PROPOSE, T0)
    assert not process.allows(Action.VOTE, T0 + timedelta(days=15))


def test_results_stay_visible_after_the_results_phase():
    process = make_process()
    assert not process.results_visible(T0 + timedelta(days=19))
    assert process.results_visible(T0 + timedelta(days=20))
    assert process.results_visible(T0 + timedelta(days=400))


def test_phase_status_and_voting_closed():
    process = make_process()
    voting = process.phases[1]
    assert voting.status(T0) == "future"
    assert voting.status(T0 + timedelta(days=12)) == "current"
    assert voting.status(T0 + timedelta(days=25)) == "past"
    assert not process.voting_closed(T0 + timedelta(days=19))
    assert process.voting_closed(T0 + timedelta(days=20))
    assert voting.allowed_actions == [Action.VOTE]
