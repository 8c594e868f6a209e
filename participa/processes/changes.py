"""Every configuration change of a process, in words, a page at a time (the process page
shows the latest few)."""

from __future__ import annotations

from flask import render_template

from participa.audit.described import describe
from participa.audit.services import public_query
from participa.extensions import db
from participa.processes.views import bp, get_process_or_404
from participa.views_common import page_arg

PER_PAGE = 50


@bp.get("/procesos/<slug>/cambios")
def changes(slug: str):
    """The public log of a process's configuration: phases, budgets, rules."""
    process = get_process_or_404(slug)
    page = db.paginate(
        public_query(process.id), page=page_arg(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "processes/changes.html",
        process=process,
        page=page,
        rows=describe(page.items, public=True),
    )
