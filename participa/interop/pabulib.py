"""Budgets of the platform to and from Pabulib ``.pb`` files.

Importing a file makes a finished process: one voting phase with the file's dates, a
results phase after it, a budget with the file's ballot type and rule, its projects (the
file's ids kept as ``Project.code``) and its ballots (channel ``import``, the file's voter
ids as ``voter_ref``). Exporting writes any budget back so that anyone can recount it.

An exported file is also opened in spreadsheets (it is ``;``-separated text), so its free
text cells (the META ``description``, ``unit`` and ``subunit``, and each project's ``name``)
get the CSVs' rule (:func:`participa.results.exports.safe_cell`): text starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a title like
``=HYPERLINK(...)`` is shown, never run. Ids, costs, votes, points, dates and the rule are
never touched: the file recounts exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select

from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Channel, Project
from participa.budgets.services import create_budget
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.processes.models import Process
from participa.processes.services import add_phase, create_process, slugify
from participa.results.exports import safe_cell
from participa.results.queries import published_run, scores
from participa.tallying import RULES, VoteType
from participa.tallying.pabulib import PbFile

BALLOT_TYPES = {
    VoteType.APPROVAL: BallotType.APPROVAL,
    VoteType.CHOOSE_1: BallotType.CHOOSE_1,
    VoteType.CUMULATIVE: BallotType.CUMULATIVE,
    VoteType.ORDINAL: BallotType.ORDINAL,
}
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%Y")


@dataclass(frozen=True)
class ImportReport:
    """What an import made, and what it had to adjust."""

    budget: Budget
    ballots: int
    merged_repeats: int  # a project listed twice on one ballot counts once here
    rule: str


MAX_CODE = 64  # Project.code and Ballot.voter_ref
MONEY_MAX = 2**63 - 1  # amounts and costs are BIGINT


def import_pb(pb: PbFile, slug: str | None = None) -> ImportReport:
    """Create a finished process from ``pb``; the caller commits.

    All or nothing: a file the platform cannot hold (a project costing nothing or more
    than the budget, an id too long, negative points, unreadable numbers or dates, voting
    rules the platform refuses) raises ``Invalid`` naming the key, project or voter, and
    leaves the session as it was. So does a file whose ``date_end`` is today or later: an
    import is a finished election, never a vote open online on top of its ballots.
    """
    _check(pb)
    with db.session.begin_nested():
        return _import(pb, slug)


def _check(pb: PbFile) -> None:
    """What the parser accepts but the platform cannot store."""
    budget = _int(pb.meta.get("budget", ""), "budget", MONEY_MAX)
    for code, row in pb.projects.items():
        if len(code) > MAX_CODE:
            raise Invalid(f"project_id {code[:20]!r}... is longer than {MAX_CODE} characters")
        cost = _int(row.get("cost", ""), f"cost of project {code!r}", MONEY_MAX)
        if cost <= 0:
            raise Invalid(f"project {code!r} costs {cost}: a cost must be positive")
        if cost > budget:
            raise Invalid(f"project {code!r} costs {cost}, more than the whole budget {budget}")
    for voter in pb.votes:
        if len(voter) > MAX_CODE:
            raise Invalid(f"voter_id {voter[:20]!r}... is longer than {MAX_CODE} characters")
    closes = _date(pb.meta.get("date_end", "")) + timedelta(days=1)
    if closes > utcnow():  # its voting phase would open the online vote on its ballots
        raise Invalid(
            f"date_end {pb.meta['date_end']!r} is not in the past: an imported file is a "
            "finished election, import it once its vote has closed"
        )
    if pb.meta.get("vote_type") == VoteType.CUMULATIVE:
        for voter, row in pb.votes.items():
            for p in row.get("points", "").split(","):
                if p.strip():
                    _int(p, f"points of voter {voter!r}")  # not negative, not huge


def _import(pb: PbFile, slug: str | None) -> ImportReport:
    meta = pb.meta
    known = {t.value for t in VoteType}
    vote_type = VoteType(meta["vote_type"]) if meta["vote_type"] in known else None
    if vote_type is None:
        raise Invalid(f"vote_type {meta['vote_type']!r} cannot be imported")
    rule = meta["rule"] if meta["rule"] in RULES else "greedy"
    subunit = meta.get("subunit") or meta.get("district") or ""
    title = " ".join(part for part in (meta["unit"], meta["instance"], subunit) if part)
    process = create_process(
        title=title[:200],
        slug=_free_slug(slug or slugify(title)),
        description=meta["description"],
        municipality=meta["unit"][:120],
        district_id=None,
        published=True,  # a finished process with its ballots, imported to be read
    )
    budget = create_budget(
        process,
        title=(subunit or meta["unit"])[:150],
        amount=_int(meta["budget"], "budget", MONEY_MAX),
        currency=(meta.get("currency") or "PLN")[:3],
        ballot_type=BALLOT_TYPES[vote_type],
        min_projects=_meta_int(meta, "min_length") or 0,
        max_projects=_meta_int(meta, "max_length"),
        min_points=_meta_int(meta, "min_points") or 0,
        max_points=_meta_int(meta, "max_points"),
        max_total_points=_meta_int(meta, "max_sum_points")
        if meta.get("max_sum_points")
        else (None if meta.get("max_points") or vote_type != VoteType.CUMULATIVE else 10**9),
        rule=rule,
        min_score=_meta_int(meta, "min_project_score_threshold")
        if rule == "greedy-threshold"
        else None,
        description=meta.get("comment", ""),
    )
    codes = list(pb.projects)
    ids = db.session.scalars(
        insert(Project).returning(Project.id, sort_by_parameter_order=True),
        [
            {
                "budget_id": budget.id,
                "code": code,
                "title": (row.get("name") or code)[:150],
                "description": row.get("category", ""),
                "cost": _int(row["cost"], "cost", MONEY_MAX),
                "position": i,
                "created_at": utcnow(),
            }
            for i, (code, row) in enumerate(pb.projects.items())
        ],
    ).all()
    project_of = dict(zip(codes, ids, strict=True))
    closes = _date(meta["date_end"]) + timedelta(days=1)
    ballots, merged = _import_ballots(pb, budget, project_of, vote_type, closes)
    opens = min(_date(meta["date_begin"]), closes - timedelta(days=1))
    reason = "Proceso importado de un archivo Pabulib"  # its phases are history
    add_phase(
        process,
        title="Votación",
        starts_at=opens,
        ends_at=closes,
        allows_vote=True,
        reason=reason,
    )
    add_phase(
        process,
        title="Resultados",
        starts_at=closes,
        ends_at=closes + timedelta(days=365),
        shows_results=True,
        reason=reason,
    )
    return ImportReport(budget, ballots, merged, rule)


def _import_ballots(pb, budget, project_of, vote_type, when) -> tuple[int, int]:
    voters = list(pb.votes.items())
    merged = 0
    for start in range(0, len(voters), 5000):
        chunk = voters[start : start + 5000]
        ballot_ids = db.session.scalars(
            insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True),
            [
                {
                    "budget_id": budget.id,
                    "voter_ref": voter_id[:64],
                    "channel": Channel.IMPORT,
                    "created_at": when,
                    "updated_at": when,
                }
                for voter_id, _row in chunk
            ],
        ).all()
        rows = []
        for ballot_id, (_voter, row) in zip(ballot_ids, chunk, strict=True):
            chosen = [c for c in row["vote"].split(",") if c.strip()]
            points = row.get("points", "").split(",") if vote_type == VoteType.CUMULATIVE else []
            seen: dict[int, dict] = {}
            for i, code in enumerate(c.strip() for c in chosen):
                pid = project_of[code]
                if pid in seen:
                    merged += 1
                    if points:
                        seen[pid]["points"] += _int(points[i], "points")
                    continue
                seen[pid] = {
                    "ballot_id": ballot_id,
                    "budget_id": budget.id,
                    "project_id": pid,
                    "points": _int(points[i], "points") if points else None,
                    "rank": i + 1 if vote_type == VoteType.ORDINAL else None,
                }
            rows += [r for r in seen.values() if r["points"] is None or r["points"] > 0]
        if rows:
            db.session.execute(insert(BallotItem), rows)
    return len(voters), merged


def export_pb(budget: Budget) -> PbFile:
    """``budget`` with its ballots as a Pabulib file: project ids are the imported codes
    (else the platform ids), voter ids are the ballots' random public ids. The whole file
    in memory: :class:`participa.interop.pabulib_stream.PbStream` writes the same bytes
    with flat memory."""
    head, code = pb_header(budget, None)
    votes = _vote_rows(budget, code, BallotType(budget.ballot_type).vote_type)
    head.meta["num_votes"] = str(len(votes))
    head.votes = votes
    return head


def pb_header(budget: Budget, num_votes: int | None, on: Any = None) -> tuple[PbFile, dict]:
    """The Pabulib file of ``budget`` without its votes (META saying ``num_votes``), and
    the Pabulib id of each project by platform id, read with ``on`` (the session, or a
    connection holding a snapshot)."""
    on = db.session if on is None else on
    process = budget.process
    voting = [p for p in process.phases if p.allows_vote]
    run = published_run(budget)
    selected = {o.project_id for o in run.selected} if run else None
    vote_type = BallotType(budget.ballot_type).vote_type
    projects = on.execute(
        select(Project.id, Project.code, Project.cost, Project.title)
        .where(Project.budget_id == budget.id, Project.archived_at.is_(None))
        .order_by(Project.position, Project.id)
    ).all()
    code = {p.id: p.code or str(p.id) for p in projects}
    totals = scores(budget, on)
    ends = max((p.ends_at for p in voting), default=None)
    meta = {
        "description": safe_cell(f"{process.title}: {budget.title}"),
        "country": current_app.config.get("COUNTRY", "Mexico"),
        "unit": safe_cell(process.municipality),
        "instance": process.slug,
        "subunit": safe_cell(budget.title),
        "num_projects": str(len(projects)),
        "num_votes": str(num_votes),
        "budget": str(budget.amount),
        "vote_type": str(vote_type),
        "rule": budget.rule,
        "date_begin": _pb_date(min((p.starts_at for p in voting), default=None)),
        "date_end": _pb_date(ends - timedelta(days=1) if ends else None),
        "currency": budget.currency,
        "language": "es",
    }
    meta.update(_limits(budget))
    project_columns = ["project_id", "cost", "votes", "name"]
    scored = vote_type in (VoteType.CUMULATIVE, VoteType.ORDINAL)
    if scored:
        project_columns.insert(3, "score")
    if selected is not None:
        project_columns.append("selected")
    voters_per_project = _voters_per_project(budget, on)
    project_rows: dict[str, dict[str, str]] = {}
    for p in projects:
        row = {
            "project_id": code[p.id],
            "cost": str(p.cost),
            "votes": str(voters_per_project.get(p.id, 0)),
            "name": safe_cell(p.title),
        }
        if scored:
            row["score"] = str(totals.get(p.id, 0))
        if selected is not None:
            row["selected"] = "1" if p.id in selected else "0"
        project_rows[code[p.id]] = row
    vote_columns = ["voter_id", "vote"] + (["points"] if vote_type == VoteType.CUMULATIVE else [])
    head = PbFile(
        meta=meta,
        projects=project_rows,
        votes={},
        project_columns=project_columns,
        vote_columns=vote_columns,
    )
    return head, code


def _limits(budget: Budget) -> dict[str, str]:
    """The META keys of the ballot's limits that ``budget`` sets, in file order."""
    meta = {}
    if budget.min_projects:
        meta["min_length"] = str(budget.min_projects)
    if budget.max_projects:
        meta["max_length"] = str(budget.max_projects)
    if budget.ballot_type == BallotType.KNAPSACK:
        meta["max_sum_cost"] = str(budget.amount)
        if budget.min_spend:
            meta["min_sum_cost"] = str(budget.min_spend)
    if budget.min_score is not None:
        meta["min_project_score_threshold"] = str(budget.min_score)
    if budget.max_points:
        meta["max_points"] = str(budget.max_points)
    if budget.max_total_points:
        meta["max_sum_points"] = str(budget.max_total_points)
    return meta


