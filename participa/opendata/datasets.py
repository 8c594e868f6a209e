"""The open datasets of a process: rows streamed from the database, and their Table Schemas.

Each :class:`Dataset` yields plain tuples (ints, strings, dates, booleans, None) in the order
of its fields, reading the database in batches: nothing holds a whole table in memory. Its
Table Schema is the data dictionary, in Spanish (``description``) and English
(``description_en``). What a phase hides is never yielded: hidden proposals are left out,
support counts are empty while the current phase hides vote counts, and a budget's results
and ballots appear as :func:`participa.results.visibility.public_disclosure` says: nothing
before results are public, the funded projects without any count while the phase hides
vote counts, everything (ballots included) after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ARRAY, Integer, any_, cast, select

from participa.accountability.models import ExecutionItem, ExecutionStatus, Milestone
from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Project
from participa.budgets.rules_text import RULE_LABELS
from participa.extensions import db
from participa.processes.models import District, Phase, Process
from participa.proposals.models import CATEGORIES, Proposal
from participa.results.models import TallyRun
from participa.results.visibility import results_access, visible_run

BATCH = 10_000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: integer, string, boolean, date, datetime
    description: str  # Spanish
    description_en: str
    required: bool = False

    def descriptor(self) -> dict:
        out: dict = {
            "name": self.name,
            "type": self.type,
            "format": "default",
            "description": self.description,
            "description_en": self.description_en,
        }
        if self.required:
            out["constraints"] = {"required": True}
        return out


@dataclass(frozen=True)
class Dataset:
    """One table of the data package (a CSV file and a JSON file)."""

    name: str  # resource name and file stem
    title: str
    title_en: str
    description: str
    description_en: str
    topic: str  # key of TOPICS
    subtopic: str  # key of SUBTOPICS
    fields: tuple[Field, ...]
    rows: Callable[[Process], Iterator[tuple]]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, resource, field)
    keywords: Callable[[Process], list[str]] = field(default=lambda process: [])

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def schema(self) -> dict:
        schema: dict = {"fields": [f.descriptor() for f in self.fields]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": name, "reference": {"resource": resource, "fields": target}}
                for name, resource, target in self.foreign_keys
            ]
        return schema


# Topics and subtopics of the catalogue (Spanish, English).
TOPICS = {
    "proceso": ("Proceso participativo", "Participatory process"),
    "propuestas": ("Propuestas ciudadanas", "Residents' proposals"),
    "presupuesto": ("Presupuesto y proyectos", "Budget and projects"),
    "votacion": ("Votación y resultados", "Voting and results"),
    "ejecucion": ("Ejecución de los proyectos", "Project execution"),
}
SUBTOPICS = {
    "procesos": ("proceso", "Procesos", "Processes"),
    "calendario": ("proceso", "Calendario y fases", "Calendar and phases"),
    "propuestas": ("propuestas", "Propuestas y respuestas", "Proposals and answers"),
    "presupuestos": ("presupuesto", "Presupuestos y reglas", "Budgets and rules"),
    "proyectos": ("presupuesto", "Proyectos en la boleta", "Projects on the ballot"),
    "boletas": ("votacion", "Boletas anónimas", "Anonymous ballots"),
    "resultados": ("votacion", "Resultados del cómputo", "Tally results"),
    "pabulib": ("votacion", "Archivos Pabulib", "Pabulib files"),
    "avance": ("ejecucion", "Avance de obras", "Progress of works"),
    "hitos": ("ejecucion", "Hitos", "Milestones"),
}


# --- visibility --------------------------------------------------------------------------


def counts_public(process: Process) -> bool:
    """Vote counts, and the ballots that carry them, are published (``EVERYTHING``)."""
    return results_access(process).counts  # as anyone: published files are public


def ballots_public(process: Process) -> bool:
    """The anonymous ballots (and the .pb files) are published: only with the counts."""
    return counts_public(process)


def published_budgets(process: Process) -> list[tuple[Budget, TallyRun]]:
    """The budgets whose official outcome is public, with that tally run."""
    access = results_access(process)  # as anyone: published files are public
    if not access.outcome:
        return []
    out = []
    for budget in _budgets(process):
        run = visible_run(budget, access)
        if run is not None:
            out.append((budget, run))
    return out


def _budgets(process: Process) -> list[Budget]:
    return list(
        db.session.scalars(
            select(Budget)
            .where(Budget.process_id == process.id)
            .order_by(Budget.position, Budget.id)
        )
    )


def _district_names() -> dict[int, str]:
    return dict(db.session.execute(select(District.id, District.name)).all())


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


# --- processes and phases ----------------------------------------------------------------


def process_rows(process: Process) -> Iterator[tuple]:
    districts = _district_names()
    yield (
        process.id,
        process.slug,
        process.title,
        process.description,
        process.municipality,
        districts.get(process.district_id) if process.district_id else None,
        process.vote_scope,
        process.support_threshold,
        results_access(process).outcome,
        _day(process.created_at),
    )


def phase_rows(process: Process) -> Iterator[tuple]:
    for phase in db.session.scalars(
        select(Phase).where(Phase.process_id == process.id).order_by(Phase.position)
    ):
        yield (
            phase.id,
            process.id,
            phase.position,
            phase.title,
            phase.description,
            phase.starts_at,
            phase.ends_at,
            phase.allows_propose,
            phase.allows_support,
            phase.allows_comment,
            phase.allows_vote,
            phase.shows_vote_counts,
            phase.shows_results,
        )


# --- proposals ---------------------------------------------------------------------------


def proposal_rows(process: Process) -> Iterator[tuple]:
    """Public fields of the proposals that are not hidden; never the author."""
    districts = _district_names()
    counts = process.vote_counts_visible()
    columns = (
        Proposal.id,
        Proposal.title,
        Proposal.body,
        Proposal.category,
        Proposal.district_id,
        Proposal.state,
        Proposal.cost_estimate,
        Proposal.supports_count,
        Proposal.created_at,
        Proposal.answer,
        Proposal.answered_at,
        Proposal.withdrawn_at,
    )
    last = 0
    while True:
        batch = db.session.execute(
            select(*columns)
            .where(
                Proposal.process_id == process.id,
                Proposal.hidden_at.is_(None),
                Proposal.id > last,
            )
            .order_by(Proposal.id)
            .limit(BATCH)
        ).all()
        for r in batch:
            yield (
                r.id,
                process.id,
                r.title,
                r.body,
                r.category,
                CATEGORIES.get(r.category, r.category),
                districts.get(r.district_id) if r.district_id else None,
                r.state,
                r.cost_estimate,
                r.supports_count if counts else None,
                _day(r.created_at),
                r.answer,
                _day(r.answered_at),
                _day(r.withdrawn_at),
            )
        if len(batch) < BATCH:
            return
        last = batch[-1].id


def proposal_keywords(process: Process) -> list[str]:
    used = db.session.scalars(
        select(Proposal.category)
        .where(Proposal.process_id == process.id, Proposal.hidden_at.is_(None))
        .distinct()
    ).all()
    return sorted(CATEGORIES.get(c, c) for c in used)


# --- budgets and projects ----------------------------------------------------------------


def budget_rows(process: Process) -> Iterator[tuple]:
    districts = _district_names()
    runs = {b.id: run for b, run in published_budgets(process)}
    public_ballots = counts_public(process)
    for b in _budgets(process):
        run = runs.get(b.id)
        yield (
            b.id,
            process.id,
            b.title,
            b.description,
            districts.get(b.district_id) if b.district_id else None,
            b.amount,
            b.currency,
            b.ballot_type,
            str(BallotType(b.ballot_type).vote_type),
            b.min_projects,
            b.max_projects,
            b.min_spend_percent,
            b.min_points,
            b.max_points,
            b.max_total_points,
            b.rule,
            str(RULE_LABELS.get(b.rule, b.rule)),
            b.min_score,
            run.id if run else None,
            run.ballots_counted if run and public_ballots else None,
            run.total_cost if run else None,
            run.finished_at if run else None,
            pb_name(b) if run and public_ballots else None,
        )


def budget_keywords(process: Process) -> list[str]:
    districts = _district_names()
    words = {b.title for b in _budgets(process)}
    words |= {districts[b.district_id] for b in _budgets(process) if b.district_id}
    return sorted(words)


def pb_name(budget: Budget) -> str:
    return f"presupuesto-{budget.id}.pb"


def project_rows(process: Process) -> Iterator[tuple]:
    hidden = set(
        db.session.scalars(
            select(Proposal.id).where(
                Proposal.process_id == process.id, Proposal.hidden_at.is_not(None)
            )
        )
    )
    for p in db.session.scalars(
        select(Project)
        .join(Budget, Budget.id == Project.budget_id)
        .where(Budget.process_id == process.id)
        .order_by(Budget.position, Budget.id, Project.position, Project.id)
    ):
        yield (
            p.id,
            p.budget_id,
            p.code,
            p.position,
            p.title,
            p.description,
            p.cost,
            None if p.proposal_id in hidden else p.proposal_id,
        )


# --- ballots -----------------------------------------------------------------------------


def ballot_rows_of_budget(budget: Budget, batch: int = BATCH) -> Iterator[tuple]:
    """Every ballot of ``budget``, ordered by its random public id (keyset pagination):
    (public id, budget id, day, project ids, points). Never its receipt hash: whoever
    holds a code could find the ballot's choices (see :func:`receipt_rows`)."""
    ordinal = budget.ballot_type == BallotType.ORDINAL
    last = ""
    items_t = BallotItem.__table__.c
    while True:
        ballots = db.session.execute(
            select(Ballot.id, Ballot.public_id, Ballot.updated_at)
            .where(Ballot.budget_id == budget.id, Ballot.public_id > last)
            .order_by(Ballot.public_id)
            .limit(batch)
        ).all()
        if not ballots:
            return
        items: dict[int, list] = {}
        for ballot_id, project_id, points, rank in db.session.execute(
            select(items_t.ballot_id, items_t.project_id, items_t.points, items_t.rank).where(
                _among(items_t.ballot_id, [b[0] for b in ballots])
            )
        ):
            items.setdefault(ballot_id, []).append(
                (rank if ordinal else project_id, project_id, points)
            )
        for ballot_id, public_id, updated_at in ballots:
            chosen = sorted(items.pop(ballot_id, ()))
            yield (
                public_id,
                budget.id,
                updated_at.date(),
                ",".join(str(p) for _, p, _ in chosen),
                ",".join(str(pt) for _, _, pt in chosen if pt is not None),
            )
        if len(ballots) < batch:
            return
        last = ballots[-1][1]


