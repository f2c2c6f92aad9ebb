"""Alembic environment for the add-on's own tables (own version table)."""
from __future__ import annotations

from alembic import context

import oro_invoices.persistence.models
import oro_invoices.persistence.outbox  # noqa: F401  (registers the email outbox)
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import TABLE_PREFIX, VERSION_TABLE, metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # The host's tables share the database; never touch them.
    if type_ == "table":
        return bool(name) and name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        db = Database(context.config.get_main_option("sqlalchemy.url"))
        with db.engine.connect() as connection:
            _run(connection)
        db.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
