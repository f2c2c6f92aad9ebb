"""PostgreSQL's planner statistics of the add-on's tables, brought up to date after a bulk write.

Autovacuum analyzes a table once enough of its rows changed, but only at its next round (every
``autovacuum_naptime``, a minute by default). Until then the planner knows a table that an
import made ten times larger by its old figures, or, for a new database, by none: the pages
read right after a large import may take plans meant for a few rows. So after each commit of
an import (``Database.refresh_statistics``) the add-on's tables (``oro_invoice_*``) are
checked as on SQLite (``sqlite_statistics``): a table of at least ``MIN_ROWS`` rows that was
never analyzed, or whose rows have grown ``GROWTH`` times since, is analyzed at once.

The rows now are estimated as the planner does: the rows per page when last analyzed times the
table's pages now (no count). ``ANALYZE`` waits at most ``LOCK_TIMEOUT`` for its lock (a
``VACUUM`` or another ``ANALYZE`` of the table holds it; then that one brings the statistics).
Tables the connection's role does not own are left to autovacuum (only their owner may analyze).
"""
from __future__ import annotations

import logging

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from oro_invoices.persistence.sqlite_statistics import GROWTH, MIN_ROWS

#: The longest an analysis waits for its table's lock.
LOCK_TIMEOUT = "1s"

log = logging.getLogger("oro_invoices.persistence")

_PREFIX = "oro_invoice_"


def stale_tables(conn: Connection) -> list[str]:
    """The add-on's tables (of the current schema) whose statistics are missing or out of date."""
    found = conn.exec_driver_sql(
        "SELECT c.relname, c.reltuples, c.relpages, "
        "pg_relation_size(c.oid) / current_setting('block_size')::int "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND left(c.relname, %(length)s) = %(prefix)s "
        # only a table's owner may analyze it (a superuser has every role); the others are left to autovacuum
        "AND pg_has_role(c.relowner, 'USAGE') "
        "AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid) ORDER BY c.relname",
        {"length": len(_PREFIX), "prefix": _PREFIX}).all()
    stale = []
    for table, analyzed_rows, analyzed_pages, pages in found:
        if analyzed_rows < 0 or analyzed_pages == 0:  # never analyzed, or empty when it was
            if _has_rows(conn, table, MIN_ROWS):
                stale.append(table)
            continue
        rows = analyzed_rows / analyzed_pages * pages
        if rows >= MIN_ROWS and rows >= analyzed_rows * GROWTH:
            stale.append(table)
    return stale


def analyze_stale(conn: Connection) -> list[str]:
    """Analyze ``stale_tables``, each in a transaction of its own; the tables analyzed (those
    whose lock was not had within ``LOCK_TIMEOUT`` are left out)."""
    with conn.begin():
        stale = stale_tables(conn)
    analyzed = []
    for table in stale:
        try:
            with conn.begin():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                conn.exec_driver_sql(f'ANALYZE "{table}"')
        except OperationalError as exc:
            log.info("%s was not analyzed now (autovacuum will): %s", table, exc.orig)
            continue
        analyzed.append(table)
    return analyzed


def _has_rows(conn: Connection, table: str, count: int) -> bool:
    """Whether ``table`` has at least ``count`` rows (reading no more than that)."""
    return bool(conn.exec_driver_sql(
        f'SELECT count(*) >= %(count)s FROM (SELECT 1 FROM "{table}" LIMIT %(count)s) AS t',
        {"count": count}).scalar())
