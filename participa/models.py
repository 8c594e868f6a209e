"""Every model, imported in one place so the mappers and Alembic see the whole schema."""

from participa.accounts.models import Role, User
from participa.budgets.models import Ballot, BallotItem, Budget, Project
from participa.processes.models import District, Phase, Process
from participa.proposals.models import Proposal, Support
from participa.results.models import ProjectOutcome, TallyRun

__all__ = [
    "Ballot",
    "BallotItem",
    "Budget",
    "District",
    "Phase",
    "Process",
    "Project",
    "ProjectOutcome",
    "Proposal",
    "Role",
    "Support",
    "TallyRun",
    "User",
]
