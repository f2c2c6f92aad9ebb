"""Fixture ``drop_guards``: remove the freeze triggers as an attacker with database access could."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from oro_invoices.persistence import triggers
from oro_invoices.persistence.engine import Database


@pytest.fixture
def drop_guards(db: Database) -> Iterator[Callable[[], None]]:
    """Call it to drop the guards; they are restored after the test."""
    def drop() -> None:
        with db.engine.begin() as conn:
            for stmt in triggers.drop_statements(db.dialect):
                conn.exec_driver_sql(stmt)
    yield drop
    with db.engine.begin() as conn:
        for stmt in triggers.drop_statements(db.dialect) + triggers.create_statements(db.dialect):
            conn.exec_driver_sql(stmt)
