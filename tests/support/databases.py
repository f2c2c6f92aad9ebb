"""Test databases: a migrated SQLite copy, or the run's PostgreSQL database emptied."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.metadata import TABLE_PREFIX, VERSION_TABLE, metadata

#: Where the tests create their throwaway PostgreSQL databases.
PG_ADMIN_URL = os.environ.get("ORO_INVOICES_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def truncate_pg(db: Database) -> None:
    """Empty every table of the add-on in a PostgreSQL test database."""
    tables = [t.name for t in metadata.sorted_tables
              if t.name.startswith(TABLE_PREFIX) and t.name != VERSION_TABLE]
    with db.engine.begin() as conn:
        # The freeze refuses TRUNCATE of posted invoices; a superuser resetting a test
        # database switches the guards off for this transaction only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def make_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """A migrated, empty database of ``kind`` (``sqlite``: a copy of the template file)."""
    if kind == "sqlite":
        path = tmp_path / "invoices.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return Database(f"sqlite:///{path}")
    db = Database(request.getfixturevalue("pg_database_url"))
    truncate_pg(db)
    return db
