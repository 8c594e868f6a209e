"""Entries of the action log in words, for a page or a file: the names they mention are
loaded at once (one query), then each gets its sentence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from participa.audit.models import ActionLog
from participa.audit.names import load_names
from participa.audit.sentences import Change, actor_label, changes, sentence
from participa.audit.services import public_entries, public_total


@dataclass(frozen=True)
class Described:
    """An entry with its sentence, who did it and its changes (field, before, after)."""

    entry: ActionLog
    sentence: str
    actor: str
    changes: list[Change]


def describe(entries: Iterable[ActionLog], *, public: bool = False) -> list[Described]:
    """``entries`` in words; ``public``: the process page's wording (no person named)."""
    rows = list(entries)
    names = load_names(rows)
    return [
        Described(
            entry,
            sentence(entry, names, public=public),
            actor_label(entry, names, public=public),
            changes(entry, names),
        )
        for entry in rows
    ]


def latest_public(process_id: int, limit: int) -> tuple[list[Described], int]:
    """The process's latest ``limit`` configuration changes in words, and how many it has."""
    return describe(public_entries(process_id, limit), public=True), public_total(process_id)
