"""The read API's endpoints: GET only, JSON, public data only.

Nothing here names a person: no e-mails, no authors, no voters, no ballots per person.
Lists are paginated (``page``, ``per_page`` up to 100) and say their ``total``; related
rows are loaded with the list (``selectinload``/``joinedload``), never one query per item.
"""

from datetime import datetime
from typing import NoReturn
from urllib.parse import quote

from flask import Blueprint as FlaskBlueprint
from flask import request
from flask_smorest import Blueprint, abort
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import HTTPException, default_exceptions

from participa.api import schemas as s
from participa.budgets.models import Budget, Project
from participa.budgets.rules_text import RULE_LABELS
from participa.db import utcnow
from participa.extensions import db
from participa.opendata.models import Publication
from participa.processes.models import District, Phase, Process
from participa.processes.queries import public_processes, published
from participa.proposals import services as proposal_services
from participa.proposals.models import Proposal
from participa.results.models import ProjectOutcome
from participa.results.visibility import budget_results

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Participa's public data, read-only.",
)

SLUG_PARAM = {
    "in": "path",
    "name": "slug",
    "description": "The process's slug.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 80},
}


def json_error(error: HTTPException):
    """Errors inside the API are JSON, in the shape of the document's ``Error`` schema."""
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    payload = {"code": code, "status": error.name}
    data = getattr(error, "data", None) or {}
    if "message" in data:
        payload["message"] = data["message"]
    elif error.description:
        payload["message"] = str(error.description)
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
    # the exception's own headers (``Allow`` on a 405), not its HTML content type
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return payload, code, headers


# Flask looks a handler up by status code (blueprint, then application) before it looks
# by class, so each code needs its own to win over the site's HTML error pages.
for _code in default_exceptions:
    blp.register_error_handler(_code, json_error)
blp.register_error_handler(HTTPException, json_error)


def _not_found(message: str) -> NoReturn:
    abort(404, message=message)
    raise AssertionError("flask_smorest.abort raises")  # (untyped: mypy cannot know)


# --- lookups --------------------------------------------------------------------------


def _valid_id(value: int) -> bool:
    return 0 < value <= s.INT32_MAX


def _valid_slug(slug: str) -> bool:
    return 0 < len(slug) <= 80 and "\x00" not in slug


def _process_or_404(slug: str) -> Process:
    process = None
    if _valid_slug(slug):
        process = db.session.scalar(
            select(Process)
            .where(Process.slug == slug, published())
            .options(selectinload(Process.phases), joinedload(Process.district))
        )
    if process is None:
        _not_found(f"There is no process with the slug {slug!r}.")
    return process


def _budget_or_404(budget_id: int) -> Budget:
    budget = None
    if _valid_id(budget_id):
        budget = db.session.scalar(
            select(Budget)
            .join(Process, Process.id == Budget.process_id)
            .where(Budget.id == budget_id, published())
            .options(
                joinedload(Budget.district),
                joinedload(Budget.process).selectinload(Process.phases),
            )
        )
    if budget is None:
        _not_found(f"There is no budget with the id {budget_id}.")
    return budget


def _page(stmt: Select, args: dict, serialize) -> dict:
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return {
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total or 0,
        "pages": page.pages,
        "items": [serialize(item) for item in page.items],
    }


# --- serializers (plain dicts; the schemas shape and document them) -------------------


def _district(district: District | None) -> dict | None:
    return None if district is None else {"id": district.id, "name": district.name}


def _process_ref(process: Process) -> dict:
    return {"slug": process.slug, "title": process.title}


def _phase(phase: Phase, now: datetime) -> dict:
    return {
        "id": phase.id,
        "position": phase.position,
        "title": phase.title,
        "description": phase.description or "",
        "starts_at": phase.starts_at,
        "ends_at": phase.ends_at,
        "status": phase.status(now),
        "allowed_actions": [a.value for a in phase.allowed_actions],
    }


def _process(process: Process, now: datetime) -> dict:
    current = process.current_phase(now)
    return {
        "id": process.id,
        "slug": process.slug,
        "title": process.title,
        "municipality": process.municipality,
        "district": _district(process.district),
        "created_at": process.created_at,
        "current_phase": None if current is None else _phase(current, now),
        "allowed_actions": [] if current is None else [a.value for a in current.allowed_actions],
        "vote_counts_visible": process.vote_counts_visible(now),
        "results_visible": process.results_visible(now),
    }


def _process_detail(process: Process, now: datetime) -> dict:
    return {
        **_process(process, now),
        "description": process.description or "",
        "vote_scope": process.vote_scope,
        "support_threshold": process.support_threshold,
        "verification_to_vote": process.verification_to_vote,
        "verification_to_propose": process.verification_to_propose,
        "voting_closes_at": process.voting_closes_at(),
        "phases": [_phase(p, now) for p in process.phases],
    }


