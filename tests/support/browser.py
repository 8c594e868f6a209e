"""Browser helpers: the axe audit, screenshots, signing in through the form, the demo city."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from participa.extensions import db

AXE_SOURCE = (
    Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
).read_text(encoding="utf-8")


TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


BLOCKING = ("serious", "critical")


RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      html: n.html.slice(0, 160),
      summary: (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 300),
    })),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations axe finds on the current page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    found = page.evaluate(RUN_AXE, TAGS)
    return [v for v in found if v["impact"] in BLOCKING]


class Audit:
    """Collects the violations of every page a role visits, to report them all at once."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.pages: list[str] = []
        self.failures: dict[str, list[dict]] = {}

    def check(self, page, name: str) -> None:
        self.pages.append(name)
        violations = axe_violations(page)
        if violations:
            self.failures[name] = violations

    def visit(self, page, base: str, path: str, name: str, status: int = 200) -> None:
        response = page.goto(base + path)
        assert response is not None and response.status == status, (name, path, response)
        self.check(page, name)

    def report(self) -> str:
        lines = [f"axe found serious or critical violations ({self.role}):"]
        for name, violations in self.failures.items():
            for v in violations:
                lines.append(f"- {name}: {v['id']} [{v['impact']}] {v['help']}")
                for node in v["nodes"][:6]:
                    lines.append(f"    {node['target']}  {node['html']}")
                    lines.append(f"      {node['summary']}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        assert self.failures == {}, self.report()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for the closing notes (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@dataclass
class City:
    """The demo municipality (without the slow Amsterdam import), plus cumulative, ordinal
    and choose-1 ballots, and the paths of the pages worth visiting."""

    logins: dict[str, tuple[str, str]]
    paths: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def seed_city(ballots: int = 60) -> City:
    """Load the demo (as ``make demo`` does, with fewer ballots and no Pabulib import,
    which takes seconds and adds no kind of page) and name its main pages."""
    from participa import demo
    from participa.accountability.models import ExecutionItem
    from participa.budgets.models import BallotType, Budget
    from participa.conversation import reports
    from participa.conversation.models import Comment
    from participa.processes.models import Process
    from participa.proposals.models import Proposal, ProposalState
    from participa.results.models import TallyRun
    from participa.results.services import request_tally
    from participa.results.tasks import run_tally
    from tests import factories as f

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "_amsterdam", lambda: None)
        demo.load(ballots=ballots)

    def process(slug: str) -> Process:
        return db.session.scalar(select(Process).where(Process.slug == slug))

    past, voting, ideas = (
        process("presupuesto-2025"),
        process("presupuesto-2026"),
        process("ideas-2027"),
    )
    city_budget = next(b for b in voting.budgets if b.ballot_type == BallotType.KNAPSACK)
    centro = next(b for b in voting.budgets if b.ballot_type == BallotType.APPROVAL)
    past_budget = past.budgets[0]
    commented = db.session.scalar(
        select(Proposal)
        .join(Comment, (Comment.target_id == Proposal.id) & (Comment.target_type == "proposal"))
        .where(Proposal.process_id == ideas.id)
        .order_by(Proposal.id)
        .limit(1)
    )
    evaluating = db.session.scalar(
        select(Proposal).where(Proposal.state == ProposalState.EVALUATING).order_by(Proposal.id)
    )
    item = db.session.scalar(
        select(ExecutionItem).where(ExecutionItem.process_id == past.id).order_by(ExecutionItem.id)
    )
    # a comment reported by enough residents to be hidden and wait in the moderation queue
    reported = db.session.scalar(select(Comment).order_by(Comment.id))
    reporters = [f.trusted_user() for _ in range(3)]  # their reports count towards hiding
    for reporter in reporters:
        reports.report("comment", reported.id, reporter, "Contenido ofensivo.")

    # a preview tally with another rule, to compare with the official one
    official = db.session.scalar(
        select(TallyRun).where(TallyRun.budget_id == past_budget.id).order_by(TallyRun.id)
    )
    preview = request_tally(past_budget, rule="equalshares")
    db.session.commit()
    run_tally(preview.id)

    kinds = f.process(now_allows=("allows_vote",), slug="boletas-de-prueba")
    kinds.title = "Boletas de prueba"
    cumulative = f.budget(
        kinds,
        ballot_type=BallotType.CUMULATIVE,
        min_points=1,
        max_points=5,
        max_total_points=8,
    )
    ordinal = f.budget(kinds, ballot_type=BallotType.ORDINAL, max_projects=3)
    choose_one = f.budget(kinds, ballot_type=BallotType.CHOOSE_1)
    db.session.commit()

    def budget_path(b: Budget) -> str:
        return f"/procesos/{b.process.slug}/presupuestos/{b.id}"

    city = City(logins=dict(demo.DEMO_LOGINS))
    city.ids.update(
        city_budget=city_budget.id,
        centro=centro.id,
        past_budget=past_budget.id,
        voting_process=voting.id,
        past_process=past.id,
        evaluating=evaluating.id,
        item=item.id,
    )
    city.paths.update(
        home="/",
        process=f"/procesos/{voting.slug}",
        ideas_process=f"/procesos/{ideas.slug}",
        proposals=f"/procesos/{ideas.slug}/propuestas/",
        proposals_filtered=f"/procesos/{voting.slug}/propuestas/?estado=accepted&orden=apoyos",
        proposal=f"/procesos/{ideas.slug}/propuestas/{commented.id}",
        new_proposal=f"/procesos/{ideas.slug}/propuestas/nueva",
        login="/entrar",
        register="/registro",
        budget=budget_path(city_budget) + "/",
        project=budget_path(city_budget) + f"/proyectos/{city_budget.projects[0].id}",
        ballot_knapsack=budget_path(city_budget) + "/boleta",
        ballot_approval=budget_path(centro) + "/boleta",
        ballot_cumulative=budget_path(cumulative) + "/boleta",
        ballot_ordinal=budget_path(ordinal) + "/boleta",
        ballot_choose_one=budget_path(choose_one) + "/boleta",
        results=budget_path(past_budget) + "/resultados/",
        past_process=f"/procesos/{past.slug}",
        process_changes=f"/procesos/{voting.slug}/cambios",
        opendata="/datos",
        opendata_process=f"/datos/{past.slug}",
        receipt="/comprobante",
        followup=f"/procesos/{past.slug}/seguimiento",
        followup_item=f"/seguimiento/{item.id}",
        verify="/verificacion",
        admin="/admin/",
        admin_process=f"/admin/procesos/{voting.id}",
        admin_budget=f"/admin/presupuestos/{city_budget.id}",
        admin_past_budget=f"/admin/presupuestos/{past_budget.id}",
        admin_budget_form=f"/admin/presupuestos/{city_budget.id}/editar",
        admin_compare=(
            f"/admin/presupuestos/{past_budget.id}/comparar?a={official.id}&b={preview.id}"
        ),
        admin_new_process="/admin/procesos/nuevo",
        admin_log="/admin/registro",
        admin_log_filtered=f"/admin/registro?proceso={voting.id}&q=a&desde=2020-01-01",
        admin_users="/admin/usuarios",
        admin_census="/admin/padron",
        admin_districts="/admin/distritos",
        admin_unpublish=f"/admin/procesos/{voting.id}/despublicar",  # refused, with reasons
        admin_publish_open_data=f"/admin/procesos/{past.id}/datos-abiertos/publicar",
        admin_followup=f"/admin/procesos/{past.id}/seguimiento",
        admin_followup_item=f"/admin/procesos/{past.id}/seguimiento/{item.id}",
        evaluator_queue="/evaluacion",
        evaluate=f"/evaluacion/propuestas/{evaluating.id}",
        moderation="/moderacion",
        booths="/casilla",
        booth=f"/casilla/{city_budget.id}",
        booth_bulk=f"/casilla/{city_budget.id}/lote",
        not_found="/no-existe-esta-pagina",
    )
    return city


WIDTHS = (1280, 375)


def look(page, folder: str, name: str) -> None:
    """Look at ``page`` as a reviewer would: axe finds nothing serious, nothing is wider
    than the window at 1280 or 375 px, and a picture at each width is kept
    (``test-artifacts/<folder>/<name>-<width>.png``); the window is 1280 px again after."""
    assert axe_violations(page) == [], name
    pictures = ARTIFACTS / folder
    pictures.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than {width}px"
        page.screenshot(path=str(pictures / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
