"""Marshmallow schemas of the read API: they shape the responses and generate the OpenAPI
document. Output fields are all ``required`` (always present) and ``allow_none`` where the
value may be null, so the document says exactly what a response holds."""

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, validate

from participa.budgets.models import BallotType
from participa.processes.models import Action, VoteScope
from participa.proposals.models import ProposalState
from participa.tallying import RULES

MAX_PER_PAGE = 100
CATEGORY_KEY = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"  # participa.categories: lowercase, hyphens
MAX_PAGE = 100_000
INT32_MAX = 2**31 - 1


class UTCDateTime(fields.DateTime):
    """A stored naive UTC datetime, written as RFC 3339 with its offset (``+00:00``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


def _out(field_class, *args, **kwargs):
    """An output field: always present in the response."""
    return field_class(*args, required=True, **kwargs)


def _nullable(field_class, *args, **kwargs):
    return field_class(*args, required=True, allow_none=True, **kwargs)


# --- query arguments ------------------------------------------------------------------


class PaginationArgs(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Items per page (at most {MAX_PER_PAGE})."},
    )


class ProposalArgs(PaginationArgs):
    q = fields.String(
        validate=[validate.Length(max=100), _no_nul],
        metadata={"description": "Text searched in the title and body (case-insensitive)."},
    )
    category = fields.String(
        validate=[validate.Length(min=1, max=40), validate.Regexp(CATEGORY_KEY)],
        metadata={
            "description": "Category key (see `category` in proposals). The administrators "
            "define the categories: a key none of them has lists nothing."
        },
    )
    district_id = fields.Integer(
        validate=validate.Range(min=1, max=INT32_MAX), metadata={"description": "District id."}
    )
    state = fields.String(
        validate=validate.OneOf([s.value for s in ProposalState]),
        metadata={"description": "Proposal state; without it, withdrawn proposals are left out."},
    )


class DatasetArgs(PaginationArgs):
    process = fields.String(
        validate=[validate.Length(min=1, max=80), _no_nul],
        metadata={"description": "Only the publications of the process with this slug."},
    )


# --- shared pieces --------------------------------------------------------------------


class PageSchema(Schema):
    page = _out(fields.Integer, metadata={"description": "This page's number."})
    per_page = _out(fields.Integer, metadata={"description": "Items per page."})
    total = _out(fields.Integer, metadata={"description": "Items on all pages."})
    pages = _out(fields.Integer, metadata={"description": "Number of pages."})


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page schema whose ``items`` are ``item_schema`` (named ``name`` in the spec)."""
    return type(name, (PageSchema,), {"items": _out(fields.List, fields.Nested(item_schema))})


class DistrictSchema(Schema):
    id = _out(fields.Integer)
    name = _out(fields.String)


class ProcessRefSchema(Schema):
    slug = _out(fields.String)
    title = _out(fields.String)


# --- processes and phases -------------------------------------------------------------

ACTIONS = [a.value for a in Action]


class PhaseSchema(Schema):
    id = _out(fields.Integer)
    position = _out(fields.Integer)
    title = _out(fields.String)
    description = _out(fields.String)
    starts_at = _out(UTCDateTime)
    ends_at = _out(UTCDateTime)
    status = _out(fields.String, validate=validate.OneOf(["past", "current", "future"]))
    allowed_actions = _out(
        fields.List,
        fields.String(validate=validate.OneOf(ACTIONS)),
        metadata={"description": "What the phase allows while it is current."},
    )


class ProcessSchema(Schema):
    id = _out(fields.Integer)
    slug = _out(fields.String)
    title = _out(fields.String)
    municipality = _out(fields.String)
    district = _nullable(fields.Nested, DistrictSchema)
    created_at = _out(UTCDateTime)
    current_phase = _nullable(
        fields.Nested, PhaseSchema, metadata={"description": "The phase open now, if any."}
    )
    allowed_actions = _out(
        fields.List,
        fields.String(validate=validate.OneOf(ACTIONS)),
        metadata={"description": "What the process allows now (its current phase's actions)."},
    )
    vote_counts_visible = _out(fields.Boolean)
    results_visible = _out(fields.Boolean)


class ProcessDetailSchema(ProcessSchema):
    description = _out(fields.String)
    vote_scope = _out(fields.String, validate=validate.OneOf([s.value for s in VoteScope]))
    support_threshold = _nullable(fields.Integer)
    verification_to_vote = _out(fields.Boolean)
    verification_to_propose = _out(fields.Boolean)
    voting_closes_at = _nullable(UTCDateTime)
    phases = _out(fields.List, fields.Nested(PhaseSchema))


class PhaseListSchema(Schema):
    items = _out(fields.List, fields.Nested(PhaseSchema))


# --- proposals ------------------------------------------------------------------------