def _proposal(proposal: Proposal, counts_visible: bool) -> dict:
    return {
        "id": proposal.id,
        "process": _process_ref(proposal.process),
        "title": proposal.title,
        "body": proposal.body,
        "category": proposal.category,
        "category_label": proposal.category_label,
        "district": _district(proposal.district),
        "cost_estimate": proposal.cost_estimate,
        "state": proposal.state,
        "supports_count": proposal.supports_count if counts_visible else None,
        "created_at": proposal.created_at,
        "answer": proposal.answer,
        "answered_at": proposal.answered_at,
    }


def _budget(budget: Budget) -> dict:
    return {
        "id": budget.id,
        "process": _process_ref(budget.process),
        "district": _district(budget.district),
        "position": budget.position,
        "title": budget.title,
        "description": budget.description or "",
        "amount": budget.amount,
        "currency": budget.currency,
        "ballot_type": budget.ballot_type,
        "rule": budget.rule,
        "rule_label": str(RULE_LABELS.get(budget.rule, budget.rule)),
        "min_projects": budget.min_projects,
        "max_projects": budget.max_projects,
        "min_spend_percent": budget.min_spend_percent,
        "min_spend": budget.min_spend,
        "min_points": budget.min_points,
        "max_points": budget.max_points,
        "max_total_points": budget.max_total_points,
        "min_score": budget.min_score,
    }


def _project(project: Project) -> dict:
    proposal = project.proposal
    return {
        "id": project.id,
        "budget_id": project.budget_id,
        "code": project.code,
        "position": project.position,
        "title": project.title,
        "description": project.description or "",
        "cost": project.cost,
        # a proposal hidden by moderation is not public: neither is the link to it
        "proposal_id": None if proposal is None or proposal.is_hidden else proposal.id,
        "category": project.category,
        "category_label": project.category_label or None,
    }


def _outcome(outcome: ProjectOutcome, counts: bool) -> dict:
    """One project's outcome; without ``counts`` (the phase hides them) no votes and no
    Equal Shares price or effective votes (cost / price counts supporters)."""
    project = outcome.project
    return {
        "project_id": outcome.project_id,
        "code": project.code,
        "title": project.title,
        "cost": project.cost,
        "rank": outcome.rank,
        "votes": outcome.votes if counts else None,
        "selected": outcome.selected,
        "tied": outcome.tied,
        "remaining_before": outcome.remaining_before,
        "reason": outcome.reason,
        "price": outcome.price if counts else None,
        "effective_votes": outcome.effective_votes if counts else None,
    }


def dataset_file_url(slug: str, version: int, name: str) -> str:
    """The download address of a published file (served by the ``opendata`` blueprint)."""
    return f"{request.url_root}datos/{quote(slug)}/v{version}/{quote(name)}"


def _dataset(publication: Publication) -> dict:
    slug = publication.process.slug
    files = [f for f in publication.files or [] if isinstance(f, dict) and f.get("name")]
    return {
        "id": publication.id,
        "process": _process_ref(publication.process),
        "version": publication.version,
        "trigger": publication.trigger,
        "published_at": publication.published_at,
        "pruned_at": publication.pruned_at,
        "files": [
            {
                "name": f["name"],
                "bytes": f.get("bytes"),
                "sha256": f.get("sha256"),
                "rows": f.get("rows"),
                "url": dataset_file_url(slug, publication.version, f["name"]),
            }
            for f in files
        ],
    }


# --- processes ------------------------------------------------------------------------


@blp.route("/processes", tags=["processes"])
@blp.arguments(s.PaginationArgs, location="query", as_kwargs=True)
@blp.response(200, s.ProcessPageSchema)
def list_processes(**args):
    """List the processes, newest first."""
    now = utcnow()
    stmt = (
        public_processes()
        .options(selectinload(Process.phases), joinedload(Process.district))
        .order_by(Process.created_at.desc(), Process.id.desc())
    )
    return _page(stmt, args, lambda p: _process(p, now))


