"""open data versions in shared storage: the datapackage, the results, the pruning

``publications.datapackage`` holds each version's ``datapackage.json`` (the open data
catalogue reads it from the database, no longer from a node's disk); ``result_runs`` the
official tally runs whose outcome the version contains (the retention policy keeps the
first version of each); ``pruned_at`` when an old version's files were deleted.

The data migration fills ``datapackage`` from the local ``datapackage.json`` of each
existing version when it is there (the instance folder); otherwise it stays NULL and the
code copes (the catalogue lists no datasets for such a version).

Revision ID: a10b1c3d5e02
Revises: e5a1c3d7f902
Create Date: 2026-12-10 21:00:00.000000

"""

import json
import os
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a10b1c3d5e02"
down_revision = "e5a1c3d7f902"
branch_labels = None
depends_on = None


def _instance_path() -> Path | None:
    try:
        from flask import current_app

        return Path(current_app.instance_path)
    except RuntimeError:  # not inside the application (alembic on its own)
        found = os.environ.get("PARTICIPA_INSTANCE_PATH")
        return Path(found) if found else None


def upgrade():
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("datapackage", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("result_runs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("pruned_at", sa.DateTime(), nullable=True))
    root = _instance_path()
    if root is None:
        return
    bind = op.get_bind()
    publications = sa.table(
        "publications",
        sa.column("id", sa.Integer),
        sa.column("process_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("datapackage", sa.JSON),
    )
    processes = sa.table("processes", sa.column("id", sa.Integer), sa.column("slug", sa.String))
    rows = bind.execute(
        sa.select(publications.c.id, publications.c.version, processes.c.slug).join(
            processes, processes.c.id == publications.c.process_id
        )
    ).all()
    for pub_id, version, slug in rows:
        path = root / "opendata" / slug / f"v{version}" / "datapackage.json"
        try:
            package = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not on this node's disk: left NULL
        bind.execute(
            publications.update()
            .where(publications.c.id == pub_id)
            .values(datapackage=package)
        )


def downgrade():
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("pruned_at")
        batch.drop_column("result_runs")
        batch.drop_column("datapackage")
