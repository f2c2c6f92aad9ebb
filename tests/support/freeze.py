"""Fixture ``drop_guards``: remove the freeze triggers as an attacker with database access could;
``rewrite_posted``: a posted invoice as an older version left it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import update

from oro_invoices.persistence import triggers
from oro_invoices.persistence.engine import Database
from oro_invoices.persistence.models import Invoice


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


def rewrite_posted(db: Database, invoice_id: int, **values: Any) -> None:
    """Set columns of the posted invoice ``invoice_id`` as an older version of the add-on left
    them (past the freeze guards, restored at once)."""
    with db.engine.begin() as conn:
        for stmt in triggers.drop_statements(db.dialect):
            conn.exec_driver_sql(stmt)
        conn.execute(update(Invoice).where(Invoice.id == invoice_id).values(**values))
        for stmt in triggers.create_statements(db.dialect):
            conn.exec_driver_sql(stmt)


def forget_seller_address(db: Database, invoice_id: int) -> None:
    """The posted invoice ``invoice_id`` as imported before the seller's electronic address
    (BT-34) was kept with it: its seller data without one."""
    with db.session() as s:
        seller = dict(s.get(Invoice, invoice_id).seller or {})
    seller.pop("electronic_address", None)
    rewrite_posted(db, invoice_id, seller=seller)
