"""The migrations have one head and build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from participa.extensions import db


def test_single_head(ctx):
    config = ctx.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        migration_context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(migration_context, db.metadata) == []


def test_migrate_extension_is_bound(ctx):
    assert isinstance(ctx.extensions["migrate"].migrate, Migrate)
