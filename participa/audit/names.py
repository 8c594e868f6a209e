"""The names an action-log sentence needs (people, phases, budgets...), loaded for a whole
page of entries at once: one query, whatever the number of rows and kinds of things."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, cast, literal, null, select, union_all

from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.accounts.models import User
from participa.audit.models import ActionLog
from participa.budgets.models import Budget, Project
from participa.extensions import db
from participa.processes.models import District, Phase, Process
from participa.proposals.models import Proposal

#: Table -> (model, the column that names a row).
NAMED: dict[str, tuple[Any, Any]] = {
    "users": (User, User.name),
    "processes": (Process, Process.title),
    "phases": (Phase, Phase.title),
    "budgets": (Budget, Budget.title),
    "projects": (Project, Project.title),
    "proposals": (Proposal, Proposal.title),
    "districts": (District, District.name),
    "execution_items": (ExecutionItem, ExecutionItem.title),
    "execution_statuses": (ExecutionStatus, ExecutionStatus.name),
}

#: A value that refers to another row: the key in ``before``/``after`` -> its table.
REFERENCES = {
    "evaluator_id": "users",
    "budget_id": "budgets",
    "district_id": "districts",
    "status_id": "execution_statuses",
    "project_id": "projects",
    "proposal_id": "proposals",
}


def reference_table(key: str, target_type: str) -> str | None:
    """The table a value named ``key`` refers to in an entry about ``target_type``
    (``parent_id`` is a district's parent district, an item's parent item)."""
    if key == "parent_id":
        return target_type if target_type in ("districts", "execution_items") else None
    return REFERENCES.get(key)


@dataclass
class Names:
    """Names by (table, id), and the currency of each budget (for amounts)."""

    titles: dict[tuple[str, int], str] = field(default_factory=dict)
    currencies: dict[int, str] = field(default_factory=dict)

    def get(self, table: str | None, row_id: Any) -> str | None:
        if table is None or not isinstance(row_id, int) or isinstance(row_id, bool):
            return None
        return self.titles.get((table, row_id))


def _wanted(entries: Iterable[ActionLog]) -> dict[str, set[int]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.actor_id is not None:
            wanted["users"].add(entry.actor_id)
        if entry.target_id is not None and entry.target_type in NAMED:
            wanted[entry.target_type].add(entry.target_id)
        if entry.process_id is not None:
            wanted["processes"].add(entry.process_id)
        for values in (entry.before or {}, entry.after or {}):
            for key, value in values.items():
                table = reference_table(key, entry.target_type)
                if table and isinstance(value, int) and not isinstance(value, bool):
                    wanted[table].add(value)
    return wanted


def load_names(entries: Iterable[ActionLog]) -> Names:
    """Everything ``entries`` name, in one query (a UNION ALL of one SELECT per table they
    name), whatever kinds of things the page happens to show."""
    names = Names()
    parts = []
    for table, ids in sorted(_wanted(entries).items()):
        model, column = NAMED[table]
        currency = Budget.currency if table == "budgets" else null()
        parts.append(
            select(
                literal(table, String).label("tbl"),
                model.id.label("id"),
                cast(column, String).label("name"),
                cast(currency, String).label("currency"),
            ).where(model.id.in_(sorted(ids)))
        )
    if not parts:
        return names
    for row in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        # a deleted account keeps no name (participa.accounts.deletion)
        deleted = row.tbl == "users" and not row.name
        names.titles[(row.tbl, row.id)] = _("Cuenta eliminada") if deleted else row.name
        if row.currency:
            names.currencies[row.id] = row.currency
    return names
