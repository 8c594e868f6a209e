"""Read and write Pabulib ``.pb`` files, and turn them into an :class:`Election`.

A ``.pb`` file (Stolicki, Szufa, Talmon, "Pabulib: A Participatory Budgeting Library",
arXiv:2012.06539) is UTF-8 text in three sections, ``META``, ``PROJECTS`` and ``VOTES``, in
that order. Each section is a title line, a header line and rows, with ``;`` as the delimiter
and standard CSV quoting; lists inside a cell (the projects of a vote, its points) are
comma-separated. :func:`parse` checks the structure and reports the first problem as a
:class:`PbError` naming its line; :func:`to_election` builds what the rules count.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from participa.tallying.election import Ballot, Election, VoteType, fold
from participa.tallying.model import TallyProject

__all__ = [
    "REQUIRED_META",
    "VOTE_TYPES",
    "PbError",
    "PbFile",
    "dump",
    "dump_row",
    "parse",
    "read",
    "to_election",
]

REQUIRED_META = (
    "description",
    "country",
    "unit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
)
# Vote types a file may declare; ``scoring`` is parsed but has no Election counterpart.
VOTE_TYPES = frozenset({*(t.value for t in VoteType), "scoring"})
_WITH_POINTS = frozenset({"cumulative", "scoring"})  # the ``points`` column is required
_SECTIONS = ("META", "PROJECTS", "VOTES")
_TITLES = frozenset(_SECTIONS)


class PbError(ValueError):
    """A malformed .pb file; ``line`` is the 1-based line number where it was found (or None)."""

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


@dataclass
class PbFile:
    """The content of a ``.pb`` file, every cell as a (whitespace-stripped) string."""

    meta: dict[str, str]  # in file order
    projects: dict[str, dict[str, str]]  # project_id -> row (all columns), in file order
    votes: dict[str, dict[str, str]]  # voter_id -> row (all columns), in file order
    project_columns: list[str]  # header of PROJECTS, in order
    vote_columns: list[str]  # header of VOTES, in order


# --- reading -------------------------------------------------------------------------------


def read(path: str | os.PathLike[str]) -> PbFile:
    """Parse the ``.pb`` file at ``path`` (UTF-8, with or without a byte order mark)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise PbError(f"not UTF-8 text (byte {data[e.start]:#04x})", line) from None
    return parse(text)


