"""Every model, imported in one place so the mappers and Alembic see the whole schema."""

from participa.accountability.models import ExecutionItem, ExecutionStatus, ItemFollow, Milestone
from participa.accounts.export_models import DataExport
from participa.accounts.models import AccountToken, Role, User, UserSession
from participa.audit.models import ActionLog
from participa.budgets.models import Ballot, BallotItem, Budget, Project
from participa.categories.models import Category
from participa.census.models import CensusEntry, Identity, IdentityConflict
from participa.conversation.models import Comment, Report
from participa.legal.models import Consent, DataRequest, LegalDocument
from participa.notifications.models import Follow, Notification, NotificationOptOut
from participa.opendata.models import Publication
from participa.processes.models import District, Phase, Process
from participa.proposals.models import Proposal, Support
from participa.results.models import ProjectOutcome, TallyRun
from participa.staff.models import ProcessRole

__all__ = [
    "AccountToken",
    "ActionLog",
    "Ballot",
    "BallotItem",
    "Budget",
    "Category",
    "CensusEntry",
    "Comment",
    "Consent",
    "DataExport",
    "DataRequest",
    "District",
    "ExecutionItem",
    "ExecutionStatus",
    "Follow",
    "Identity",
    "IdentityConflict",
    "ItemFollow",
    "LegalDocument",
    "Milestone",
    "Notification",
    "NotificationOptOut",
    "Phase",
    "Process",
    "ProcessRole",
    "Project",
    "ProjectOutcome",
    "Proposal",
    "Publication",
    "Report",
    "Role",
    "Support",
    "TallyRun",
    "User",
    "UserSession",
]
