"""Ballot types (choose-1, cumulative, ordinal), every tally rule, imported ballots,
tally previews and progress, explained MES outcomes, 64-bit cost estimates.

Revision ID: d39dd83987b7
Revises: 193431c26ff9
Create Date: 2026-11-23 02:22:18.622610
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "d39dd83987b7"
down_revision = "193431c26ff9"
branch_labels = None
depends_on = None

RULES = (
    "'greedy', 'greedy-no-skip', 'greedy-threshold', 'equalshares', 'equalshares/add1', "
    "'equalshares/add1-comparison', 'equalshares/add1-utilitarian', "
    "'equalshares-cardinality', 'equalshares-cardinality/add1', "
    "'equalshares-cardinality/add1-utilitarian'"
)
BALLOT_TYPES = "'approval', 'knapsack', 'choose-1', 'cumulative', 'ordinal'"


def upgrade():
    with op.batch_alter_table("ballot_items") as batch:
        batch.add_column(sa.Column("points", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rank", sa.Integer(), nullable=True))
        batch.create_check_constraint("points_positive", "points IS NULL OR points > 0")
        batch.create_check_constraint("rank_positive", "rank IS NULL OR rank > 0")

    with op.batch_alter_table("ballots") as batch:
        batch.add_column(sa.Column("voter_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("public_id", sa.String(length=16), nullable=True))
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.create_unique_constraint("uq_ballots_budget_id_voter_ref", ["budget_id", "voter_ref"])
        batch.drop_constraint(op.f("ck_ballots_channel_known"), type_="check")
        batch.create_check_constraint("channel_known", "channel IN ('online', 'import')")
        batch.create_check_constraint(
            "one_voter_identity", "(user_id IS NOT NULL) <> (voter_ref IS NOT NULL)"
        )

    ballots = sa.table("ballots", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    connection = op.get_bind()
    for (ballot_id,) in connection.execute(sa.select(ballots.c.id)).all():
        connection.execute(
            ballots.update().where(ballots.c.id == ballot_id).values(public_id=secrets.token_hex(8))
        )
    with op.batch_alter_table("ballots") as batch:
        batch.alter_column("public_id", existing_type=sa.String(16), nullable=False)
        batch.create_unique_constraint("uq_ballots_public_id", ["public_id"])

    with op.batch_alter_table("budgets") as batch:
        batch.add_column(sa.Column("min_points", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("max_points", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_total_points", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("min_score", sa.Integer(), nullable=True))
        batch.alter_column("rule", existing_type=sa.String(30), type_=sa.String(50))
        batch.drop_constraint(op.f("ck_budgets_ballot_type_known"), type_="check")
        batch.drop_constraint(op.f("ck_budgets_rule_known"), type_="check")
        batch.create_check_constraint("ballot_type_known", f"ballot_type IN ({BALLOT_TYPES})")
        batch.create_check_constraint("rule_known", f"rule IN ({RULES})")
        batch.create_check_constraint(
            "max_points_ge_min", "max_points IS NULL OR max_points >= min_points"
        )
        batch.create_check_constraint("min_points_not_negative", "min_points >= 0")
    with op.batch_alter_table("budgets") as batch:
        batch.alter_column("min_points", server_default=None)

    with op.batch_alter_table("project_outcomes") as batch:
        batch.add_column(sa.Column("price", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("effective_votes", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("tied", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("project_outcomes") as batch:
        batch.alter_column("tied", server_default=None)

    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("code", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_projects_budget_id_code", ["budget_id", "code"])

    with op.batch_alter_table("proposals") as batch:
        batch.alter_column("cost_estimate", existing_type=sa.Integer(), type_=sa.BigInteger())

    with op.batch_alter_table("tally_runs") as batch:
        batch.add_column(sa.Column("preview", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("progress", sa.Integer(), nullable=False, server_default="0"))
        batch.alter_column("rule", existing_type=sa.String(30), type_=sa.String(50))
        batch.create_check_constraint("progress_percent", "progress >= 0 AND progress <= 100")
    with op.batch_alter_table("tally_runs") as batch:
        batch.alter_column("preview", server_default=None)
        batch.alter_column("progress", server_default=None)


def downgrade():
    with op.batch_alter_table("tally_runs") as batch:
        batch.drop_constraint(op.f("ck_tally_runs_progress_percent"), type_="check")
        batch.alter_column("rule", existing_type=sa.String(50), type_=sa.String(30))
        batch.drop_column("progress")
        batch.drop_column("preview")
    with op.batch_alter_table("proposals") as batch:
        batch.alter_column("cost_estimate", existing_type=sa.BigInteger(), type_=sa.Integer())
    with op.batch_alter_table("projects") as batch:
        batch.drop_constraint(op.f("uq_projects_budget_id_code"), type_="unique")
        batch.drop_column("code")
    with op.batch_alter_table("project_outcomes") as batch:
        batch.drop_column("tied")
        batch.drop_column("effective_votes")
        batch.drop_column("price")
    with op.batch_alter_table("budgets") as batch:
        for name in ("min_points_not_negative", "max_points_ge_min", "rule_known",
                     "ballot_type_known"):
            batch.drop_constraint(op.f(f"ck_budgets_{name}"), type_="check")
        batch.create_check_constraint("ballot_type_known", "ballot_type IN ('approval', 'knapsack')")
        batch.create_check_constraint("rule_known", "rule IN ('greedy')")
        batch.alter_column("rule", existing_type=sa.String(50), type_=sa.String(30))
        batch.drop_column("min_score")
        batch.drop_column("max_total_points")
        batch.drop_column("max_points")
        batch.drop_column("min_points")
    with op.batch_alter_table("ballots") as batch:
        batch.drop_constraint(op.f("ck_ballots_one_voter_identity"), type_="check")
        batch.drop_constraint(op.f("ck_ballots_channel_known"), type_="check")
        batch.create_check_constraint("channel_known", "channel IN ('online')")
        batch.drop_constraint(op.f("uq_ballots_budget_id_voter_ref"), type_="unique")
        batch.drop_constraint(op.f("uq_ballots_public_id"), type_="unique")
        batch.drop_column("public_id")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("voter_ref")
    with op.batch_alter_table("ballot_items") as batch:
        batch.drop_constraint(op.f("ck_ballot_items_rank_positive"), type_="check")
        batch.drop_constraint(op.f("ck_ballot_items_points_positive"), type_="check")
        batch.drop_column("rank")
        batch.drop_column("points")
