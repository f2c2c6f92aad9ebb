"""The rows of several tables about one invoice, read in one statement.

A page showing an invoice's notes, activity, payments and emails would otherwise send one
query per table. ``rows_of_invoice`` sends one ``UNION ALL`` instead: each table's columns get
result columns of their own (``NULL`` in the other tables' rows), so every value comes back
through its own column type, and each row comes back as read-only values with its model's
attribute names (a named tuple per model), not as an ORM instance. A model without an
``invoice_id`` column is one of the invoice's customer in its organization and currency (the
customer's credit): its rows are those matching the invoice's. Two models stand for the documents
that correct the invoice: ``Invoice`` gives its credit notes and the invoices issued to replace
it, and ``PaymentState`` their payment states (not the invoice's own).

``invoice_for_reading`` reads an invoice, its lines, payment state and PDF record in one
statement as plain values (named tuples with the models' attribute names): what a page shows
needs no ORM instance, whose loading costs more than the statement.
"""
from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    and_,
    bindparam,
    cast,
    inspect,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from oro_invoices.persistence.models import Base, Invoice, InvoiceDocumentRow, InvoiceLineRow, PaymentState


def rows_of_invoice(session: Session, invoice_id: int,
                    models: Sequence[type[Base]]) -> dict[type[Base], list[Any]]:
    """For each of ``models`` (each with an ``invoice_id`` column, or one of those the module's
    docstring names) its rows of ``invoice_id``, unordered, read in one statement: read-only values
    with the model's attribute names."""
    found: dict[type[Base], list[Any]] = {model: [] for model in models}
    if not models:
        return found
    stmt, parts = _statement(tuple(models))
    for row in session.connection().execute(stmt, {"invoice_id": invoice_id}):
        model, make, values_of = parts[row[0]]
        found[model].append(make(values_of(row)))
    return found


@functools.lru_cache(maxsize=16)
def _statement(models: tuple[type[Base], ...],
               ) -> tuple[CompoundSelect[Any], list[tuple[type[Base], Any, Any]]]:
    """The ``UNION ALL`` over ``models`` (built once), and for each part its model, the named
    tuple of its attributes and what takes their values from a result row."""
    mappers = [inspect(model) for model in models]
    columns = [(n, column) for n, mapper in enumerate(mappers) for column in mapper.local_table.c]
    invoice_id = bindparam("invoice_id", type_=BigInteger)
    branches = []
    invoices = Invoice.__table__
    for n, mapper in enumerate(mappers):
        values = [literal_column(str(n), Integer).label("part")]
        values += [(column if owner == n else cast(null(), column.type)).label(f"c{i}")
                   for i, (owner, column) in enumerate(columns)]
        table = mapper.local_table
        correcting = or_(invoices.c.credited_invoice_id == invoice_id, invoices.c.reissued_from_id == invoice_id)
        if mapper.class_ is Invoice:
            branches.append(select(*values).where(correcting))
        elif mapper.class_ is PaymentState:
            branches.append(select(*values).where(table.c.invoice_id.in_(select(invoices.c.id).where(correcting))))
        elif "invoice_id" in table.c:
            branches.append(select(*values).where(table.c.invoice_id == invoice_id))
        else:  # the invoice's customer's, in its organization and currency
            branches.append(select(*values).select_from(table.join(invoices, and_(
                invoices.c.organization_id == table.c.organization_id,
                invoices.c.customer_id == table.c.customer_id, invoices.c.currency == table.c.currency)))
                .where(invoices.c.id == invoice_id))
    parts = []
    for n, mapper in enumerate(mappers):
        attributes = [(i + 1, mapper.get_property_by_column(column).key)
                      for i, (owner, column) in enumerate(columns) if owner == n]
        record = namedtuple(f"{mapper.class_.__name__}Values", [key for _i, key in attributes])  # type: ignore[misc]
        positions = [i for i, _key in attributes]
        take = itemgetter(*positions) if len(positions) > 1 else (lambda row, i=positions[0]: (row[i],))
        parts.append((mapper.class_, record._make, take))
    return union_all(*branches), parts


def invoice_for_reading(session: Session, invoice_id: int) -> tuple[Any, Any, Any] | None:
    """``(invoice, payment state, PDF record or None)`` of ``invoice_id`` in one statement, as
    read-only values with the models' attribute names (the invoice's ``lines`` in position
    order); None when there is no such invoice (or it has no payment state)."""
    rows = session.connection().execute(_READ.statement, {"invoice_id": invoice_id}).all()
    if not rows:
        return None
    invoice, state, pdf, line = _READ.shapes
    lines = [line.make(row) for row in rows if row[line.start] is not None]
    first = rows[0]
    return (invoice.kind._make((*first[invoice.start:invoice.end], lines)), state.make(first),
            pdf.make(first) if first[pdf.start] is not None else None)


class _Shape:
    """Where one model's values are in a row of ``_READ``, and the named tuple they make."""

    def __init__(self, model: type[Base], start: int, extra: tuple[str, ...] = ()):
        self.keys = [prop.key for prop in inspect(model).column_attrs]
        self.columns = [getattr(model, key) for key in self.keys]
        self.start, self.end = start, start + len(self.keys)
        self.kind: Any = namedtuple(f"{model.__name__}Values", [*self.keys, *extra])  # type: ignore[misc]

    def make(self, row: Sequence[Any]) -> Any:
        return self.kind._make(row[self.start:self.end])


class _InvoiceRead:
    """``invoice_for_reading``'s statement and shapes, built once on first use."""

    @functools.cached_property
    def shapes(self) -> tuple[_Shape, _Shape, _Shape, _Shape]:
        invoice = _Shape(Invoice, 0, ("lines",))
        state = _Shape(PaymentState, invoice.end)
        pdf = _Shape(InvoiceDocumentRow, state.end)
        return invoice, state, pdf, _Shape(InvoiceLineRow, pdf.end)

    @functools.cached_property
    def statement(self) -> Any:
        invoice, state, pdf, line = self.shapes
        columns = [column.label(f"c{i}") for i, column in enumerate(
            (*invoice.columns, *state.columns, *pdf.columns, *line.columns))]
        return (select(*columns)
                .join_from(Invoice, PaymentState, PaymentState.invoice_id == Invoice.id)
                .outerjoin(InvoiceDocumentRow, InvoiceDocumentRow.invoice_id == Invoice.id)
                .outerjoin(InvoiceLineRow, InvoiceLineRow.invoice_id == Invoice.id)
                .where(Invoice.id == bindparam("invoice_id"))
                .order_by(InvoiceLineRow.position))


_READ = _InvoiceRead()
