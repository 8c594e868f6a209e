"""What a visitor may see of a budget's results: one decision, asked by every channel.

The results page, its two CSV downloads, the read API, the receipt check and the open-data
datasets all ask :func:`results_access` (or :func:`public_disclosure`) instead of reading
the phases themselves, so a phase that hides counts hides them everywhere:

- ``NOTHING``: no outcome at all, while anyone can still vote or before a phase that shows
  results has started;
- ``WINNERS``: which projects are funded and why (rank, cost, money left, reason), without
  any count: no votes or points per project, no ballots, no participation, no Equal Shares
  price or effective votes (cost / price is a count of supporters); the current phase
  shows results but hides vote counts;
- ``EVERYTHING``: the counts and the anonymous ballots too, enough to recount.

Read-only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from participa.budgets.models import Budget
from participa.processes.models import Process
from participa.processes.queries import is_public
from participa.results.models import TallyRun
from participa.results.queries import latest_run, published_run


class Disclosure(IntEnum):
    """How much of a budget's results may be shown (ordered: more is larger)."""

    NOTHING = 0
    WINNERS = 1
    EVERYTHING = 2


@dataclass(frozen=True)
class ResultsAccess:
    """What one visitor may see of a process's results, and whether it is more than the
    public sees (an administrator's preview)."""

    disclosure: Disclosure
    public: Disclosure

    @property
    def outcome(self) -> bool:
        """Which projects were funded, and why."""
        return self.disclosure >= Disclosure.WINNERS

    @property
    def counts(self) -> bool:
        """Votes or points per project, ballots counted, Equal Shares prices."""
        return self.disclosure >= Disclosure.EVERYTHING

    @property
    def ballots(self) -> bool:
        """The anonymous ballots (they carry the counts)."""
        return self.counts

    @property
    def preview(self) -> bool:
        """The visitor sees more than the public (an administrator)."""
        return self.disclosure > self.public


def public_disclosure(process: Process, now: datetime | None = None) -> Disclosure:
    """What anyone may see of the results of ``process`` at ``now``: nothing until results
    are visible (:meth:`Process.results_visible`), the winners without counts while the
    current phase hides vote counts (:meth:`Process.vote_counts_visible`), else
    everything. Nothing of a draft (:func:`participa.processes.queries.is_public`)."""
    if not is_public(process) or not process.results_visible(now):
        return Disclosure.NOTHING
    if not process.vote_counts_visible(now):
        return Disclosure.WINNERS
    return Disclosure.EVERYTHING


def _is_staff(viewer: object | None) -> bool:
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_admin", False)
    )


def results_access(
    process: Process, viewer: object | None = None, now: datetime | None = None
) -> ResultsAccess:
    """What ``viewer`` (None: anyone, as the API and open data) may see of the results of
    ``process``. Administrators see everything, marked as a preview when the public sees
    less."""
    public = public_disclosure(process, now)
    return ResultsAccess(Disclosure.EVERYTHING if _is_staff(viewer) else public, public)


def visible_run(budget: Budget, access: ResultsAccess) -> TallyRun | None:
    """The tally run whose outcome ``access`` may see: the official one once the public
    may see results; before that, for an administrator, the latest finished tally with
    the declared rule (a preview); else None."""
    if access.public >= Disclosure.WINNERS:
        return published_run(budget)
    if access.outcome:
        return latest_run(budget, budget.rule)
    return None


def budget_results(
    budget: Budget, viewer: object | None = None, now: datetime | None = None
) -> tuple[ResultsAccess, TallyRun | None]:
    """:func:`results_access` for the process of ``budget``, and :func:`visible_run`."""
    access = results_access(budget.process, viewer, now)
    return access, visible_run(budget, access)
