from flask import Blueprint, Response, abort, render_template, stream_with_context
from flask_login import current_user

from participa.budgets.views import get_budget_or_404
from participa.downloads import csv_response
from participa.results import exports, services
from participa.results.models import TallyRun

bp = Blueprint(
    "results", __name__, url_prefix="/procesos/<slug>/presupuestos/<int:budget_id>/resultados"
)


def _published_run(slug: str, budget_id: int) -> tuple:
    """The budget, the run this visitor may see, and whether it is the public outcome.

    The public sees the official tally once results are visible; administrators also see
    the latest finished tally before that (marked as a preview)."""
    budget = get_budget_or_404(slug, budget_id)
    if budget.process.results_visible():
        return budget, services.published_run(budget), True
    if current_user.is_authenticated and current_user.is_admin:
        return budget, services.latest_run(budget, budget.rule), True
    return budget, None, False


@bp.get("/")
def show(slug: str, budget_id: int):
    budget, run, visible = _published_run(slug, budget_id)
    return render_template(
        "results/show.html",
        process=budget.process,
        budget=budget,
        run=run,
        visible=visible,
        results_columns=exports.RESULTS_COLUMNS,
        ballots_columns=exports.BALLOTS_COLUMNS,
        chart=_chart(run) if run else None,
    )


def _chart(run: TallyRun) -> dict:
    """Bar lengths (0–100) of each project's votes relative to the most voted one."""
    top = max((o.votes for o in run.outcomes), default=0) or 1
    return {o.project_id: round(100 * o.votes / top, 1) for o in run.outcomes}


def _csv(body, filename: str) -> Response:
    return csv_response(body, filename)  # plain UTF-8; ?excel=1 adds the BOM


@bp.get("/resultados.csv")
def results_csv(slug: str, budget_id: int):
    _budget, run, _visible = _published_run(slug, budget_id)
    if run is None:
        abort(404)
    return _csv(exports.results_csv(run), f"resultados-{slug}-{budget_id}.csv")


@bp.get("/boletas.csv")
def ballots_csv(slug: str, budget_id: int):
    budget, run, _visible = _published_run(slug, budget_id)
    if run is None:
        abort(404)
    return _csv(stream_with_context(exports.ballots_csv(budget)), f"boletas-{slug}-{budget_id}.csv")
