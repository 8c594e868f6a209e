"""The real Pabulib elections of shared/pabulib that the tests check, and small .pb files
(:data:`SMALL_PB`; :func:`pb_text`, three projects and three voters, to be spoiled)."""

from pathlib import Path

from participa.tallying import RULES
from participa.tallying.pabulib import PbError, read
from tests.support.pabulib_dir import pabulib_dir

PABULIB = pabulib_dir()


FILES = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []


def official(path: Path) -> tuple[str, set[str]] | None:
    """The declared rule and the funded project ids, or None if not checkable."""
    pb = read(path)
    if "selected" not in pb.project_columns or pb.meta["rule"] not in RULES:
        return None
    return pb.meta["rule"], {pid for pid, row in pb.projects.items() if row["selected"] == "1"}


def _refusal(path: Path) -> str | None:
    try:
        read(path)
    except PbError as error:
        return str(error)
    return None


# Files the reader refuses today: amounts with cents (issue 11, exact money, will read them).
REFUSED = {path: reason for path in FILES if (reason := _refusal(path))}


CHECKABLE = [path for path in FILES if path not in REFUSED and official(path)]


SMALL_PB = """\
META
key;value
description;Tres proyectos
country;Mexico
unit;Santa Lucía
instance;2026
num_projects;3
num_votes;5
date_begin;01.03.2026
date_end;31.03.2026
budget;1000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
a;600;Parque
b;500;Biblioteca
c;300;Luminarias
VOTES
voter_id;vote
v1;a,b
v2;a,c
v3;a,b,c
v4;c
v5;c
"""


PB_META = """META
key;value
description;Prueba
country;Mexico
unit;Santa Lucía
instance;2026
num_projects;3
num_votes;3
budget;1000
vote_type;{vote_type}
rule;greedy
date_begin;01.03.2026
date_end;15.03.2026
{extra}PROJECTS
project_id;cost;name
a;{cost_a};Parque
b;300;Luminarias
c;200;Biblioteca
VOTES
voter_id;vote{points_column}
v1;a,b{p1}
v2;b,c{p2}
v3;c{p3}
"""


def pb_text(
    *, vote_type="approval", extra="", cost_a="400", cumulative=False, points=("2,1", "1,1", "3")
) -> str:
    return PB_META.format(
        vote_type="cumulative" if cumulative else vote_type,
        extra=extra,
        cost_a=cost_a,
        points_column=";points" if cumulative else "",
        p1=f";{points[0]}" if cumulative else "",
        p2=f";{points[1]}" if cumulative else "",
        p3=f";{points[2]}" if cumulative else "",
    )
