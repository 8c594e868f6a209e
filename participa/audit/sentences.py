"""The action log in plain words: one sentence per action in the interface language, and the
changes of an entry (field, before, after) with readable labels and values.

Pure functions of an entry and the :class:`~participa.audit.names.Names` it mentions (loaded
for a whole page at once); nothing here queries the database. The texts are plain (the
templates escape them). A kind of action without a sentence of its own gets a readable one
from its verb (``*.created``, ``*.updated``, ``*.deleted``, ``*.published``...) and the
kind of thing it acted on, so the kinds added later read well before they get their own.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from participa.audit.labels import field_label
from participa.audit.names import Names
from participa.audit.phrasebook import SENTENCES
from participa.audit.values import (
    Change,
    Entry,
    Say,
    changed_keys,
    changes,
    moment,
    value_text,
    with_reason,
)

# ───────────── who ─────────────


def actor_label(entry: Entry, names: Names, *, public: bool = False) -> str:
    """Who did it: the person's name for administrators, "La administración" on the public
    page; the demonstration data, a command or the calendar when they did it."""
    if entry.origin == "demo":
        return _("La carga de datos de demostración")
    if entry.origin == "cli":
        return _("Un comando de la línea de comandos")
    if entry.origin == "calendar" or (
        entry.actor_id is None and entry.action in ("phase.opened", "phase.closed")
    ):
        return _("El calendario automático")
    if entry.actor_id is None:
        return _("El sistema")
    if public:
        return _("La administración")
    return names.get("users", entry.actor_id) or _("La persona n.º %(id)d", id=entry.actor_id)


def sentence(entry: Entry, names: Names, *, public: bool = False) -> str:
    """The entry as one sentence in the interface language."""
    say = Say(entry, names, actor_label(entry, names, public=public))
    build = SENTENCES.get(entry.action, _fallback)
    return build(say)


# ───────────── kinds without a sentence of their own ─────────────

VERBS = {
    "created": _l("%(actor)s creó %(object)s."),
    "added": _l("%(actor)s agregó %(object)s."),
    "updated": _l("%(actor)s modificó %(object)s."),
    "edited": _l("%(actor)s modificó %(object)s."),
    "changed": _l("%(actor)s modificó %(object)s."),
    "deleted": _l("%(actor)s eliminó %(object)s."),
    "removed": _l("%(actor)s eliminó %(object)s."),
    "archived": _l("%(actor)s archivó %(object)s."),
    "unarchived": _l("%(actor)s sacó del archivo %(object)s."),
    "published": _l("%(actor)s publicó %(object)s."),
    "unpublished": _l("%(actor)s retiró de la publicación %(object)s."),
    "restored": _l("%(actor)s restauró %(object)s."),
    "renamed": _l("%(actor)s cambió el nombre de %(object)s."),
    "moved": _l("%(actor)s movió %(object)s."),
    "withdrawn": _l("%(actor)s retiró %(object)s."),
    "extended": _l("%(actor)s extendió %(object)s."),
    "shortened": _l("%(actor)s acortó %(object)s."),
    "reopened": _l("%(actor)s reabrió %(object)s."),
}
#: Verbs whose sentence lists the fields that changed (the others say it all).
LISTING = {"updated", "edited", "changed"}
OBJECTS = {
    "processes": _l("el proceso «%(t)s»"),
    "phases": _l("la fase «%(t)s»"),
    "budgets": _l("el presupuesto «%(t)s»"),
    "projects": _l("el proyecto «%(t)s»"),
    "proposals": _l("la propuesta «%(t)s»"),
    "districts": _l("el distrito «%(t)s»"),
    "execution_items": _l("el elemento de seguimiento «%(t)s»"),
    "execution_statuses": _l("el estado de ejecución «%(t)s»"),
    "categories": _l("la categoría «%(t)s»"),
    "users": _l("la cuenta de %(t)s"),
    "comments": _l("el comentario %(t)s"),
}


def _object(s: Say) -> str:
    phrase = OBJECTS.get(s.entry.target_type)
    if phrase is None:
        return _("«%(type)s» %(t)s", type=s.entry.target_type, t=s.title())
    return str(phrase) % {"t": s.title()}


def _moved_end(s: Say) -> str | None:
    """A phase whose end moved: extended (later) or brought forward (earlier)."""
    before, after = s.entry.before or {}, s.entry.after or {}
    if s.entry.target_type != "phases" or not (before.get("ends_at") and after.get("ends_at")):
        return None
    if after["ends_at"] == before["ends_at"]:
        return None
    day = moment(after["ends_at"], with_time=False) or str(after["ends_at"])
    if s.entry.action.endswith(".reopened"):
        return _(
            "%(actor)s reabrió la fase «%(t)s» hasta el %(day)s.",
            actor=s.actor,
            t=s.title(),
            day=day,
        )
    if s.entry.action == "voting.extended":
        return _(
            "%(actor)s extendió la votación «%(t)s» hasta el %(day)s.",
            actor=s.actor,
            t=s.title(),
            day=day,
        )
    if str(after["ends_at"]) > str(before["ends_at"]):
        return _(
            "%(actor)s extendió la fase «%(t)s» hasta el %(day)s.",
            actor=s.actor,
            t=s.title(),
            day=day,
        )
    return _(
        "%(actor)s adelantó el cierre de la fase «%(t)s» al %(day)s.",
        actor=s.actor,
        t=s.title(),
        day=day,
    )


def _fallback(s: Say) -> str:
    """A kind without its own sentence: its verb (the last part of the kind) and the thing
    acted on, with the fields an update changed and the reason given; an unknown verb names
    the kind as stored. A phase whose end moved says so, with its new end."""
    verb = s.entry.action.rpartition(".")[2]
    template = VERBS.get(verb)
    moved = _moved_end(s)
    if moved is not None:
        text, listed, quiet = moved, True, {"reason", "ends_at"}
    elif template is None:
        text = _(
            "%(actor)s registró «%(action)s» sobre %(object)s.",
            actor=s.actor,
            action=s.entry.action,
            object=_object(s),
        )
        listed, quiet = True, {"reason"}
    else:
        text = str(template) % {"actor": s.actor, "object": _object(s)}
        listed, quiet = verb in LISTING, {"reason"}
    others = [k for k in changed_keys(s.entry) if k not in quiet]
    if listed and others and s.entry.before and s.entry.after:
        fields = ", ".join(field_label(k) for k in others)
        also = _("Cambió: %(fields)s.", fields=fields)
        text = f"{text} {also}"
    return with_reason(text, s)


__all__ = ["Change", "Entry", "actor_label", "changes", "sentence", "value_text"]
