"""categories defined by administrators

- ``categories``: the categories of proposals and projects, with their order and an
  ``archived_at`` for those no longer offered. The fixed list of earlier versions is
  inserted with the same keys (slugs), so every proposal keeps its category.
- ``proposals.category`` keeps its slug, now a foreign key to ``categories.slug``. A slug
  found in proposals but not in the fixed list (data typed in by hand) becomes an archived
  category named after it, so nothing is lost and the foreign key holds.
- ``projects.category``: new, optional, the same foreign key; projects born from a proposal
  take the proposal's category.

Revision ID: 3c8e5f1a2b90
Revises: 5b8e2d7f4c10
Create Date: 2026-12-07 13:40:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c8e5f1a2b90'
down_revision = '5b8e2d7f4c10'
branch_labels = None
depends_on = None

# (slug, Spanish name, English name): the fixed list this table replaces
FIXED = (
    ("espacio-publico", "Espacio público", "Public space"),
    ("movilidad", "Movilidad", "Mobility"),
    ("medio-ambiente", "Medio ambiente", "Environment"),
    ("seguridad", "Seguridad", "Safety"),
    ("cultura", "Cultura", "Culture"),
    ("deporte", "Deporte", "Sports"),
    ("educacion", "Educación", "Education"),
    ("salud", "Salud", "Health"),
    ("desarrollo-social", "Desarrollo social", "Social development"),
)


def upgrade():
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [
        {"slug": slug, "name": name, "name_en": name_en, "description": "", "position": i,
         "archived_at": None, "created_at": now}
        for i, (slug, name, name_en) in enumerate(FIXED, start=1)
    ]
    conn = op.get_bind()
    known = {slug for slug, _name, _en in FIXED}
    found = conn.execute(sa.text("SELECT DISTINCT category FROM proposals")).scalars().all()
    for i, slug in enumerate(sorted(s for s in found if s not in known), start=len(rows) + 1):
        rows.append({"slug": slug, "name": slug[:80], "name_en": "", "description": "",
                     "position": i, "archived_at": now, "created_at": now})
    op.bulk_insert(categories, rows)

    with op.batch_alter_table("proposals") as batch:
        batch.create_index("ix_proposals_category", ["category"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_proposals_category_categories"), "categories", ["category"], ["slug"]
        )
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("category", sa.String(length=40), nullable=True))
        batch.create_index("ix_projects_category", ["category"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_projects_category_categories"), "categories", ["category"], ["slug"]
        )
    # a project born from a proposal: the proposal's category
    op.execute(
        "UPDATE projects SET category = (SELECT proposals.category FROM proposals "
        "WHERE proposals.id = projects.proposal_id) WHERE proposal_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("projects") as batch:
        batch.drop_constraint(batch.f("fk_projects_category_categories"), type_="foreignkey")
        batch.drop_index("ix_projects_category")
        batch.drop_column("category")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_constraint(batch.f("fk_proposals_category_categories"), type_="foreignkey")
        batch.drop_index("ix_proposals_category")
    op.drop_table("categories")
