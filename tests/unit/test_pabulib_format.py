"""Reading and writing Pabulib ``.pb`` files, and the elections they describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from pabutools.election import parse_pabulib

from participa.tallying.election import WITHDRAWN_COST, Ballot, VoteType
from participa.tallying.model import TallyProject
from participa.tallying.pabulib import PbError, PbFile, dump, parse, read, to_election
from tests.support.pabulib_dir import pabulib_dir

PABULIB = pabulib_dir()
LARGE = "Poland_Lodz_2022.pb"  # 90,494 voters: parsed by one test only


def _has_cents(path: Path) -> bool:
    """Whether the file's budget is written with a fractional part (e.g. ``1741081.19``)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            key, _sep, value = line.strip().partition(";")
            if key == "budget":
                return "." in value and value.split(".")[1].strip("0") != ""
            if line.startswith("PROJECTS"):
                return False
    return False


def pabulib_files(*, large: bool = True) -> list:
    """Every ``.pb`` file of the shared folder as a parameter (a skipped one if it is missing)."""
    paths = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []
    if not large:
        paths = [p for p in paths if p.name != LARGE]
    missing = pytest.mark.skipif(not paths, reason=f"no Pabulib files in {PABULIB}")
    # amounts with cents are refused until exact money (issue 11): strict, so it shows
    cents = pytest.mark.xfail(strict=True, raises=PbError, reason="cents: issue 11")
    return [pytest.param(p, id=p.stem, marks=[cents] if _has_cents(p) else []) for p in paths] or [
        pytest.param(None, marks=missing, id="no-files")
    ]


def assert_same(a: PbFile, b: PbFile) -> None:
    """Equal, and in the same order (dict equality alone ignores order)."""
    assert a == b
    assert list(a.meta) == list(b.meta)
    assert list(a.projects) == list(b.projects)
    assert list(a.votes) == list(b.votes)


# A small valid file; the line numbers below refer to it.
APPROVAL = """\
META
key;value
description;Test
country;Mexico
unit;Toluca
instance;2025
num_projects;3
num_votes;3
budget;1000
vote_type;approval
rule;greedy
date_begin;2025-01-01
date_end;2025-01-31
PROJECTS
project_id;cost;name
1;600;Parque
2;500;Biblioteca
3;300;Luminarias
VOTES
voter_id;vote
v1;1,3
v2;3,1
v3;2
"""
CUMULATIVE = (
    APPROVAL.replace("vote_type;approval", "vote_type;cumulative")
    .replace("voter_id;vote\n", "voter_id;vote;points\n")
    .replace("v1;1,3\n", "v1;1,3;2,1\n")
    .replace("v2;3,1\n", "v2;3,1;1,2\n")
    .replace("v3;2\n", "v3;2;3\n")
)
ORDINAL = APPROVAL.replace("vote_type;approval", "vote_type;ordinal")


# --- the real files ------------------------------------------------------------------------