class ProposalSchema(Schema):
    id = _out(fields.Integer)
    process = _out(fields.Nested, ProcessRefSchema)
    title = _out(fields.String)
    body = _out(fields.String)
    category = _out(
        fields.String,
        metadata={"description": "Key of the category, defined by the administrators."},
    )
    category_label = _out(
        fields.String, metadata={"description": "The category's name, in the request's language."}
    )
    district = _nullable(fields.Nested, DistrictSchema)
    cost_estimate = _nullable(fields.Integer)
    state = _out(fields.String, validate=validate.OneOf([s.value for s in ProposalState]))
    supports_count = _nullable(
        fields.Integer,
        metadata={"description": "Null while the process's current phase hides vote counts."},
    )
    created_at = _out(UTCDateTime)
    answer = _nullable(fields.String, metadata={"description": "The published answer."})
    answered_at = _nullable(UTCDateTime)


# --- budgets and projects -------------------------------------------------------------


class BudgetSchema(Schema):
    id = _out(fields.Integer)
    process = _out(fields.Nested, ProcessRefSchema)
    district = _nullable(fields.Nested, DistrictSchema)
    position = _out(fields.Integer)
    title = _out(fields.String)
    description = _out(fields.String)
    amount = _out(fields.Integer, metadata={"description": "Whole units of the currency."})
    currency = _out(fields.String, metadata={"description": "ISO 4217 code."})
    ballot_type = _out(fields.String, validate=validate.OneOf([t.value for t in BallotType]))
    rule = _out(
        fields.String,
        validate=validate.OneOf(list(RULES)),
        metadata={"description": "The counting rule declared for the tally."},
    )
    rule_label = _out(fields.String)
    min_projects = _out(fields.Integer)
    max_projects = _nullable(fields.Integer)
    min_spend_percent = _out(fields.Integer)
    min_spend = _out(fields.Integer, metadata={"description": "Least total a ballot spends."})
    min_points = _out(fields.Integer)
    max_points = _nullable(fields.Integer)
    max_total_points = _nullable(fields.Integer)
    min_score = _nullable(fields.Integer)


class ProjectSchema(Schema):
    id = _out(fields.Integer)
    budget_id = _out(fields.Integer)
    code = _nullable(fields.String, metadata={"description": "Id in an imported .pb file."})
    position = _out(fields.Integer)
    title = _out(fields.String)
    description = _out(fields.String)
    cost = _out(fields.Integer)
    proposal_id = _nullable(
        fields.Integer, metadata={"description": "The public proposal it was born from."}
    )
    category = _nullable(
        fields.String,
        metadata={"description": "Key of the category, defined by the administrators."},
    )
    category_label = _nullable(
        fields.String, metadata={"description": "The category's name, in the request's language."}
    )


# --- results --------------------------------------------------------------------------


class OutcomeSchema(Schema):
    project_id = _out(fields.Integer)
    code = _nullable(fields.String)
    title = _out(fields.String)
    cost = _out(fields.Integer)
    rank = _out(fields.Integer)
    votes = _nullable(
        fields.Integer,
        metadata={"description": "Votes or points; null while the phase hides vote counts."},
    )
    selected = _out(fields.Boolean)
    tied = _out(fields.Boolean)
    remaining_before = _out(fields.Integer)
    reason = _out(fields.String)
    price = _nullable(
        fields.String,
        metadata={
            "description": "Equal Shares: price per supporter (fraction); null while the "
            "phase hides vote counts."
        },
    )
    effective_votes = _nullable(
        fields.String,
        metadata={
            "description": "Equal Shares: cost / price (fraction); null while the phase "
            "hides vote counts."
        },
    )


class ResultsSchema(Schema):
    budget_id = _out(fields.Integer)
    rule = _out(fields.String)
    amount = _out(fields.Integer)
    currency = _out(fields.String)
    vote_counts_visible = _out(
        fields.Boolean,
        metadata={"description": "False while the phase hides vote counts (they are null)."},
    )
    ballots_counted = _nullable(
        fields.Integer, metadata={"description": "Null while the phase hides vote counts."}
    )
    total_cost = _nullable(fields.Integer)
    tallied_at = _nullable(UTCDateTime)
    projects = _out(fields.List, fields.Nested(OutcomeSchema))


# --- open data ------------------------------------------------------------------------


class DatasetFileSchema(Schema):
    name = _out(fields.String)
    bytes = _nullable(fields.Integer)
    sha256 = _nullable(fields.String)
    rows = _nullable(fields.Integer)
    url = _out(fields.String, metadata={"description": "Download URL."})


class DatasetSchema(Schema):
    id = _out(fields.Integer)
    process = _out(fields.Nested, ProcessRefSchema)
    version = _out(fields.Integer)
    trigger = _out(fields.String, validate=validate.OneOf(["tally", "daily", "manual", "results"]))
    published_at = _out(UTCDateTime)
    pruned_at = _nullable(
        UTCDateTime,
        metadata={
            "description": "When the retention policy deleted this version's files (their "
            "URLs answer 410 Gone); null while they are served."
        },
    )
    files = _out(fields.List, fields.Nested(DatasetFileSchema))


ProcessPageSchema = page_of(ProcessSchema, "ProcessPageSchema")
ProposalPageSchema = page_of(ProposalSchema, "ProposalPageSchema")
BudgetPageSchema = page_of(BudgetSchema, "BudgetPageSchema")
ProjectPageSchema = page_of(ProjectSchema, "ProjectPageSchema")
DatasetPageSchema = page_of(DatasetSchema, "DatasetPageSchema")
