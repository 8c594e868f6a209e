"""one ballot per person across channels, one active official tally per budget

- ``processes.in_person_voting``: booths take paper ballots only in processes that ask
  for a verified residency to vote online (a check constraint). Existing processes keep
  booths where online voting already asks for verification.
- ``annulled_ballots``: an online ballot cast before its account verified, whose person
  already voted at a booth, is moved here whole (the paper ballot counts).
- ``tally_runs.heartbeat_at`` and a partial unique index: one official run of a budget
  queued or running at a time. Older duplicates, if any, are marked failed first.

Revision ID: 6a1f0c3e9b21
Revises: 5b1e7c2a9d40
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a1f0c3e9b21'
down_revision = '5b1e7c2a9d40'
branch_labels = None
depends_on = None

ACTIVE = "NOT preview AND status IN ('queued', 'running')"


def upgrade():
    with op.batch_alter_table("processes") as batch:
        batch.add_column(
            sa.Column("in_person_voting", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE processes SET in_person_voting = verification_to_vote")
    with op.batch_alter_table("processes") as batch:
        batch.alter_column("in_person_voting", server_default=None)
        batch.create_check_constraint(
            "booths_need_verified_voting", "NOT in_person_voting OR verification_to_vote"
        )

    op.create_table(
        "annulled_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("kept_ballot_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("annulled_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "channel IN ('online', 'booth', 'import')",
            name=op.f("ck_annulled_ballots_channel_known"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"], ["budgets.id"],
            name=op.f("fk_annulled_ballots_budget_id_budgets"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identities.id"],
            name=op.f("fk_annulled_ballots_identity_id_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["kept_ballot_id"], ["ballots.id"],
            name=op.f("fk_annulled_ballots_kept_ballot_id_ballots"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_annulled_ballots_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annulled_ballots")),
        sa.UniqueConstraint("public_id", name=op.f("uq_annulled_ballots_public_id")),
    )
    op.create_index(
        op.f("ix_annulled_ballots_receipt_hash"), "annulled_ballots", ["receipt_hash"]
    )
    op.create_index(op.f("ix_annulled_ballots_user_id"), "annulled_ballots", ["user_id"])

    with op.batch_alter_table("tally_runs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    # Keep the newest active official run of each budget; older duplicates failed.
    op.execute(
        "UPDATE tally_runs SET status = 'failed', "
        "error = 'duplicate official run, given up by migration 6a1f0c3e9b21' "
        f"WHERE {ACTIVE} AND id < (SELECT max(t.id) FROM tally_runs t "
        "WHERE t.budget_id = tally_runs.budget_id AND NOT t.preview "
        "AND t.status IN ('queued', 'running'))"
    )
    op.create_index(
        "uq_tally_runs_active_official",
        "tally_runs",
        ["budget_id"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )


def downgrade():
    op.drop_index("uq_tally_runs_active_official", table_name="tally_runs")
    with op.batch_alter_table("tally_runs") as batch:
        batch.drop_column("heartbeat_at")
    op.drop_index(op.f("ix_annulled_ballots_user_id"), table_name="annulled_ballots")
    op.drop_index(op.f("ix_annulled_ballots_receipt_hash"), table_name="annulled_ballots")
    op.drop_table("annulled_ballots")
    with op.batch_alter_table("processes") as batch:
        batch.drop_constraint("booths_need_verified_voting", type_="check")
        batch.drop_column("in_person_voting")