def _among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY``) rather than
    thousands of parameters."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(cast(ids, ARRAY(Integer)))
    return column.in_(ids)


def ballot_rows(process: Process) -> Iterator[tuple]:
    if not ballots_public(process):
        return
    for budget, _run in published_budgets(process):
        yield from ballot_rows_of_budget(budget)


def receipt_rows(process: Process, batch: int = BATCH) -> Iterator[tuple]:
    """(budget id, receipt hash) of every counted ballot, ordered by the hash: a voter finds
    their code's SHA-256 among the counted ballots, but nothing ties it to a ballot's row
    (no id, no day, not the ballots' order), so the code proves that the ballot was
    counted, never how its voter voted."""
    if not ballots_public(process):
        return
    for budget, _run in published_budgets(process):
        last: str | None = ""  # receipt hashes (none is NULL here)
        while True:
            hashes = db.session.scalars(
                select(Ballot.receipt_hash)
                .where(
                    Ballot.budget_id == budget.id,
                    Ballot.receipt_hash.is_not(None),
                    Ballot.receipt_hash > last,
                )
                .order_by(Ballot.receipt_hash)
                .limit(batch)
            ).all()
            for receipt in hashes:
                yield (budget.id, receipt)
            if len(hashes) < batch:
                break
            last = hashes[-1]