@pytest.mark.parametrize("path", pabulib_files())
def test_real_file_counts_round_trip_and_tallies(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    pb = parse(text)
    assert int(pb.meta["num_projects"]) == len(pb.projects)
    assert int(pb.meta["num_votes"]) == len(pb.votes)

    assert_same(parse(dump(pb)), pb)

    election = to_election(pb)
    assert election.voters == len(pb.votes)
    assert [p.id for p in election.projects] == list(pb.projects)
    if "votes" in pb.project_columns:
        assert election.votes() == {i: int(row["votes"]) for i, row in pb.projects.items()}
    if "score" in pb.project_columns:
        assert election.scores() == {i: int(row["score"]) for i, row in pb.projects.items()}


@pytest.mark.parametrize("path", pabulib_files(large=False))
def test_dumped_real_file_reads_the_same_in_pabutools(path: Path, tmp_path: Path) -> None:
    pb = read(path)
    copy = tmp_path / path.name
    copy.write_text(dump(pb), encoding="utf-8")
    instance, profile = parse_pabulib(str(copy))
    assert instance.budget_limit == int(pb.meta["budget"])
    assert len(instance) == len(pb.projects)
    assert {p.name: p.cost for p in instance} == {
        i: int(row["cost"]) for i, row in pb.projects.items()
    }
    assert len(profile) == len(pb.votes)


# --- to_election ---------------------------------------------------------------------------


def test_approval_election_folds_equal_sets_in_file_order() -> None:
    election = to_election(parse(APPROVAL))
    assert election.budget == 1000
    assert election.vote_type == VoteType.APPROVAL
    assert election.min_score is None
    assert election.projects == (
        TallyProject(id="1", cost=600, position=0),
        TallyProject(id="2", cost=500, position=1),
        TallyProject(id="3", cost=300, position=2),
    )
    assert election.ballots == (Ballot(("1", "3"), None, 2), Ballot(("2",), None, 1))
    assert election.votes() == {"1": 2, "2": 1, "3": 2}


def test_approval_ballots_follow_file_order_not_id_order() -> None:
    text = APPROVAL.replace("1;600;Parque\n2;500", "10;600;Parque\n9;500").replace(
        "v1;1,3\nv2;3,1\nv3;2\n", "v1;9,10\nv2;10,9\nv3;9\n"
    )
    election = to_election(parse(text))
    assert election.ballots == (Ballot(("10", "9"), None, 2), Ballot(("9",), None, 1))


def test_ordinal_ballots_keep_their_ranking() -> None:
    election = to_election(parse(ORDINAL))
    assert election.vote_type == VoteType.ORDINAL
    assert election.ballots == (Ballot(("1", "3")), Ballot(("3", "1")), Ballot(("2",)))
    assert election.scores() == {"1": 3, "2": 1, "3": 3}


def test_cumulative_ballots_carry_their_points() -> None:
    election = to_election(parse(CUMULATIVE))
    assert election.vote_type == VoteType.CUMULATIVE
    assert election.ballots == (
        Ballot(("1", "3"), (2, 1)),
        Ballot(("3", "1"), (1, 2)),
        Ballot(("2",), (3,)),
    )
    assert election.scores() == {"1": 4, "2": 3, "3": 2}


def test_threshold_withdrawn_project_and_integral_decimals() -> None:
    text = APPROVAL.replace("budget;1000", "budget;1000.0").replace(
        "date_end;2025-01-31\n", "date_end;2025-01-31\nmin_project_score_threshold;50\n"
    )
    text = text.replace("2;500;Biblioteca", f"2;{WITHDRAWN_COST};Biblioteca").replace(
        "3;300;", "3;300.00;"
    )
    election = to_election(parse(text))
    assert election.budget == 1000
    assert election.min_score == 50
    assert [p.cost for p in election.projects] == [600, WITHDRAWN_COST, 300]


def test_empty_votes_section_and_empty_ballot() -> None:
    no_votes = APPROVAL.split("v1;")[0]
    pb = parse(no_votes)
    assert pb.votes == {}
    assert pb.vote_columns == ["voter_id", "vote"]
    assert to_election(pb).ballots == ()
    assert_same(parse(dump(pb)), pb)

    blank_ballot = to_election(parse(APPROVAL.replace("v3;2\n", "v3;\n")))
    assert blank_ballot.ballots[-1] == Ballot(())
    assert blank_ballot.voters == 3


def test_scoring_is_parsed_but_not_tallied() -> None:
    text = CUMULATIVE.replace("vote_type;cumulative", "vote_type;scoring")
    pb = parse(text)
    assert pb.meta["vote_type"] == "scoring"
    with pytest.raises(PbError) as caught:
        to_election(pb)
    assert caught.value.line is None
    assert str(caught.value) == "vote_type 'scoring' cannot be tallied here"


def test_repeated_project_in_an_approval_vote_counts_twice() -> None:
    """As Pabulib's own ``votes`` column does (Poland_Warszawa_2026_Brodno.pb, line 357)."""
    election = to_election(parse(APPROVAL.replace("v3;2\n", "v3;2,2\n")))
    assert election.ballots[-1] == Ballot(("2", "2"))
    assert election.votes()["2"] == 2


# --- tolerance -----------------------------------------------------------------------------


def test_bom_windows_line_ends_blank_lines_and_padding_are_accepted() -> None:
    messy = (
        "\ufeff"
        + APPROVAL.replace("PROJECTS\n", "\nPROJECTS\n")
        .replace("project_id;cost;name", " project_id ; cost ;name")
        .replace("v1;1,3", "v1; 1 , 3 ")
        .replace("\n", "\r\n")
        + "\r\n\r\n  \r\n"
    )
    pb = parse(messy)
    assert pb.votes["v1"]["vote"] == "1 , 3"  # a cell keeps its inner spaces...
    assert to_election(pb) == to_election(parse(APPROVAL))  # ...which the ballot drops
    pb.votes["v1"]["vote"] = "1,3"
    assert_same(pb, parse(APPROVAL))


def test_mixed_line_ends_are_accepted() -> None:
    mixed = APPROVAL.replace("\n", "\r\n", 5).replace("budget;1000\n", "budget;1000\r")
    assert_same(parse(mixed), parse(APPROVAL))


def test_read_accepts_a_bom_and_reports_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + APPROVAL.encode())
    assert_same(read(path), parse(APPROVAL))

    path.write_bytes(APPROVAL.replace("Biblioteca", "Biblioteca \xe9").encode("latin-1"))
    with pytest.raises(PbError) as caught:
        read(path)
    assert caught.value.line == 17
    assert str(caught.value) == "line 17: not UTF-8 text (byte 0xe9)"


