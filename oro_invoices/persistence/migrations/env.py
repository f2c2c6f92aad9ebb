"""Alembic environment for the add-on's own tables (own version table)."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.engine import Connection

import oro_invoices.persistence.customer_credit  # (registers customers' credit)
import oro_invoices.persistence.grid_columns  # (registers the grid column choices)
import oro_invoices.persistence.idempotency
import oro_invoices.persistence.models
import oro_invoices.persistence.outbox  # (registers the email outbox)
import oro_invoices.persistence.outgoing_events  # noqa: F401  (registers the event outbox)
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import TABLE_PREFIX, VERSION_TABLE, metadata


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # The host's tables share the database; never touch them.
    if type_ == "table":
        return name is not None and name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("Alembic was given neither a connection nor sqlalchemy.url")
        db = Database(url)
        with db.engine.connect() as connection:
            _run(connection)
        db.dispose()
    else:
        _run(connection)


def _report_step(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
                 run_args: Mapping[str, Any]) -> None:
    """Tell ``upgrade``'s ``progress`` callback that one revision was applied."""
    progress = context.config.attributes.get("progress")
    if progress is not None:
        progress(step.up_revision_id, getattr(step.up_revision, "doc", "") or "")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        on_version_apply=_report_step,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
