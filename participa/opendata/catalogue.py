"""The catalogue of a process's open data package: each dataset's name, titles,
descriptions, topic, and its Table Schema (the data dictionary, in Spanish ``description``
and English ``description_en``), with the function of :mod:`participa.opendata.rows` that
yields its rows.

This module is declarative: a :class:`Dataset` per published table, each :class:`Field` a
column in the order its rows give them. Keys and foreign keys tie the tables together;
``TOPICS`` and ``SUBTOPICS`` group them on the open data pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from participa.categories.queries import slugs as category_slugs
from participa.opendata.rows import (
    ballot_rows,
    budget_keywords,
    budget_rows,
    execution_rows,
    milestone_rows,
    phase_rows,
    process_rows,
    project_rows,
    proposal_keywords,
    proposal_rows,
    receipt_rows,
    result_rows,
)
from participa.processes.models import Process


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: integer, string, boolean, date, datetime
    description: str  # Spanish
    description_en: str
    required: bool = False
    # the values allowed, read when the package is published (a code list kept in a table)
    enum: Callable[[], list[str]] | None = None

    def descriptor(self) -> dict:
        out: dict = {
            "name": self.name,
            "type": self.type,
            "format": "default",
            "description": self.description,
            "description_en": self.description_en,
        }
        constraints: dict = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = self.enum()
        if constraints:
            out["constraints"] = constraints
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
            F(
                "category",
                "string",
                "Clave de la categoría (las define la administración)",
                "Category key (defined by the administrators)",
                enum=category_slugs,
            ),
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
            F(
                "category",
                "string",
                "Clave de la categoría (las define la administración)",
                "Category key (defined by the administrators)",
                enum=category_slugs,
            ),
            F("category_label", "string", "Categoría", "Category"),
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
