from flask import Blueprint, Response, abort, render_template, stream_with_context, url_for
from flask_login import current_user

from participa.budgets.views import get_budget_or_404
from participa.downloads import csv_response, wants_excel
from participa.results import ballots_file, exports, tasks
from participa.results.models import TallyRun
from participa.results.visibility import Disclosure, budget_results
from participa.storage import storage

bp = Blueprint(
    "results", __name__, url_prefix="/procesos/<slug>/presupuestos/<int:budget_id>/resultados"
)


def _visible_results(slug: str, budget_id: int) -> tuple:
    """The budget, what this visitor may see of its results (``results_access``), and the
    tally run shown: the official one once results are public; for administrators, the
    latest finished tally before that (marked as a preview)."""
    budget = get_budget_or_404(slug, budget_id, archived=True)
    access, run = budget_results(budget, current_user)
    return budget, access, run


@bp.get("/")
def show(slug: str, budget_id: int):
    budget, access, run = _visible_results(slug, budget_id)
    return render_template(
        "results/show.html",
        process=budget.process,
        budget=budget,
        run=run,
        access=access,
        results_columns=exports.RESULTS_COLUMNS,
        ballots_columns=exports.BALLOTS_COLUMNS,
        chart=_chart(run) if run and access.counts else None,
    )


def _chart(run: TallyRun) -> dict:
    """Bar lengths (0–100) of each project's votes relative to the most voted one."""
    top = max((o.votes for o in run.outcomes), default=0) or 1
    return {o.project_id: round(100 * o.votes / top, 1) for o in run.outcomes}


def _csv(body, filename: str) -> Response:
    return csv_response(body, filename)  # plain UTF-8; ?excel=1 adds the BOM


@bp.get("/resultados.csv")
def results_csv(slug: str, budget_id: int):
    _budget, access, run = _visible_results(slug, budget_id)
    if run is None:
        abort(404)
    return _csv(
        exports.results_csv(run, counts=access.counts), f"resultados-{slug}-{budget_id}.csv"
    )


@bp.get("/boletas.csv")
def ballots_csv(slug: str, budget_id: int):
    """The anonymous ballots of the official run, from storage (written once by the
    worker: :mod:`participa.results.ballots_file`); 503 while it is being written. An
    administrator's preview before results are public reads the ballots as they are."""
    budget, access, run = _visible_results(slug, budget_id)
    if run is None or not access.ballots:
        abort(404)
    filename = f"boletas-{slug}-{budget_id}.csv"
    if run.preview or access.public < Disclosure.WINNERS:
        return _csv(stream_with_context(exports.ballots_csv(budget)), filename)
    if not ballots_file.is_stored(run):
        tasks.queue_ballots_file(run)  # eager (no broker): written now
        if not ballots_file.is_stored(run):
            return _preparing(slug, budget_id)
    key = ballots_file.key(run)
    if wants_excel():  # the stored bytes after a BOM
        return csv_response(storage().read_chunks(key), filename)
    response = storage().response(key, mimetype="text/csv", download_name=filename)
    response.cache_control.private = True  # the phase may hide the ballots again:
    response.cache_control.no_cache = True  # caches ask (ETag) and this view decides
    return response


def _preparing(slug: str, budget_id: int) -> tuple[str, int, dict[str, str]]:
    page = render_template(
        "results/preparing.html",
        seconds=ballots_file.RETRY_AFTER,
        results_url=url_for("results.show", slug=slug, budget_id=budget_id),
    )
    return page, 503, {"Retry-After": str(ballots_file.RETRY_AFTER), "Cache-Control": "no-store"}
