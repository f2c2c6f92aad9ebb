"""The SQL statements a host's pages send, as the statement-count tests read them."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

#: Statements that are transaction control, not work: left out of every count.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextlib.contextmanager
def statements_sent(app: Any) -> Iterator[list[str]]:
    """Every statement sent on the reference shop's two engines (the host's and the add-on's)
    while the block runs, transaction control left out."""
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    engines = (app.extensions["oro_reference_host"].engine,
               app.extensions["oro_invoices"].service.db.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", keep)
