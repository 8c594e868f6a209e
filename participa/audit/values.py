"""Values of the action log in words: dates in the locale, amounts as money, names for
ids; the changes of an entry (field, before, after); what a sentence builder is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime as DateTime
from typing import Any, Protocol

from flask_babel import gettext as _

from participa import formatting
from participa.audit.labels import VALUE_LABELS, field_label
from participa.audit.names import Names, reference_table


class Entry(Protocol):
    """What a sentence reads of an :class:`~participa.audit.models.ActionLog`."""

    action: str
    target_type: str
    target_id: int | None
    actor_id: int | None
    process_id: int | None
    origin: str | None
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Change:
    """One field of an entry with its value before and after, in words."""

    key: str
    label: str
    before: str
    after: str


NOTHING = "—"
DATE_KEYS = {"happened_on", "starts_on", "ends_on"}
DATETIME_KEYS = {
    "starts_at",
    "ends_at",
    "answered_at",
    "hidden_at",
    "blocked_at",
    "at",
    "published_at",
    "archived_at",
}
MONEY_KEYS = {"amount", "cost", "cost_estimate", "pending_cost", "budgeted", "spent"}


# ───────────── values ─────────────


def _parse_moment(value: str) -> DateTime | Date | None:
    try:
        return DateTime.fromisoformat(value) if "T" in value else Date.fromisoformat(value)
    except ValueError:
        return None


def moment(value: Any, *, with_time: bool) -> str | None:
    moment = _parse_moment(value) if isinstance(value, str) else None
    if isinstance(moment, DateTime):
        moment = moment.replace(tzinfo=None)  # stored as naive UTC
        return formatting.datetime(moment) if with_time else formatting.date(moment)
    if isinstance(moment, Date):
        return formatting.format_date(moment, format="medium")
    return None


def value_text(key: str, value: Any, entry: Entry, names: Names) -> str:
    """A stored value as words: dates in the locale, amounts as money, names for ids,
    labels for codes, Sí/No for booleans."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    if key in DATETIME_KEYS or key in DATE_KEYS:
        return moment(value, with_time=key in DATETIME_KEYS) or str(value)
    if key in MONEY_KEYS and isinstance(value, int | float):
        return formatting.money(value, _currency(entry, names))
    if key in VALUE_LABELS and isinstance(value, str) and value in VALUE_LABELS[key]:
        return str(VALUE_LABELS[key][value])
    name = names.get(reference_table(key, entry.target_type), value)
    if name is not None:
        return name
    if isinstance(value, list):
        return ", ".join(_item_text(item) for item in value) or NOTHING
    if isinstance(value, int | float):
        return formatting.number(value)
    return str(value)


def _item_text(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("title") or item.get("name") or item)
    return str(item)


def _currency(entry: Entry, names: Names) -> str:
    data = data_of(entry)
    currency = data.get("currency")
    if isinstance(currency, str) and currency:
        return currency
    budget_id = entry.target_id if entry.target_type == "budgets" else data.get("budget_id")
    return names.currencies.get(budget_id, "MXN") if isinstance(budget_id, int) else "MXN"


def changes(entry: Entry, names: Names) -> list[Change]:
    """The fields of an entry with their values before and after: only the changed ones
    when it has both, every value when it has one side (a creation, a deletion)."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    if before and after:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    return [
        Change(
            key,
            field_label(key),
            value_text(key, before.get(key), entry, names) if key in before else NOTHING,
            value_text(key, after.get(key), entry, names) if key in after else NOTHING,
        )
        for key in keys
    ]


# ───────────── what ─────────────


def data_of(entry: Entry) -> dict:
    """The values that describe the thing acted on: after, else before."""
    return {**(entry.before or {}), **(entry.after or {})}


def changed_keys(entry: Entry) -> list[str]:
    before, after = entry.before or {}, entry.after or {}
    return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]


def changed_labels(entry: Entry) -> str:
    return ", ".join(field_label(k) for k in changed_keys(entry))


@dataclass(frozen=True)
class Say:
    """What a sentence builder gets: the entry, the names, who did it."""

    entry: Entry
    names: Names
    actor: str

    @property
    def data(self) -> dict:
        return data_of(self.entry)

    def title(self) -> str:
        """The name of the thing acted on: as recorded, else as it is now, else its number
        (a person's name is never recorded in the entry: always as it is now)."""
        entry = self.entry
        stored = self.data.get("title") or self.data.get("name")
        if isinstance(stored, str) and stored and entry.target_type != "users":
            return stored
        return self.names.get(entry.target_type, entry.target_id) or number(entry.target_id)

    def budget(self) -> str:
        """The budget the entry is about: its target, else the one it names."""
        if self.entry.target_type == "budgets":
            return self.title()
        budget_id = self.data.get("budget_id")
        return self.names.get("budgets", budget_id) or number(budget_id)

    def value(self, key: str) -> str:
        return value_text(key, self.data.get(key), self.entry, self.names)

    def day(self, key: str) -> str:
        """A stored date and time as the day only (the changes show the time)."""
        value = self.data.get(key)
        return moment(value, with_time=False) or value_text(key, value, self.entry, self.names)

    def count(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, list):
            return len(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0


def number(row_id: Any) -> str:
    return _("n.º %(id)s", id=row_id) if row_id is not None else NOTHING


def with_reason(text: str, say: Say) -> str:
    reason = say.data.get("reason")
    if isinstance(reason, str) and reason and reason in VALUE_LABELS["reason"]:
        reason = str(VALUE_LABELS["reason"][reason])
    if not reason:
        return text
    said = _("Motivo: %(reason)s", reason=reason)
    return f"{text} {said}"
