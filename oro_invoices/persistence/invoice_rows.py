"""The rows of several tables about one invoice, read in one statement.

A page showing an invoice's notes, activity, payments and emails would otherwise send one
query per table. ``rows_of_invoice`` sends one ``UNION ALL`` instead: each table's columns get
result columns of their own (``NULL`` in the other tables' rows), so every value comes back
through its own column type, and each row is rebuilt as a detached instance of its model.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    bindparam,
    cast,
    inspect,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from oro_invoices.persistence.models import Base


def rows_of_invoice(session: Session, invoice_id: int,
                    models: Sequence[type[Base]]) -> dict[type[Base], list[Any]]:
    """For each of ``models`` (each with an ``invoice_id`` column) its rows of ``invoice_id``,
    unordered, read in one statement."""
    found: dict[type[Base], list[Any]] = {model: [] for model in models}
    if not models:
        return found
    stmt, parts = _statement(tuple(models))
    for row in session.execute(stmt, {"invoice_id": invoice_id}):
        model, attributes = parts[row.part]
        found[model].append(model(**{key: row[i] for i, key in attributes}))
    return found


@functools.lru_cache(maxsize=16)
def _statement(models: tuple[type[Base], ...],
               ) -> tuple[CompoundSelect[Any], list[tuple[type[Base], list[tuple[int, str]]]]]:
    """The ``UNION ALL`` over ``models`` (built once), and for each part its model and the
    result positions of its attributes."""
    mappers = [inspect(model) for model in models]
    columns = [(n, column) for n, mapper in enumerate(mappers) for column in mapper.local_table.c]
    invoice_id = bindparam("invoice_id", type_=BigInteger)
    branches = []
    for n, mapper in enumerate(mappers):
        values = [literal_column(str(n), Integer).label("part")]
        values += [(column if owner == n else cast(null(), column.type)).label(f"c{i}")
                   for i, (owner, column) in enumerate(columns)]
        branches.append(select(*values).where(mapper.local_table.c.invoice_id == invoice_id))
    parts = [(mapper.class_, [(i + 1, mapper.get_property_by_column(column).key)
                              for i, (owner, column) in enumerate(columns) if owner == n])
             for n, mapper in enumerate(mappers)]
    return union_all(*branches), parts
