"""Create or upgrade the add-on's schema with Alembic (``oro-invoices migrate``)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import VERSION_TABLE


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "oro_invoices.persistence:migrations")
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` (default: the newest). Returns the revision reached."""
    cfg = alembic_config(db)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    return current_revision(db)


def downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        ctx = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", "oro_invoices.persistence:migrations")
    return ScriptDirectory.from_config(cfg).get_current_head()
