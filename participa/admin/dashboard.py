"""The administrators' dashboard: every process with its phase, what waits for the staff and
its turnout so far, and the site's problems (:mod:`participa.admin.overview`)."""

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from participa.admin import overview
from participa.admin.views import bp
from participa.db import utcnow
from participa.extensions import db
from participa.processes.models import Process


@bp.get("/")
def dashboard():
    processes = db.session.scalars(
        select(Process).options(selectinload(Process.phases)).order_by(Process.created_at.desc())
    ).all()
    return render_template(
        "admin/dashboard.html",
        processes=processes,
        figures=overview.process_figures(),
        empty=overview.ProcessFigures(),
        problems=overview.problems(utcnow()),
        channel_labels=overview.CHANNEL_LABELS,
    )
