"""A database that refuses a change, as a full disk or a dropped connection would: a trigger that
raises while it is installed (SQLite and PostgreSQL)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import text

from oro_invoices.persistence.engine import Database

#: What the database says when it refuses.
REFUSED = "refused for the test"


@contextlib.contextmanager
def refusing_updates(db: Database, table: str, when: str) -> Iterator[None]:
    """While inside, an UPDATE of a row of ``table`` whose new values meet ``when`` (SQL on
    ``NEW``) fails with ``REFUSED``; the trigger is dropped on the way out (the PostgreSQL test
    database is shared by the tests)."""
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(text(f"CREATE TRIGGER refuse_for_test BEFORE UPDATE ON {table} WHEN ({when}) "
                              f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"))
        else:
            conn.execute(text("CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS "
                              f"$$ BEGIN RAISE EXCEPTION '{REFUSED}'; END $$"))
            conn.execute(text(f"CREATE TRIGGER refuse_for_test BEFORE UPDATE ON {table} FOR EACH ROW "
                              f"WHEN ({when}) EXECUTE FUNCTION refuse_for_test()"))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            if db.dialect == "sqlite":
                conn.execute(text("DROP TRIGGER refuse_for_test"))
            else:
                conn.execute(text(f"DROP TRIGGER refuse_for_test ON {table}"))
                conn.execute(text("DROP FUNCTION refuse_for_test()"))
