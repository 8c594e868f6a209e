"""exact MES figures as text (prices of thousands of voters exceed 80 characters)

An Equal Shares price per supporter is an exact fraction; with thousands of voters its
numerator and denominator reach dozens of digits each, and the tally failed to store it in
a VARCHAR(80). Text holds any length.

Revision ID: 8a476c037352
Revises: 34bea81c2e28
Create Date: 2026-11-23 04:46:02.503778

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a476c037352'
down_revision = '34bea81c2e28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_outcomes") as batch:
        for column in ("price", "effective_votes"):
            batch.alter_column(
                column, existing_type=sa.String(length=80), type_=sa.Text(), existing_nullable=True
            )


def downgrade():
    with op.batch_alter_table("project_outcomes") as batch:
        for column in ("price", "effective_votes"):
            batch.alter_column(
                column, existing_type=sa.Text(), type_=sa.String(length=80), existing_nullable=True
            )
