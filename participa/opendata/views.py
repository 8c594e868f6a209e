"""The open data portal, permanent download URLs of every version, and the receipt check."""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from participa.budgets.models import AnnulledBallot, Ballot, Budget
from participa.budgets.receipts import receipt_hash
from participa.downloads import CSV_CONTENT_TYPE, excel_name, wants_excel, with_bom
from participa.extensions import db
from participa.formatting import localized
from participa.opendata import services
from participa.opendata.catalogue import SUBTOPICS, TOPICS
from participa.opendata.models import Publication
from participa.processes.models import Process
from participa.processes.queries import public_processes, published, sees_drafts
from participa.results.visibility import budget_results
from participa.storage import storage

bp = Blueprint("opendata", __name__)
logger = logging.getLogger(__name__)

FORMATS = {"csv": "CSV", "json": "JSON", "pb": "Pabulib (.pb)"}
TRIGGER_LABELS = {
    "tally": _l("al terminar un cómputo"),
    "daily": _l("actualización diaria"),
    "manual": _l("publicación manual"),
    "results": _l("al abrir la fase de resultados"),
}


# --- reading published versions ----------------------------------------------------------


def load_package(process: Process, publication: Publication) -> dict:
    """A version's datapackage.json, as its row keeps it. A version published before the
    row kept it (and whose file the migration did not find) is read from the storage,
    every time: a failure is never remembered, the next request tries again."""
    if publication.datapackage is not None:
        return publication.datapackage
    if publication.pruned_at is None:
        key = services.file_key(process.slug, publication.version, services.PACKAGE)
        try:
            with storage().open(key) as stream:
                return json.loads(stream.read().decode("utf-8"))
        except (OSError, ValueError):
            logger.warning("open data package %s could not be read", key)
    return {"resources": []}


@dataclass
class Entry:
    """One dataset of one process in the catalogue, with its files."""

    process: Process
    version: int
    stem: str
    title: str
    description: str
    topic_id: str
    subtopic_id: str
    keywords: list[str]
    rows: int | None
    updated: datetime | None
    files: list[dict] = field(default_factory=list)  # {format, name, bytes}

    @property
    def topic(self) -> str:
        return localized(*TOPICS.get(self.topic_id, (self.topic_id, None)))

    @property
    def subtopic(self) -> str:
        return localized(*SUBTOPICS.get(self.subtopic_id, ("", self.subtopic_id, None))[1:])