# --- results -----------------------------------------------------------------------------


def result_rows(process: Process) -> Iterator[tuple]:
    counts = counts_public(process)
    for budget, run in published_budgets(process):
        cost = dict(
            db.session.execute(
                select(Project.id, Project.cost).where(Project.budget_id == budget.id)
            ).all()
        )
        for o in sorted(run.outcomes, key=lambda o: o.rank):
            yield (
                budget.id,
                run.id,
                run.rule,
                o.project_id,
                cost.get(o.project_id),
                o.votes if counts else None,
                o.rank,
                o.selected,
                o.remaining_before,
                o.reason,
                o.tied,
                (o.price or None) if counts else None,
                (o.effective_votes or None) if counts else None,
            )


# --- execution ---------------------------------------------------------------------------


def execution_rows(process: Process) -> Iterator[tuple]:
    statuses: dict[int | None, ExecutionStatus] = {
        s.id: s
        for s in db.session.scalars(
            select(ExecutionStatus).where(ExecutionStatus.process_id == process.id)
        )
    }
    for item in db.session.scalars(
        select(ExecutionItem)
        .where(ExecutionItem.process_id == process.id)
        .order_by(ExecutionItem.id)
    ):
        status = statuses.get(item.status_id)
        yield (
            item.id,
            process.id,
            item.project_id,
            item.parent_id,
            item.code,
            item.title,
            item.description,
            status.key if status else None,
            status.name if status else None,
            item.progress,
            item.office,
            item.budgeted,
            item.spent,
            item.starts_on,
            item.ends_on,
            _day(item.updated_at),
        )


