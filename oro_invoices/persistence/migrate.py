"""Create or upgrade the add-on's schema with Alembic (``oro-invoices migrate``)."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import VERSION_TABLE


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "oro_invoices.persistence:migrations")
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head", *,
            progress: Callable[[str | None, str], None] | None = None) -> str | None:
    """Bring the schema to ``revision`` (default: the newest). Returns the revision reached.

    :param progress: called ``(revision, its description)`` after each revision is applied.
    """
    cfg = alembic_config(db)
    with _migration_transaction(db) as connection:
        cfg.attributes["connection"] = connection
        cfg.attributes["progress"] = progress
        command.upgrade(cfg, revision)
    return current_revision(db)


def downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with _migration_transaction(db) as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


@contextlib.contextmanager
def _migration_transaction(db: Database) -> Iterator[Connection]:
    """One transaction for the migration run.

    On SQLite, foreign keys are switched off around it: a table rebuild (Alembic batch
    mode) drops and re-creates a table, which with them on would cascade into the rows
    that refer to it. The references are checked before the commit instead.
    """
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection if db.dialect == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, or it is ignored
        try:
            with connection.begin():
                yield connection
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left {len(broken)} broken reference(s): {broken[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        ctx = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def head_revision() -> str | None:
    return _scripts().get_current_head()


def is_before(revision: str, current: str) -> bool:
    """Whether ``revision`` (a revision's id) is one the schema at ``current`` has already passed:
    upgrading to it would change nothing. False for a name that is not a revision's (``head``)."""
    from alembic.script.revision import RevisionError
    from alembic.util.exc import CommandError
    scripts = _scripts()
    try:
        wanted = scripts.get_revision(revision)
        passed = {script.revision for script in scripts.iterate_revisions(current, "base")}
    except (CommandError, RevisionError):
        return False
    return wanted is not None and wanted.revision != current and wanted.revision in passed


def is_known(revision: str) -> bool:
    """Whether ``revision`` is one of this release's (a schema written by a newer release is not)."""
    from alembic.script.revision import RevisionError
    from alembic.util.exc import CommandError
    try:
        return _scripts().get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def _scripts() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", "oro_invoices.persistence:migrations")
    return ScriptDirectory.from_config(cfg)
