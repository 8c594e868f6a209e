"""Pure tally code: plain data in, an explained outcome out. No Flask, no database.

Every rule breaks the ties it cannot decide by a declared order: the project's
``position`` on the ballot, then its id. Such ties are reported in ``Outcome.ties`` and on
each decision (``tied``), never broken silently.
"""

from participa.tallying.election import Ballot, Election, VoteType
from participa.tallying.greedy import greedy
from participa.tallying.model import Decision, Outcome, Reason, TallyProject
from participa.tallying.rules import RULES, tally

__all__ = [
    "RULES",
    "Ballot",
    "Decision",
    "Election",
    "Outcome",
    "Reason",
    "TallyProject",
    "VoteType",
    "greedy",
    "tally",
]