def parse(text: str) -> PbFile:  # noqa: C901 - one pass over the sections; each check is flat
    """Parse the whole text of a ``.pb`` file, checking its structure and values.

    Blank lines are skipped, any line ends are accepted and a leading byte order mark is
    ignored. Cells are stripped of surrounding whitespace. The first problem found raises a
    :class:`PbError` with its line number (the first line of a multi-line record).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    records = _records(reader)

    def end_line() -> int:  # the last line read, for problems found at the end of the file
        return max(reader.line_num, 1)

    first = next(records, None)
    if first is None:
        raise PbError("empty file", 1)
    line, row = first
    if not _is_title(row, "META"):
        raise PbError(f"expected the META section title, got {_show(row)}", line)

    # META
    header_line, header = _header(records, "META", end_line)
    if len(header) != 2:
        raise PbError(
            f"META header must have 2 columns (key;value), got {len(header)}", header_line
        )
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    title: tuple[int, list[str]] | None = None
    for line, row in records:
        if len(row) != 2:
            if _is_title(row):
                title = (line, row)
                break
            raise PbError(_wrong_width("META", 2, row), line)
        key, value = row
        if not key:
            raise PbError("empty META key", line)
        if key in meta:
            raise PbError(f"duplicate META key {key!r} (first on line {meta_lines[key]})", line)
        meta[key] = value
        meta_lines[key] = line
    meta_end = title[0] if title else end_line()
    for key in REQUIRED_META:
        if key not in meta:
            raise PbError(f"META lacks the required key {key!r}", meta_end)
    budget = _whole(meta["budget"], "budget", meta_lines["budget"])
    if budget < 0:
        raise PbError(f"budget must not be negative, got {meta['budget']!r}", meta_lines["budget"])
    vote_type = meta["vote_type"]
    if vote_type not in VOTE_TYPES:
        raise PbError(
            f"unknown vote_type {vote_type!r} (expected one of {', '.join(sorted(VOTE_TYPES))})",
            meta_lines["vote_type"],
        )
    threshold = "min_project_score_threshold"
    if threshold in meta:
        _whole(meta[threshold], threshold, meta_lines[threshold])

    # PROJECTS
    line = _next_title(title, "PROJECTS", end_line)
    header_line, project_columns = _header(records, "PROJECTS", end_line)
    id_at, cost_at = _columns(project_columns, "PROJECTS", ("project_id", "cost"), header_line)
    width = len(project_columns)
    projects: dict[str, dict[str, str]] = {}
    project_lines: dict[str, int] = {}
    title = None
    for line, row in records:
        if len(row) != width:
            if _is_title(row):
                title = (line, row)
                break
            raise PbError(_wrong_width("PROJECTS", width, row), line)
        project_id = row[id_at]
        if not project_id:
            raise PbError("empty project_id", line)
        if project_id in projects:
            first_line = project_lines[project_id]
            raise PbError(f"duplicate project_id {project_id!r} (first on line {first_line})", line)
        cost = _whole(row[cost_at], "cost", line)
        if cost < 0:
            raise PbError(f"cost must not be negative, got {row[cost_at]!r}", line)
        projects[project_id] = dict(zip(project_columns, row))  # noqa: B905 (width checked)
        project_lines[project_id] = line

    # VOTES
    line = _next_title(title, "VOTES", end_line)
    header_line, vote_columns = _header(records, "VOTES", end_line)
    voter_at, vote_at = _columns(vote_columns, "VOTES", ("voter_id", "vote"), header_line)
    points_at = None
    if vote_type in _WITH_POINTS:
        (points_at,) = _columns(vote_columns, "VOTES", ("points",), header_line)
    width = len(vote_columns)
    known = frozenset(projects)
    # A project repeated in an approval vote is kept (and counted twice, as Pabulib's own
    # ``votes`` column does in the Warszawa 2026 files); a ranking cannot repeat one.
    ranking = vote_type == "ordinal"
    votes: dict[str, dict[str, str]] = {}
    vote_lines: dict[str, int] = {}
    for line, row in records:
        if len(row) != width:
            if _is_title(row):
                raise PbError(f"unexpected {row[0].upper()} section after VOTES", line)
            raise PbError(_wrong_width("VOTES", width, row), line)
        voter_id = row[voter_at]
        if not voter_id:
            raise PbError("empty voter_id", line)
        if voter_id in votes:
            first_line = vote_lines[voter_id]
            raise PbError(f"duplicate voter_id {voter_id!r} (first on line {first_line})", line)
        ids = _split(row[vote_at], "vote", line)
        chosen = set(ids)
        if not chosen <= known:
            unknown = next(i for i in ids if i not in known)
            raise PbError(f"vote names unknown project {unknown!r}", line)
        if ranking and len(chosen) != len(ids):
            twice = next(i for n, i in enumerate(ids) if i in ids[:n])
            raise PbError(f"ranking lists project {twice!r} more than once", line)
        if points_at is not None:
            points = _split(row[points_at], "points", line)
            if len(points) != len(ids):
                raise PbError(
                    f"points list has {len(points)} entries but vote lists {len(ids)} projects",
                    line,
                )
            for p in points:
                _whole(p, "points", line)
        votes[voter_id] = dict(zip(vote_columns, row))  # noqa: B905 (width checked)
        vote_lines[voter_id] = line

    return PbFile(meta, projects, votes, project_columns, vote_columns)


class _Reader(Protocol):
    """What :func:`csv.reader` returns."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