def _fold(value: str) -> str:
    """Lower case without accents, for search."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def catalogue_of(process: Process, history: list[Publication]) -> list[Entry]:
    if not history:
        return []
    latest = history[0]
    changes = services.last_changes(history)
    entries: dict[str, Entry] = {}
    for resource in load_package(process, latest).get("resources", []):
        path = resource.get("path", "")
        stem, _dot, fmt = path.rpartition(".")
        entry = entries.get(stem)
        if entry is None:
            entry = entries[stem] = Entry(
                process=process,
                version=latest.version,
                stem=stem,
                title=localized(resource.get("title", stem), resource.get("title_en")),
                description=localized(
                    resource.get("description", ""), resource.get("description_en")
                ),
                topic_id=resource.get("topic_id", ""),
                subtopic_id=resource.get("subtopic_id", ""),
                keywords=list(resource.get("keywords", [])),
                rows=resource.get("row_count"),
                updated=changes.get(path),
            )
        elif fmt == "csv":
            entry.description = localized(
                resource.get("description", entry.description), resource.get("description_en")
            )
        entry.files.append({"format": fmt, "name": path, "bytes": resource.get("bytes")})
        if changes.get(path) and (entry.updated is None or changes[path] > entry.updated):
            entry.updated = changes[path]
    for entry in entries.values():
        entry.files.sort(
            key=lambda f: list(FORMATS).index(f["format"]) if f["format"] in FORMATS else 9
        )
    return list(entries.values())


def _histories() -> list[tuple[Process, list[Publication]]]:
    processes = db.session.scalars(public_processes().order_by(Process.created_at.desc())).all()
    by_process: dict[int, list[Publication]] = {}
    for pub in db.session.scalars(
        select(Publication).order_by(Publication.process_id, Publication.version.desc())
    ):
        by_process.setdefault(pub.process_id, []).append(pub)
    return [(p, by_process[p.id]) for p in processes if p.id in by_process]


def _matches(entry: Entry, words: list[str]) -> bool:
    haystack = _fold(
        " ".join(
            [
                entry.process.title,
                entry.process.municipality,
                entry.title,
                entry.description,
                entry.topic,
                entry.subtopic,
                entry.stem,
                *entry.keywords,
            ]
        )
    )
    return all(w in haystack for w in words)


@bp.app_template_global()
def published_open_data(process: Process) -> Publication | None:
    """The latest published version of ``process``'s open data (None: none yet), for
    the pages of other domains (the results page links to it) without their importing
    open data."""
    return services.latest_publication(process.id) if process.is_published else None


# --- portal ------------------------------------------------------------------------------


@bp.get("/datos")
def portal():
    q = request.args.get("q", "").strip()[:100]
    topic = request.args.get("tema", "")
    subtopic = request.args.get("subtema", "")
    slug = request.args.get("proceso", "")
    fmt = request.args.get("formato", "")
    histories = _histories()
    everything = [e for process, history in histories for e in catalogue_of(process, history)]
    words = [_fold(w) for w in q.split()]
    shown = [
        e
        for e in everything
        if (not words or _matches(e, words))
        and (topic not in TOPICS or e.topic_id == topic)
        and (subtopic not in SUBTOPICS or e.subtopic_id == subtopic)
        and (not slug or e.process.slug == slug)
        and (fmt not in FORMATS or any(f["format"] == fmt for f in e.files))
    ]
    groups = []
    for key, (label_es, label_en) in TOPICS.items():
        label = localized(label_es, label_en)
        in_topic = [e for e in shown if e.topic_id == key]
        if not in_topic:
            continue
        subgroups = []
        for sub_key, (parent, sub_es, sub_en) in SUBTOPICS.items():
            if parent != key:
                continue
            sub_label = localized(sub_es, sub_en)
            items = [e for e in in_topic if e.subtopic_id == sub_key]
            if items:
                subgroups.append((sub_key, sub_label, items))
        groups.append((key, label, subgroups))
    filtered = bool(q or topic in TOPICS or subtopic in SUBTOPICS or slug or fmt in FORMATS)
    publishable = (  # an administrator may publish any public process's data now
        db.session.scalars(public_processes().order_by(Process.created_at.desc())).all()
        if sees_drafts(current_user)
        else []
    )
    return render_template(
        "opendata/portal.html",
        publishable=publishable,
        groups=groups,
        shown=len(shown),
        total=len(everything),
        histories=histories,
        latest_update=max((h[0].published_at for _p, h in histories), default=None),
        topics=TOPICS,
        subtopics=SUBTOPICS,
        formats=FORMATS,
        filters={"q": q, "tema": topic, "subtema": subtopic, "proceso": slug, "formato": fmt},
        filtered=filtered,
    )


@bp.get("/datos/<slug>")
def process_data(slug: str):
    process = _public_process_or_404(slug)
    history = services.publications(process.id)
    entries = catalogue_of(process, history)
    budgets = db.session.scalars(
        select(Budget).where(Budget.process_id == process.id).order_by(Budget.position, Budget.id)
    ).all()
    latest_names = {f["name"] for f in history[0].files} if history else set()
    recount = [
        (b, f"presupuesto-{b.id}.pb") for b in budgets if f"presupuesto-{b.id}.pb" in latest_names
    ]
    return render_template(
        "opendata/process.html",
        process=process,
        history=history,
        entries=entries,
        recount=recount,
        trigger_labels=TRIGGER_LABELS,
        formats=FORMATS,
    )


def _public_process_or_404(slug: str) -> Process:
    """Open data is public: a draft has none (404), for administrators too."""
    return db.first_or_404(select(Process).where(Process.slug == slug, published()))


def _publication_or_404(slug: str, version: int) -> tuple[Process, Publication]:
    process = _public_process_or_404(slug)
    publication = db.first_or_404(
        select(Publication).where(
            Publication.process_id == process.id, Publication.version == version
        )
    )
    return process, publication


@bp.get("/datos/<slug>/v<int:version>/<filename>")
def download(slug: str, version: int, filename: str):
    """A file of a published version: a permanent URL whose content changes only when the
    version is redacted (content hidden by moderation taken out, see ``redaction``).

    Cached for ``OPENDATA_MAX_AGE`` (an hour), never as "immutable": the ETag is the
    file's current sha256, so a cache asking again after a redaction gets the new file,
    and until then gets a cheap 304. ``?excel=1`` on a CSV adds a UTF-8 BOM (a different
    representation with its own ETag); the stored file and its published hash stay
    plain UTF-8."""
    process, publication = _publication_or_404(slug, version)
    listed = {f["name"]: f for f in publication.files}
    if filename not in listed:
        abort(404)
    if publication.pruned_at is not None:
        abort(410)  # deleted by the retention policy (the version history says so)
    key = services.file_key(process.slug, version, filename)
    ext = PurePosixPath(filename).suffix.lstrip(".")
    mimetype = {
        "csv": CSV_CONTENT_TYPE,
        "json": "application/json",
        "pb": "text/plain; charset=utf-8",
    }.get(ext, "application/octet-stream")
    download_name = f"{slug}-v{version}-{filename}"
    sha = listed[filename]["sha256"]
    max_age = current_app.config["OPENDATA_MAX_AGE"]
    if ext == "csv" and wants_excel():
        response = Response(
            content_type=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{excel_name(download_name)}"'},
        )
        response.set_etag(f"{sha}-excel")
        response.last_modified = publication.redacted_at or publication.published_at
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        response.make_conditional(request)
        if response.status_code == 304:
            return response
        try:  # opened only now: a 304 reads nothing from the storage
            response.response = with_bom(storage().read_chunks(key))
        except FileNotFoundError:
            abort(404)
        del response.headers["Content-Length"]  # of the empty body it was made with
        return response
    return storage().response(
        key,
        mimetype=mimetype,
        download_name=download_name if ext in ("csv", "pb") else None,
        max_age=max_age,
        etag=sha,
    )


@bp.get("/datos/<slug>/latest/<filename>")
def latest(slug: str, filename: str):
    """The newest version of a file: a redirect to its permanent URL."""
    process = _public_process_or_404(slug)
    publication = services.latest_publication(process.id)
    if publication is None or filename not in {f["name"] for f in publication.files}:
        abort(404)
    return redirect(
        url_for("opendata.download", slug=slug, version=publication.version, filename=filename)
    )


# --- receipt check -----------------------------------------------------------------------


class ReceiptForm(FlaskForm):
    code = StringField(_l("Código de comprobante"), validators=[DataRequired(), Length(max=40)])


def check_receipt(code: str, viewer: Any = None) -> dict:
    """What anyone holding a receipt code may learn: whether a ballot with it is stored
    (and in which budget) and, once the budget's results are published, whether it was
    counted. Never what it holds: a public answer with the choices would let a voter prove
    their vote to whoever bought it. ``own`` says that ``viewer``, signed in, cast it: they
    see their choices on the budget's page, with their session."""
    ballot = db.session.scalar(
        select(Ballot).where(Ballot.receipt_hash == receipt_hash(code)).limit(1)
    )
    if ballot is None:
        annulled = db.session.scalar(
            select(AnnulledBallot).where(AnnulledBallot.receipt_hash == receipt_hash(code)).limit(1)
        )
        if annulled is None:
            return {"status": "not_found"}
        return {  # the same person's paper ballot counts instead (census.link_ballots)
            "status": "annulled",
            "budget": annulled.budget,
            "process": annulled.budget.process,
            "own": False,
        }
    budget = db.session.get_one(Budget, ballot.budget_id)
    _access, run = budget_results(budget)  # as anyone: the check is public
    counted = run is not None and not (run.started_at and ballot.updated_at > run.started_at)
    own = bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and ballot.user_id is not None
        and ballot.user_id == viewer.id
    )
    return {
        "status": "counted" if counted else "recorded",
        "budget": budget,
        "process": budget.process,
        "own": own,
    }


@bp.route("/comprobante", methods=["GET", "POST"])
def receipt():
    form = ReceiptForm()
    result = None
    if form.validate_on_submit():
        result = check_receipt(form.code.data, current_user)
    return render_template("opendata/receipt.html", form=form, result=result)
