"""The migrations have one head and build exactly the schema the models describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from participa.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_single_head(ctx):
    config = ctx.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        migration_context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(migration_context, db.metadata) == []


def test_migrate_extension_is_bound(ctx):
    """``flask db ...`` finds the repository's migrations from any working directory, and
    the database the app runs on is at their head."""
    migrate = ctx.extensions["migrate"]
    assert Path(migrate.directory) == ROOT / "migrations"
    heads = ScriptDirectory.from_config(migrate.migrate.get_config()).get_heads()
    with db.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == set(heads)
