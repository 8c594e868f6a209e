"""Pure tally code: plain data in, an explained outcome out. No Flask, no database.

Every rule breaks ties by a declared order: the project's ``position`` in the budget (the
order of the ballot), then its id. Each decision records whether its score was tied with
another project's, so a results page can say that the order decided.
"""

from participa.tallying.model import Decision, Outcome, Reason, TallyProject
from participa.tallying.rules import RULES, greedy

__all__ = ["RULES", "Decision", "Outcome", "Reason", "TallyProject", "greedy"]