def milestone_rows(process: Process) -> Iterator[tuple]:
    for m in db.session.scalars(
        select(Milestone)
        .join(ExecutionItem, ExecutionItem.id == Milestone.item_id)
        .where(ExecutionItem.process_id == process.id)
        .order_by(Milestone.item_id, Milestone.happened_on, Milestone.id)
    ):
        yield (m.id, m.item_id, m.happened_on, m.text)


# --- the catalogue -----------------------------------------------------------------------

F = Field
PROCESS_ID = F("process_id", "integer", "Identificador del proceso", "Process id", True)

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="procesos",
        title="Procesos participativos",
        title_en="Participatory processes",
        description="El proceso: su nombre, municipio, alcance y si sus resultados son públicos.",
        description_en="The process: its name, municipality, scope and whether results are public.",
        topic="proceso",
        subtopic="procesos",
        fields=(
            F("id", "integer", "Identificador del proceso", "Process id", True),
            F("slug", "string", "Nombre corto en las direcciones web", "Short name in URLs"),
            F("title", "string", "Nombre del proceso", "Process name"),
            F("description", "string", "Descripción", "Description"),
            F("municipality", "string", "Municipio", "Municipality"),
            F("district", "string", "Distrito que abarca (vacío: todo)", "District (empty: all)"),
            F(
                "vote_scope",
                "string",
                "En qué presupuestos de distrito se puede votar: all = todos, own = el propio, "
                "one = uno a elección",
                "Which district budgets one may vote in: all, own district, or one of choice",
            ),
            F(
                "support_threshold",
                "integer",
                "Apoyos que necesita una propuesta para pasar a revisión",
                "Supports a proposal needs to reach review",
            ),
            F(
                "results_public",
                "boolean",
                "true si los resultados ya son públicos",
                "true once results are public",
            ),
            F("created", "date", "Fecha de creación (AAAA-MM-DD)", "Creation date (YYYY-MM-DD)"),
        ),
        rows=process_rows,
        primary_key=("id",),
    ),
    Dataset(
        name="fases",
        title="Fases del proceso",
        title_en="Phases of the process",
        description="Calendario: cada fase con sus fechas y lo que permite.",
        description_en="Calendar: each phase with its dates and what it allows.",
        topic="proceso",
        subtopic="calendario",
        fields=(
            F("id", "integer", "Identificador de la fase", "Phase id", True),
            PROCESS_ID,
            F("position", "integer", "Orden de la fase", "Order of the phase"),
            F("title", "string", "Nombre de la fase", "Phase name"),
            F("description", "string", "Descripción", "Description"),
            F("starts_at", "datetime", "Inicio (UTC, ISO 8601)", "Start (UTC, ISO 8601)"),
            F("ends_at", "datetime", "Fin (UTC, ISO 8601)", "End (UTC, ISO 8601)"),
            F("allows_propose", "boolean", "Permite proponer", "Allows proposing"),
            F("allows_support", "boolean", "Permite apoyar propuestas", "Allows supporting"),
            F("allows_comment", "boolean", "Permite comentar", "Allows commenting"),
            F("allows_vote", "boolean", "Permite votar", "Allows voting"),
            F(
                "shows_vote_counts",
                "boolean",
                "Muestra los conteos de apoyos y votos",
                "Shows support and vote counts",
            ),
            F("shows_results", "boolean", "Muestra los resultados", "Shows the results"),
        ),
        rows=phase_rows,
        primary_key=("id",),
        foreign_keys=(("process_id", "procesos", "id"),),
    ),
    Dataset(
        name="propuestas",
        title="Propuestas ciudadanas",
        title_en="Residents' proposals",
        description="Las propuestas públicas con su categoría, estado y respuesta oficial. Sin "
        "datos de quien las propuso; las ocultas por moderación no se publican.",
        description_en="Public proposals with category, state and official answer. No data "
        "about their authors; proposals hidden by moderation are not published.",
        topic="propuestas",
        subtopic="propuestas",
        fields=(
            F("id", "integer", "Identificador de la propuesta", "Proposal id", True),
            PROCESS_ID,
            F("title", "string", "Título", "Title"),
            F("body", "string", "Texto de la propuesta", "Proposal text"),
            F("category", "string", "Clave de la categoría", "Category key"),
            F("category_label", "string", "Categoría", "Category"),
            F("district", "string", "Colonia o sector", "Neighbourhood or sector"),
            F(
                "state",
                "string",
                "submitted = enviada, evaluating = en evaluación, accepted = aceptada, "
                "rejected = rechazada, withdrawn = retirada",
                "submitted, evaluating, accepted, rejected or withdrawn",
            ),
            F("cost_estimate", "integer", "Costo estimado (unidades enteras)", "Estimated cost"),
            F(
                "supports",
                "integer",
                "Apoyos recibidos (vacío mientras la fase oculta los conteos)",
                "Supports received (empty while the phase hides counts)",
            ),
            F("created", "date", "Día de envío", "Day submitted"),
            F("answer", "string", "Respuesta oficial", "Official answer"),
            F("answered", "date", "Día de la respuesta", "Day answered"),
            F("withdrawn", "date", "Día en que se retiró", "Day withdrawn"),
        ),
        rows=proposal_rows,
        primary_key=("id",),
        foreign_keys=(("process_id", "procesos", "id"),),
        keywords=proposal_keywords,
    ),
    Dataset(
        name="presupuestos",
        title="Presupuestos y reglas de cómputo",
        title_en="Budgets and counting rules",
        description="Cada presupuesto con su monto, tipo de boleta, la regla de cómputo "
        "declarada y sus parámetros, y el resumen del cómputo oficial cuando es público.",
        description_en="Each budget with its amount, ballot type, declared counting rule and "
        "its parameters, and the official tally's summary once public.",
        topic="presupuesto",
        subtopic="presupuestos",
        fields=(
            F("id", "integer", "Identificador del presupuesto", "Budget id", True),
            PROCESS_ID,
            F("title", "string", "Nombre", "Name"),
            F("description", "string", "Descripción", "Description"),
            F("district", "string", "Distrito (vacío: todo el municipio)", "District"),
            F("amount", "integer", "Monto en unidades enteras de la moneda", "Amount"),
            F("currency", "string", "Moneda (ISO 4217)", "Currency (ISO 4217)"),
            F(
                "ballot_type",
                "string",
                "Tipo de boleta: knapsack, approval, choose-1, cumulative, ordinal",
                "Ballot type",
            ),
            F("vote_type", "string", "Tipo de voto en Pabulib", "Pabulib vote type"),
            F("min_projects", "integer", "Mínimo de proyectos por boleta", "Minimum projects"),
            F("max_projects", "integer", "Máximo de proyectos por boleta", "Maximum projects"),
            F(
                "min_spend_percent",
                "integer",
                "Porcentaje mínimo del presupuesto que debe sumar una boleta",
                "Minimum share of the budget a ballot must spend (percent)",
            ),
            F("min_points", "integer", "Puntos mínimos por proyecto", "Minimum points"),
            F("max_points", "integer", "Puntos máximos por proyecto", "Maximum points"),
            F("max_total_points", "integer", "Puntos máximos por boleta", "Maximum total points"),
            F("rule", "string", "Regla de cómputo declarada", "Declared counting rule"),
            F("rule_label", "string", "La regla en palabras", "The rule in words"),
            F(
                "min_score",
                "integer",
                "Mínimo de votos para participar (greedy-threshold)",
                "Minimum score (greedy-threshold)",
            ),
            F("tally_run", "integer", "Cómputo oficial publicado", "Published official tally"),
            F("ballots_counted", "integer", "Boletas contadas", "Ballots counted"),
            F("total_cost", "integer", "Costo total de lo financiado", "Total cost funded"),
            F("tallied_at", "datetime", "Fin del cómputo (UTC)", "Tally finished (UTC)"),
            F("pb_file", "string", "Archivo Pabulib para recontar", "Pabulib file to recount"),
        ),
        rows=budget_rows,
        primary_key=("id",),
        foreign_keys=(("process_id", "procesos", "id"),),
        keywords=budget_keywords,
    ),
    Dataset(
        name="proyectos",
        title="Proyectos en la boleta",
        title_en="Projects on the ballot",
        description="Los proyectos de cada presupuesto con su costo.",
        description_en="The projects of each budget with their cost.",
        topic="presupuesto",
        subtopic="proyectos",
        fields=(
            F("id", "integer", "Identificador del proyecto", "Project id", True),
            F("budget_id", "integer", "Presupuesto", "Budget id", True),
            F("code", "string", "Clave en un archivo Pabulib importado", "Code in imported file"),
            F("position", "integer", "Lugar en la boleta", "Position on the ballot"),
            F("title", "string", "Nombre", "Name"),
            F("description", "string", "Descripción", "Description"),
            F("cost", "integer", "Costo en unidades enteras", "Cost"),
            F("proposal_id", "integer", "Propuesta de la que nació", "Proposal it came from"),
        ),
        rows=project_rows,
        primary_key=("id",),
        foreign_keys=(("budget_id", "presupuestos", "id"),),
        keywords=budget_keywords,
    ),
    Dataset(
        name="boletas",
        title="Boletas anónimas",
        title_en="Anonymous ballots",
        description="Una fila por boleta, con un identificador aleatorio: sin datos de quien "
        "votó. Se publican cuando los resultados son públicos.",
        description_en="One row per ballot, with a random id and no data about the voter. "
        "Published once results are public.",
        topic="votacion",
        subtopic="boletas",
        fields=(
            F(
                "ballot",
                "string",
                "Identificador aleatorio de la boleta (no revela quién votó ni cuándo)",
                "Random ballot id (reveals neither the voter nor the order of voting)",
                True,
            ),
            F("budget_id", "integer", "Presupuesto", "Budget id", True),
            F("date", "date", "Día de la última modificación", "Day of last change"),
            F(
                "projects",
                "string",
                "Proyectos elegidos separados por comas (en boletas de orden, del preferido "
                "al menos preferido)",
                "Chosen project ids, comma separated (ranked ballots: best first)",
            ),
            F(
                "points",
                "string",
                "Boletas de puntos: los puntos de cada proyecto, en el mismo orden",
                "Cumulative ballots: points per project, same order",
            ),
        ),
        rows=ballot_rows,
        primary_key=("ballot",),
        foreign_keys=(("budget_id", "presupuestos", "id"),),
        keywords=budget_keywords,
    ),
    Dataset(
        name="comprobantes",
        title="Comprobantes de las boletas contadas",
        title_en="Receipts of the counted ballots",
        description="La huella SHA-256 del código de comprobante de cada boleta contada, "
        "ordenadas por huella y sin relación con las boletas anónimas: con tu código "
        "compruebas que tu boleta se contó, pero nadie puede saber con él cómo votaste.",
        description_en="The SHA-256 of each counted ballot's receipt code, sorted by hash and "
        "not linked to the anonymous ballots: your code proves your ballot was counted, "
        "never how you voted.",
        topic="votacion",
        subtopic="boletas",
        fields=(
            F("budget_id", "integer", "Presupuesto", "Budget id", True),
            F(
                "receipt_hash",
                "string",
                "SHA-256 del código de comprobante (mayúsculas, sin guiones ni espacios)",
                "SHA-256 of the receipt code (upper case, no hyphens or spaces)",
                True,
            ),
        ),
        rows=receipt_rows,
        primary_key=("budget_id", "receipt_hash"),
        foreign_keys=(("budget_id", "presupuestos", "id"),),
        keywords=budget_keywords,
    ),
    Dataset(
        name="resultados",
        title="Resultados del cómputo",
        title_en="Tally results",
        description="El resultado oficial de cada presupuesto: cada proyecto con su "
        "puntuación, su lugar y si resultó financiado, con la regla usada.",
        description_en="The official outcome of each budget: each project's score, rank and "
        "whether it was funded, with the rule used.",
        topic="votacion",
        subtopic="resultados",
        fields=(
            F("budget_id", "integer", "Presupuesto", "Budget id", True),
            F("tally_run", "integer", "Cómputo", "Tally run id", True),
            F("rule", "string", "Regla de cómputo", "Counting rule"),
            F("project_id", "integer", "Proyecto", "Project id", True),
            F("cost", "integer", "Costo", "Cost"),
            F(
                "votes",
                "integer",
                "Puntuación: boletas que lo eligieron (o puntos)",
                "Score: ballots choosing it (or points)",
            ),
            F("rank", "integer", "Lugar en que la regla lo consideró", "Rank in the rule"),
            F("selected", "boolean", "true si resultó financiado", "true if funded"),
            F(
                "remaining_before",
                "integer",
                "Dinero que quedaba cuando le tocó su turno",
                "Money left when its turn came",
            ),
            F(
                "reason",
                "string",
                "selected, completion, does_not_fit, not_reached, below_threshold, "
                "not_affordable o withdrawn",
                "Why it was or was not funded",
            ),
            F("tied", "boolean", "true si hubo un empate que decidió el orden", "Tie decided"),
            F(
                "price",
                "string",
                "Partes Iguales: lo que pagó como máximo cada simpatizante (fracción exacta)",
                "Equal Shares: most paid per supporter (exact fraction)",
            ),
            F(
                "effective_votes",
                "string",
                "Partes Iguales: costo / precio por simpatizante (fracción exacta)",
                "Equal Shares: cost / price per supporter (exact fraction)",
            ),
        ),
        rows=result_rows,
        primary_key=("tally_run", "project_id"),
        foreign_keys=(("budget_id", "presupuestos", "id"), ("project_id", "proyectos", "id")),
        keywords=budget_keywords,
    ),
    Dataset(
        name="ejecucion",
        title="Ejecución de los proyectos",
        title_en="Project execution",
        description="El avance de los proyectos financiados: estado, porcentaje, montos y fechas.",
        description_en="Progress of the funded projects: status, percent, amounts and dates.",
        topic="ejecucion",
        subtopic="avance",
        fields=(
            F("id", "integer", "Identificador", "Execution item id", True),
            PROCESS_ID,
            F("project_id", "integer", "Proyecto financiado", "Funded project id"),
            F("parent_id", "integer", "Elemento del que forma parte", "Parent item id"),
            F("code", "string", "Clave del municipio", "Municipality's code"),
            F("title", "string", "Nombre", "Name"),
            F("description", "string", "Descripción", "Description"),
            F("status", "string", "Clave del estado", "Status key"),
            F("status_name", "string", "Estado", "Status"),
            F("progress", "integer", "Avance en por ciento", "Progress (percent)"),
            F("office", "string", "Dependencia responsable", "Responsible office"),
            F("budgeted", "integer", "Monto presupuestado", "Budgeted amount"),
            F("spent", "integer", "Monto ejercido", "Amount spent"),
            F("starts_on", "date", "Inicio", "Start date"),
            F("ends_on", "date", "Fin", "End date"),
            F("updated", "date", "Última actualización", "Last update"),
        ),
        rows=execution_rows,
        primary_key=("id",),
        foreign_keys=(("process_id", "procesos", "id"),),
    ),
    Dataset(
        name="hitos",
        title="Hitos de la ejecución",
        title_en="Execution milestones",
        description="Los pasos fechados de cada proyecto en ejecución.",
        description_en="The dated steps of each project being built.",
        topic="ejecucion",
        subtopic="hitos",
        fields=(
            F("id", "integer", "Identificador del hito", "Milestone id", True),
            F("item_id", "integer", "Elemento de ejecución", "Execution item id", True),
            F("happened_on", "date", "Fecha", "Date"),
            F("text", "string", "Descripción del hito", "What happened"),
        ),
        rows=milestone_rows,
        primary_key=("id",),
        foreign_keys=(("item_id", "ejecucion", "id"),),
    ),
)

BY_NAME = {d.name: d for d in DATASETS}