@blp.route("/processes/<slug>", tags=["processes"], parameters=[SLUG_PARAM])
@blp.response(200, s.ProcessDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_process(slug: str):
    """A process with its phases, its current phase and what it allows now."""
    return _process_detail(_process_or_404(slug), utcnow())


@blp.route("/processes/<slug>/phases", tags=["processes"], parameters=[SLUG_PARAM])
@blp.response(200, s.PhaseListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_phases(slug: str):
    """A process's phases in order, with what each allows."""
    process, now = _process_or_404(slug), utcnow()
    return {"items": [_phase(p, now) for p in process.phases]}


# --- proposals ------------------------------------------------------------------------


@blp.route("/processes/<slug>/proposals", tags=["proposals"], parameters=[SLUG_PARAM])
@blp.arguments(s.ProposalArgs, location="query", as_kwargs=True)
@blp.response(200, s.ProposalPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_proposals(slug: str, **args):
    """A process's proposals, newest first.

    Proposals hidden by moderation never appear; withdrawn ones only when
    `state=withdrawn` is asked for. `supports_count` is null
    while the process's current phase hides vote counts."""
    process = _process_or_404(slug)
    filters = proposal_services.ProposalFilters(
        q=args.get("q", ""),
        district_id=args.get("district_id"),
        category=args.get("category", ""),
        state=args.get("state", ""),
    )
    stmt = proposal_services.proposals_query(process, filters).options(joinedload(Proposal.process))
    counts_visible = process.vote_counts_visible()
    return _page(stmt, args, lambda p: _proposal(p, counts_visible))


@blp.route("/proposals/<int:proposal_id>", tags=["proposals"])
@blp.response(200, s.ProposalSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_proposal(proposal_id: int):
    """One proposal (not if hidden by moderation)."""
    proposal = None
    if _valid_id(proposal_id):
        proposal = db.session.scalar(
            select(Proposal)
            .join(Process, Process.id == Proposal.process_id)
            .where(Proposal.id == proposal_id, Proposal.hidden_at.is_(None), published())
            .options(
                joinedload(Proposal.district),
                joinedload(Proposal.process).selectinload(Process.phases),
            )
        )
    if proposal is None:
        _not_found(f"There is no public proposal with the id {proposal_id}.")
    return _proposal(proposal, proposal.process.vote_counts_visible())


# --- budgets and projects -------------------------------------------------------------


@blp.route("/processes/<slug>/budgets", tags=["budgets"], parameters=[SLUG_PARAM])
@blp.arguments(s.PaginationArgs, location="query", as_kwargs=True)
@blp.response(200, s.BudgetPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_budgets(slug: str, **args):
    """A process's budgets in their order."""
    process = _process_or_404(slug)
    stmt = (
        select(Budget)
        .where(Budget.process_id == process.id, Budget.archived_at.is_(None))
        .options(joinedload(Budget.district), joinedload(Budget.process))
        .order_by(Budget.position, Budget.id)
    )
    return _page(stmt, args, _budget)


@blp.route("/budgets/<int:budget_id>", tags=["budgets"])
@blp.response(200, s.BudgetSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_budget(budget_id: int):
    """A budget: amount, currency, ballot type and its limits, and the counting rule."""
    return _budget(_budget_or_404(budget_id))


@blp.route("/budgets/<int:budget_id>/projects", tags=["budgets"])
@blp.arguments(s.PaginationArgs, location="query", as_kwargs=True)
@blp.response(200, s.ProjectPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_projects(budget_id: int, **args):
    """A budget's projects in ballot order."""
    budget = _budget_or_404(budget_id)
    stmt = (
        select(Project)
        .where(Project.budget_id == budget.id, Project.archived_at.is_(None))
        .options(selectinload(Project.proposal))
        .order_by(Project.position, Project.id)
    )
    return _page(stmt, args, _project)


# --- results --------------------------------------------------------------------------


@blp.route("/budgets/<int:budget_id>/results", tags=["results"])
@blp.response(200, s.ResultsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_results(budget_id: int):
    """The published outcome of a budget's tally, project by project in rank order.

    404 until the results are public (voting closed and a phase showing them started)
    and the official tally is done. While the current phase hides vote counts
    (`vote_counts_visible` false) the funded projects are listed without any count:
    `votes`, `price`, `effective_votes` and `ballots_counted` are null."""
    budget = _budget_or_404(budget_id)
    access, run = budget_results(budget)  # as anyone: the API has no staff view
    if not access.outcome:
        _not_found("The results of this budget are not public yet.")
    if run is None:
        _not_found("This budget has no published tally yet.")
    outcomes = db.session.scalars(
        select(ProjectOutcome)
        .where(ProjectOutcome.run_id == run.id)
        .options(joinedload(ProjectOutcome.project))
        .order_by(ProjectOutcome.rank, ProjectOutcome.project_id)
    ).all()
    return {
        "budget_id": budget.id,
        "rule": run.rule,
        "amount": budget.amount,
        "currency": budget.currency,
        "vote_counts_visible": access.counts,
        "ballots_counted": run.ballots_counted if access.counts else None,
        "total_cost": run.total_cost,
        "tallied_at": run.finished_at,
        "projects": [_outcome(o, access.counts) for o in outcomes],
    }


# --- open data ------------------------------------------------------------------------


@blp.route("/datasets", tags=["datasets"])
@blp.arguments(s.DatasetArgs, location="query", as_kwargs=True)
@blp.response(200, s.DatasetPageSchema)
def list_datasets(**args):
    """The open-data publications, newest first.

    Each version lists its files with their size, sha256 and download address. Old
    versions are pruned by the retention policy (``pruned_at``: their files are gone);
    the newest ones and the first version with each official result are kept."""
    stmt = (
        select(Publication)
        .join(Process, Publication.process_id == Process.id)
        .where(published())
        .options(joinedload(Publication.process))
        .order_by(Publication.published_at.desc(), Publication.id.desc())
    )
    if args.get("process"):
        stmt = stmt.where(Process.slug == args["process"])
    return _page(stmt, args, _dataset)


# --- anything else under /api/v1 is a JSON 404 (not documented: it is no operation) ---


def _unknown(rest: str):
    _not_found("There is no such API endpoint.")


FlaskBlueprint.add_url_rule(blp, "/<path:rest>", "unknown", _unknown)