def _records(reader: _Reader) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with stripped cells, each with the line where the row starts."""
    end = 0
    try:
        for row in reader:
            start = end + 1
            end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield start, list(map(str.strip, row))
    except csv.Error as e:
        raise PbError(f"bad CSV quoting: {e}", end + 1) from None


def _is_title(row: list[str], title: str | None = None) -> bool:
    if len(row) != 1:
        return False
    name = row[0].upper()
    return name == title if title else name in _TITLES


def _show(row: list[str]) -> str:
    text = ";".join(row)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _header(
    records: Iterator[tuple[int, list[str]]], section: str, end_line: Callable[[], int]
) -> tuple[int, list[str]]:
    """The header line after a section title: its line number and column names."""
    record = next(records, None)
    if record is None:
        raise PbError(f"{section} section has no header", end_line())
    line, columns = record
    if _is_title(columns):
        raise PbError(f"{section} section has no header", line)
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise PbError(f"duplicate column {name!r} in the {section} header", line)
        seen.add(name)
    return line, columns


def _columns(columns: list[str], section: str, names: tuple[str, ...], line: int) -> list[int]:
    """Indexes of the required ``names`` in a header."""
    for name in names:
        if name not in columns:
            raise PbError(f"{section} header lacks the {name!r} column", line)
    return [columns.index(name) for name in names]


def _next_title(
    title: tuple[int, list[str]] | None, expected: str, end_line: Callable[[], int]
) -> int:
    """Line of the section title ``expected``, which must be the one that ended the last."""
    if title is None:
        raise PbError(f"file ends before the {expected} section", end_line())
    line, row = title
    if row[0].upper() != expected:
        raise PbError(f"expected the {expected} section, got {row[0].upper()}", line)
    return line


def _wrong_width(section: str, width: int, row: list[str]) -> str:
    fields = "1 field" if len(row) == 1 else f"{len(row)} fields"
    return f"{section} row has {fields}, the header has {width}"


def _split(cell: str, what: str, line: int | None) -> list[str]:
    """A comma-separated list cell: ``[]`` when empty, items stripped, none empty."""
    if not cell:
        return []
    items = cell.split(",")
    if " " in cell or "\t" in cell:
        items = [item.strip() for item in items]
    if "" in items:
        raise PbError(f"empty item in the {what} list {cell!r}", line)
    return items


_INTEGRAL_DECIMAL = re.compile(r"([+-]?[0-9]+)\.0*")  # "6112868.0"


def _whole(text: str, what: str, line: int | None) -> int:
    """A whole number, also when written as an integral decimal such as ``6112868.0``."""
    try:
        return int(text)
    except ValueError:
        pass
    match = _INTEGRAL_DECIMAL.fullmatch(text)
    if match:
        try:
            return int(match[1])
        except ValueError:  # more digits than int() accepts
            pass
    raise PbError(f"{what} must be a whole number, got {text!r}", line)


# --- writing -------------------------------------------------------------------------------


def dump(pb: PbFile) -> str:
    """The canonical ``.pb`` text of ``pb``.

    The three sections in order, ``;`` as the delimiter, a cell quoted only when it holds a
    ``;``, a quote or a line break (quotes doubled), ``\\n`` line ends, one at the end.
    """
    lines = ["META", "key;value"]
    lines.extend(f"{_cell(key)};{_cell(value)}" for key, value in pb.meta.items())
    for title, columns, rows in (
        ("PROJECTS", pb.project_columns, pb.projects),
        ("VOTES", pb.vote_columns, pb.votes),
    ):
        lines.append(title)
        lines.append(";".join(_cell(c) for c in columns))
        lines.extend(";".join(_cell(row[c]) for c in columns) for row in rows.values())
    lines.append("")
    return "\n".join(lines)


def dump_row(row: dict[str, str], columns: list[str]) -> str:
    """One row of a section as :func:`dump` writes it, with its line end: for writing a
    file in pieces (the text of a PbFile without votes, then each vote's row)."""
    return ";".join(_cell(row[c]) for c in columns) + "\n"


_SPECIAL = frozenset(';"\r\n')


def _cell(value: str) -> str:
    if _SPECIAL.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


# --- to an election -----------------------------------------------------------------------


def to_election(pb: PbFile) -> Election:
    """The election a parsed file describes: budget, projects in file order, folded ballots.

    Approval and choose-1 ballots list their projects in file order, so that equal sets
    fold into one weighted ballot; ordinal ballots keep their ranking; cumulative ballots
    keep the order of the file with their points. ``scoring`` files raise :class:`PbError`.
    """
    meta = pb.meta
    for key in ("budget", "vote_type"):
        if key not in meta:
            raise PbError(f"META lacks the required key {key!r}")
    try:
        vote_type = VoteType(meta["vote_type"])
    except ValueError:
        raise PbError(f"vote_type {meta['vote_type']!r} cannot be tallied here") from None
    budget = _whole(meta["budget"], "budget", None)
    threshold = meta.get("min_project_score_threshold")
    min_score = (
        None if threshold is None else _whole(threshold, "min_project_score_threshold", None)
    )

    projects = tuple(
        TallyProject(id=project_id, cost=_whole(row.get("cost", ""), "cost", None), position=index)
        for index, (project_id, row) in enumerate(pb.projects.items())
    )
    position = {p.id: p.position for p in projects}

    # Identical ballots are counted here and handed to ``fold`` once each, with their weight:
    # the same result as folding one Ballot per voter, without building them all.
    weights: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    rows = pb.votes.values()
    try:
        if vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1):
            by_position = position.__getitem__
            for row in rows:
                ids = sorted(_split(row.get("vote", ""), "vote", None), key=by_position)
                approval_key = (tuple(ids), None)
                weights[approval_key] = weights.get(approval_key, 0) + 1
        else:
            cumulative = vote_type == VoteType.CUMULATIVE
            for row in rows:
                listed = tuple(_split(row.get("vote", ""), "vote", None))
                points = None
                if cumulative:
                    cell = row.get("points", "")
                    points = tuple(_whole(p, "points", None) for p in _split(cell, "points", None))
                    if len(points) != len(listed):
                        raise PbError(
                            f"points of voter {row.get('voter_id')!r} do not match its vote"
                        )
                ballot_key = (listed, points)
                weights[ballot_key] = weights.get(ballot_key, 0) + 1
    except KeyError as e:
        raise PbError(f"a vote names unknown project {e.args[0]!r}") from None
    unknown = {i for ids, _ in weights for i in ids} - position.keys()
    if unknown:
        raise PbError(f"a vote names unknown project {min(unknown)!r}")
    ballots = fold(Ballot(ids, points, weight) for (ids, points), weight in weights.items())
    return Election(
        budget=budget,
        projects=projects,
        ballots=ballots,
        vote_type=vote_type,
        min_score=min_score,
    )
