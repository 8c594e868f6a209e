"""legal documents (privacy notice, terms) in versions, consents, data requests (ARCO)

``legal_documents`` holds each published version of the privacy notice (complete and
simplified) and of the terms of use, never changed once written; until one is published the
application shows its default text as version 1. ``consents`` records which version each
account accepted and when. ``data_requests`` holds the residents' rectification and
opposition requests with their answer and legal deadline.

Revision ID: e1a7c3d5b920
Revises: e3a9c5d1f047
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c3d5b920'
down_revision = 'e3a9c5d1f047'
branch_labels = None
depends_on = None

KINDS = "kind IN ('privacy', 'privacy_short', 'terms')"


def upgrade():
    op.create_table(
        "legal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(KINDS, name=op.f("ck_legal_documents_kind_known")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_legal_documents_version_positive")),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_legal_documents_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_documents")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_legal_documents_kind_version")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_consents_kind_known")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("user_id", "kind", "version", name=op.f("uq_consents_user_id_kind_version")),
    )
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("processing", sa.String(length=20), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('rectify_census', 'rectify_account', 'oppose')",
            name=op.f("ck_data_requests_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'refused')",
            name=op.f("ck_data_requests_status_known"),
        ),
        sa.CheckConstraint(
            "(kind = 'oppose') = (processing IS NOT NULL)",
            name=op.f("ck_data_requests_processing_when_opposing"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_data_requests_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_data_requests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    with op.batch_alter_table("data_requests") as batch:
        batch.create_index("ix_data_requests_user_id", ["user_id"], unique=False)
        batch.create_index(
            "ix_data_requests_status_created_at", ["status", "created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("data_requests") as batch:
        batch.drop_index("ix_data_requests_status_created_at")
        batch.drop_index("ix_data_requests_user_id")
    op.drop_table("data_requests")
    op.drop_table("consents")
    op.drop_table("legal_documents")
