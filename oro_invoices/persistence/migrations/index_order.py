"""SQLite: the indexes of a table rebuilt in batch mode, made again in name order.

Alembic's batch mode re-creates a rebuilt table's indexes from a set, so their order in the
schema followed the migrating process's hash seed. SQLite reads a table's indexes in that order
and breaks ties between equally good ones by it while the table has no statistics; one order
makes every database migrated by the same revisions plan the same way. (The order of the
rebuilt table's own constraints, and of the automatic indexes of its UNIQUE ones, still follows
the set.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def sort_indexes(table: str) -> None:
    """Drop and re-create ``table``'s explicit indexes in name order (SQLite only)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    indexes = bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table AND sql IS NOT NULL "
        "ORDER BY name"), {"table": table}).all()
    for name, _sql in indexes:
        bind.exec_driver_sql(f'DROP INDEX "{name}"')
    for _name, sql in indexes:
        bind.exec_driver_sql(sql)