def _vote_rows(budget: Budget, code: dict[int, str], vote_type: VoteType) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    items: dict[int, list] = {}
    for ballot_id, project_id, points, rank in db.session.execute(
        select(
            BallotItem.ballot_id, BallotItem.project_id, BallotItem.points, BallotItem.rank
        ).where(BallotItem.budget_id == budget.id)
    ):
        items.setdefault(ballot_id, []).append((rank, project_id, points))
    for ballot_id, public_id in db.session.execute(
        select(Ballot.id, Ballot.public_id)
        .where(Ballot.budget_id == budget.id)
        .order_by(Ballot.public_id)
    ):
        row = vote_row(public_id, items.get(ballot_id, []), code, vote_type)
        if row is not None:
            rows[public_id] = row
    return rows


def vote_row(
    public_id: str,
    items: list[tuple[int | None, int, int | None]],
    code: dict[int, str],
    vote_type: VoteType,
) -> dict[str, str] | None:
    """The VOTES row of a ballot from its (rank, project id, points) items, best ranked
    first, else by project id; None for a ballot that chose nothing (not a vote)."""
    chosen = sorted((rank or 0, project_id, points) for rank, project_id, points in items)
    if not chosen:
        return None
    row = {"voter_id": public_id, "vote": ",".join(code[p] for _, p, _ in chosen)}
    if vote_type == VoteType.CUMULATIVE:
        row["points"] = ",".join(str(pt) for _, _, pt in chosen)
    return row


def _voters_per_project(budget: Budget, on: Any) -> dict[int, int]:
    return dict(
        on.execute(
            select(BallotItem.project_id, func.count())
            .where(BallotItem.budget_id == budget.id)
            .group_by(BallotItem.project_id)
        ).all()
    )


def _free_slug(slug: str) -> str:
    base, n = slug[:70] or "proceso", 1
    candidate = base
    while db.session.scalar(select(Process.id).where(Process.slug == candidate)):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


_WHOLE = re.compile(r"\s*\+?([0-9]{1,19})(?:\.0*)?\s*")


def _int(text: str, what: str, most: int = 2**31 - 1) -> int:
    """A whole number from 0 to ``most``, written like ``12`` or ``12.0``; else
    ``Invalid`` naming ``what``."""
    match = _WHOLE.fullmatch(text or "")
    if match is None or int(match[1]) > most:
        raise Invalid(f"{what} must be a whole number from 0 to {most}, got {str(text)[:40]!r}")
    return int(match[1])


def _meta_int(meta: dict[str, str], key: str) -> int | None:
    return _int(meta[key], key) if meta.get(key) else None


def _date(text: str) -> datetime:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise Invalid(f"unreadable date {text!r}")


def _pb_date(value: datetime | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""