# --- quoting and dump ----------------------------------------------------------------------


def test_quoted_name_with_delimiter_and_quotes_round_trips() -> None:
    name = 'Parque "Los Pinos"; etapa 2'
    text = APPROVAL.replace("1;600;Parque", '1;600;"Parque ""Los Pinos""; etapa 2"')
    pb = parse(text)
    assert pb.projects["1"]["name"] == name
    assert pb.projects["1"] == {"project_id": "1", "cost": "600", "name": name}
    assert dump(pb) == text
    assert_same(parse(dump(pb)), pb)


def test_quoted_name_survives_pabutools(tmp_path: Path) -> None:
    text = APPROVAL.replace("1;600;Parque", '1;600;"Parque ""Los Pinos""; etapa 2"')
    path = tmp_path / "quoted.pb"
    path.write_text(dump(parse(text)), encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    project = instance.get_project("1")
    assert instance.project_meta[project]["name"] == 'Parque "Los Pinos"; etapa 2'
    assert (instance.budget_limit, len(instance), len(profile)) == (1000, 3, 3)


def test_line_break_inside_quotes_keeps_line_numbers() -> None:
    text = APPROVAL.replace("1;600;Parque", '1;600;"Parque\ncentral"').replace("3;300", "3;x")
    with pytest.raises(PbError) as caught:
        parse(text)
    assert str(caught.value) == "line 19: cost must be a whole number, got 'x'"

    pb = parse(text.replace("3;x", "3;300"))
    assert pb.projects["1"]["name"] == "Parque\ncentral"
    assert_same(parse(dump(pb)), pb)


def test_dump_is_canonical() -> None:
    pb = PbFile(
        meta={"budget": "10", "comment": "a;b"},
        projects={"p": {"project_id": "p", "cost": "5", "name": 'say "hi"'}},
        votes={"1": {"voter_id": "1", "vote": "p"}},
        project_columns=["project_id", "cost", "name"],
        vote_columns=["voter_id", "vote"],
    )
    assert dump(pb) == (
        'META\nkey;value\nbudget;10\ncomment;"a;b"\n'
        'PROJECTS\nproject_id;cost;name\np;5;"say ""hi"""\n'
        "VOTES\nvoter_id;vote\n1;p\n"
    )
    assert dump(parse(APPROVAL.replace("\n", "\r\n"))) == APPROVAL


# --- malformed files -----------------------------------------------------------------------

MALFORMED = [
    ("empty", "", 1, "empty file"),
    ("blank", "\n  \n\n", 1, "empty file"),
    ("no META title", APPROVAL[5:], 1, "expected the META section title, got 'key;value'"),
    ("META without header", "META\n", 1, "META section has no header"),
    (
        "META header width",
        APPROVAL.replace("key;value", "key;value;note"),
        2,
        "META header must have 2 columns (key;value), got 3",
    ),
    (
        "META row width",
        APPROVAL.replace("unit;Toluca", "unit;Toluca;Centro"),
        5,
        "META row has 3 fields, the header has 2",
    ),
    (
        "duplicate META key",
        APPROVAL.replace("instance;2025", "country;Chile"),
        6,
        "duplicate META key 'country' (first on line 4)",
    ),
    (
        "missing META key",
        APPROVAL.replace("rule;greedy\n", ""),
        13,
        "META lacks the required key 'rule'",
    ),
    (
        "budget not a number",
        APPROVAL.replace("budget;1000", "budget;abc"),
        9,
        "budget must be a whole number, got 'abc'",
    ),
    (
        "fractional budget",
        APPROVAL.replace("budget;1000", "budget;1000.5"),
        9,
        "budget must be a whole number, got '1000.5'",
    ),
    (
        "negative budget",
        APPROVAL.replace("budget;1000", "budget;-1000"),
        9,
        "budget must not be negative, got '-1000'",
    ),
    (
        "unknown vote_type",
        APPROVAL.replace("vote_type;approval", "vote_type;borda"),
        10,
        "unknown vote_type 'borda' (expected one of approval, choose-1, cumulative, ordinal, "
        "scoring)",
    ),
    (
        "threshold not a number",
        APPROVAL.replace(
            "date_end;2025-01-31\n", "date_end;2025-01-31\nmin_project_score_threshold;x\n"
        ),
        14,
        "min_project_score_threshold must be a whole number, got 'x'",
    ),
    (
        "no PROJECTS section",
        APPROVAL.split("PROJECTS")[0],
        13,
        "file ends before the PROJECTS section",
    ),
    (
        "VOTES before PROJECTS",
        APPROVAL.split("PROJECTS")[0] + "VOTES\nvoter_id;vote\n",
        14,
        "expected the PROJECTS section, got VOTES",
    ),
    (
        "PROJECTS without header",
        APPROVAL.replace(
            "project_id;cost;name\n1;600;Parque\n2;500;Biblioteca\n3;300;Luminarias\n", ""
        ),
        15,
        "PROJECTS section has no header",
    ),
    (
        "PROJECTS header lacks cost",
        APPROVAL.replace("project_id;cost;name", "project_id;price;name"),
        15,
        "PROJECTS header lacks the 'cost' column",
    ),
    (
        "duplicate column",
        APPROVAL.replace("project_id;cost;name", "project_id;cost;cost"),
        15,
        "duplicate column 'cost' in the PROJECTS header",
    ),
    (
        "duplicate project",
        APPROVAL.replace("3;300;Luminarias", "1;300;Luminarias"),
        18,
        "duplicate project_id '1' (first on line 16)",
    ),
    (
        "PROJECTS row width",
        APPROVAL.replace("2;500;Biblioteca", "2;500"),
        17,
        "PROJECTS row has 2 fields, the header has 3",
    ),
    (
        "PROJECTS row of one field",
        APPROVAL.replace("2;500;Biblioteca", "2"),
        17,
        "PROJECTS row has 1 field, the header has 3",
    ),
    (
        "empty project id",
        APPROVAL.replace("2;500;Biblioteca", ";500;Biblioteca"),
        17,
        "empty project_id",
    ),
    (
        "cost not a number",
        APPROVAL.replace("2;500;", "2;abc;"),
        17,
        "cost must be a whole number, got 'abc'",
    ),
    (
        "fractional cost",
        APPROVAL.replace("2;500;", "2;500.5;"),
        17,
        "cost must be a whole number, got '500.5'",
    ),
    (
        "negative cost",
        APPROVAL.replace("2;500;", "2;-500;"),
        17,
        "cost must not be negative, got '-500'",
    ),
    ("no VOTES section", APPROVAL.split("VOTES")[0], 18, "file ends before the VOTES section"),
    ("VOTES without header", APPROVAL.split("voter_id")[0], 19, "VOTES section has no header"),
    (
        "VOTES header lacks vote",
        APPROVAL.replace("voter_id;vote\n", "voter_id;ballot\n"),
        20,
        "VOTES header lacks the 'vote' column",
    ),
    (
        "duplicate voter",
        APPROVAL.replace("v3;2", "v1;2"),
        23,
        "duplicate voter_id 'v1' (first on line 21)",
    ),
    ("empty voter id", APPROVAL.replace("v3;2", ";2"), 23, "empty voter_id"),
    (
        "unknown project in vote",
        APPROVAL.replace("v2;3,1", "v2;3,9"),
        22,
        "vote names unknown project '9'",
    ),
    (
        "VOTES row width",
        APPROVAL.replace("v2;3,1", "v2;3;1"),
        22,
        "VOTES row has 3 fields, the header has 2",
    ),
    (
        "empty list item",
        APPROVAL.replace("v2;3,1", "v2;3,,1"),
        22,
        "empty item in the vote list '3,,1'",
    ),
    (
        "section after VOTES",
        APPROVAL + "PROJECTS\n",
        24,
        "unexpected PROJECTS section after VOTES",
    ),
    (
        "text after a closing quote",
        APPROVAL.replace("v2;3,1", 'v2;"3"1'),
        22,
        "bad CSV quoting: ';' expected after '\"'",
    ),
    (
        "unterminated quote",
        APPROVAL.replace("v3;2", 'v3;"2'),
        23,
        "bad CSV quoting: unexpected end of data",
    ),
    (
        "cumulative without points",
        APPROVAL.replace("vote_type;approval", "vote_type;cumulative"),
        20,
        "VOTES header lacks the 'points' column",
    ),
    (
        "points list too short",
        CUMULATIVE.replace("v2;3,1;1,2", "v2;3,1;3"),
        22,
        "points list has 1 entries but vote lists 2 projects",
    ),
    (
        "points not a number",
        CUMULATIVE.replace("v2;3,1;1,2", "v2;3,1;1,x"),
        22,
        "points must be a whole number, got 'x'",
    ),
    (
        "fractional points",
        CUMULATIVE.replace("v2;3,1;1,2", "v2;3,1;1.5,1.5"),
        22,
        "points must be a whole number, got '1.5'",
    ),
    (
        "repeated project in a ranking",
        ORDINAL.replace("v2;3,1", "v2;3,1,3"),
        22,
        "ranking lists project '3' more than once",
    ),
]


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(
    ("text", "line", "message"), [pytest.param(*case[1:], id=case[0]) for case in MALFORMED]
)
def test_malformed_file_is_reported_with_its_line(
    text: str, line: int, message: str, eol: str
) -> None:
    with pytest.raises(PbError) as caught:
        parse(text.replace("\n", eol))
    assert caught.value.line == line
    assert caught.value.message == message
    assert str(caught.value) == f"line {line}: {message}"


def test_pb_error_is_a_value_error() -> None:
    assert isinstance(PbError("x"), ValueError)
    assert str(PbError("no line")) == "no line"
    assert str(PbError("cost must be a whole number, got 'abc'", 12)) == (
        "line 12: cost must be a whole number, got 'abc'"
    )
