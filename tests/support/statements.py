"""The SQL statements a host's pages send, as the statement-count tests read them, and the
plan SQLite makes for one."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event

#: Statements that are transaction control, not work: left out of every count.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextlib.contextmanager
def statements_on(*engines: Any) -> Iterator[list[str]]:
    """Every statement sent on ``engines`` while the block runs, transaction control left out."""
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", keep)


def statements_sent(app: Any) -> contextlib.AbstractContextManager[list[str]]:
    """Every statement sent on the reference shop's two engines (the host's and the add-on's)
    while the block runs, transaction control left out."""
    return statements_on(app.extensions["oro_reference_host"].engine,
                         app.extensions["oro_invoices"].service.db.engine)


def sqlite_plan_of_last(engine: Any, call: Callable[[], object]) -> str:
    """SQLite's query plan of the last statement ``call`` sends on ``engine``, its lines
    joined by " | "."""
    seen: list[tuple[str, Any]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = seen[-1]
    with engine.connect() as conn:
        return " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                      parameters))
