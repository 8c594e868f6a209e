"""indexes for the list pages: proposals by order, district and search (pg_trgm)

Revision ID: 34bea81c2e28
Revises: 2713b5d74689
Create Date: 2026-11-23 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '34bea81c2e28'
down_revision = '2713b5d74689'
branch_labels = None
depends_on = None

LISTED = sa.text("hidden_at IS NULL AND state <> 'withdrawn'")
ORDERS = {
    'ix_proposals_listed_recent': ['process_id', 'created_at', 'id'],
    'ix_proposals_listed_supports': ['process_id', 'supports_count', 'id'],
    'ix_proposals_listed_title': ['process_id', 'title', 'id'],
}


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # Trigram indexes serve ILIKE '%words%'. pg_trgm ships with PostgreSQL and is a
        # trusted extension: the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        for name, columns in ORDERS.items():
            batch_op.create_index(
                name, columns, unique=False, postgresql_where=LISTED, sqlite_where=LISTED
            )
        batch_op.create_index('ix_proposals_district_id', ['district_id'], unique=False)
        batch_op.create_index(
            'ix_proposals_search',
            ['title', 'body'],
            unique=False,
            postgresql_using='gin',
            postgresql_ops={'title': 'gin_trgm_ops', 'body': 'gin_trgm_ops'},
        )


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_search')
        batch_op.drop_index('ix_proposals_district_id')
        for name in reversed(ORDERS):
            batch_op.drop_index(name)
