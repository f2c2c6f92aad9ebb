"""SQLite's planner statistics for the add-on's tables, kept current by its own connections.

SQLite picks among the indexes that fit a statement by what ``ANALYZE`` stored in
``sqlite_stat1``. Without it, two indexes that fit alike — an organization's invoices by date
and a customer's invoices by date — tie, and the one the schema lists last wins, an order
that differs from one database to the next. With the organization's index the storefront list
read the organization's whole index to find a customer's 25 invoices (8.7 ms against 0.27 ms
at 20,000 invoices, growing with the organization). SQLite never analyzes by itself, and a
database made by the migrations starts empty.

So each connection of an engine given to ``keep_statistics`` checks the add-on's tables
(``oro_invoice_*``) when it opens and again, at most every ``CHECK_EVERY`` seconds, when the
pool hands it out:

- a table of at least ``MIN_ROWS`` rows without statistics, or whose rows have grown or
  shrunk ``GROWTH`` times since its statistics were taken, is analyzed, sampling at most
  ``ANALYSIS_LIMIT`` rows of each index (a few milliseconds whatever its size). While another
  connection holds the write lock the check does not wait: the next one tries again;
- a connection whose statistics changed since it opened (analyzed by itself or by any other
  process) is replaced by a new one. SQLite reads the statistics when a connection opens, and
  re-reading them in place would take the write lock.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

#: Seconds between two checks of one pooled connection.
CHECK_EVERY = 60.0
#: Tables smaller than this are left unanalyzed: any plan reads them quickly.
MIN_ROWS = 1000
#: A table is analyzed again once its rows are this many times more (or fewer) than analyzed.
GROWTH = 4
#: Rows sampled per index (``PRAGMA analysis_limit``).
ANALYSIS_LIMIT = 1000

log = logging.getLogger("oro_invoices.persistence")

_PREFIX = "oro_invoice_"
_CHECKED_AT = "oro_invoices_statistics_checked_at"
_SEEN = "oro_invoices_statistics_seen"
_READ_ONLY = "oro_invoices_statistics_read_only"


def keep_statistics(engine: Engine) -> None:
    """Keep the planner statistics of ``engine``'s SQLite database file current (see the module)."""
    if engine.url.database in (None, "", ":memory:") or "mode=memory" in str(engine.url):
        return  # a new connection to a memory database would be a new, empty database

    @event.listens_for(engine, "connect")
    def _opened(dbapi_conn: Any, record: Any) -> None:
        record.info[_SEEN] = _checked(dbapi_conn, record.info)

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_CHECKED_AT, 0.0) < CHECK_EVERY:
            return
        if _checked(dbapi_conn, record.info) != record.info.get(_SEEN):
            raise DisconnectionError("the planner statistics changed; a new connection reads them")


def _checked(dbapi_conn: sqlite3.Connection, info: dict[str, Any]) -> int | None:
    """Analyze what is stale; the statistics' ``fingerprint`` then (the one seen before if the
    check failed: statistics never stand in the way of a connection)."""
    info[_CHECKED_AT] = time.monotonic()
    try:
        if not info.get(_READ_ONLY) and analyze_stale(dbapi_conn) is None:
            info[_READ_ONLY] = True
        return fingerprint(dbapi_conn)
    except sqlite3.Error as exc:
        log.warning("SQLite's planner statistics were not checked: %s", exc)
        return info.get(_SEEN)


def stale_tables(dbapi_conn: sqlite3.Connection) -> list[str]:
    """The add-on's tables whose statistics are missing or out of date (see the module)."""
    analyzed: dict[str, int] = dict(dbapi_conn.execute(
        "SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")) \
        if _has_stat_table(dbapi_conn) else {}
    stale = []
    for (table,) in dbapi_conn.execute(
            "SELECT t.name FROM sqlite_master t WHERE t.type = 'table' AND substr(t.name, 1, ?) = ? "
            "AND EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = t.name) "
            "ORDER BY t.name", (len(_PREFIX), _PREFIX)):
        rows = _rows(dbapi_conn, table)
        if rows < MIN_ROWS:
            continue
        before = analyzed.get(table) or 0
        if before == 0 or rows >= before * GROWTH or rows * GROWTH <= before:
            stale.append(table)
    return stale


def analyze_stale(dbapi_conn: sqlite3.Connection) -> list[str] | None:
    """Analyze ``stale_tables`` unless another connection holds the write lock; the tables
    analyzed, or None if the database cannot be written (then nothing is tried again)."""
    stale = stale_tables(dbapi_conn)
    if not stale:
        return []
    (timeout,) = dbapi_conn.execute("PRAGMA busy_timeout").fetchone()
    dbapi_conn.execute("PRAGMA busy_timeout = 0")
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return []
        if "readonly" in str(exc):
            return None
        raise
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        dbapi_conn.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        for table in stale:
            dbapi_conn.execute(f'ANALYZE "{table}"')
        dbapi_conn.execute("COMMIT")
    except sqlite3.Error as exc:
        dbapi_conn.execute("ROLLBACK")  # never hand the pool a connection inside a transaction
        if "readonly" in str(exc):
            return None
        raise
    return stale


def fingerprint(dbapi_conn: sqlite3.Connection) -> int:
    """A hash of the add-on's tables' statistics as stored now."""
    if not _has_stat_table(dbapi_conn):
        return 0
    return hash(tuple(dbapi_conn.execute(
        "SELECT tbl, idx, stat FROM sqlite_stat1 WHERE substr(tbl, 1, ?) = ? ORDER BY tbl, idx",
        (len(_PREFIX), _PREFIX))))


def _has_stat_table(dbapi_conn: sqlite3.Connection) -> bool:
    return dbapi_conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").fetchone() is not None


def _rows(dbapi_conn: sqlite3.Connection, table: str) -> int:
    """About how many rows ``table`` has, read off its row ids (two index look-ups, where a
    count would read the whole table)."""
    try:
        # two subqueries: SQLite reads min() or max() alone off the index, but both together
        # in one SELECT by scanning the table
        low, high = dbapi_conn.execute(
            f'SELECT (SELECT min(rowid) FROM "{table}"), (SELECT max(rowid) FROM "{table}")').fetchone()
    except sqlite3.OperationalError:  # a table without row ids
        return 0
    return 0 if low is None else high - low + 1
