"""The receivables aging on a past day: what each customer owed at the end of that day, by how
late it was then.

A payment state holds what its invoice owes now. At the end of a past day the invoice owed what
its total less the credit notes dated up to that day and the payments received up to it (and
recorded refunds) left, and it could be paid if the status those facts give
(``domain.statuses``) let it. As in the account's ledger (``persistence.ledger``), a payment is
counted on the day it was received (as an admin recorded it by hand), else the day it was
recorded; a payment recorded in error and reversed counts on no day.

Only invoices whose facts changed after the day can differ from now. So the aging of today's
open invoices dated up to the day, judged on the day (``persistence.aging``), is read in one
statement, and each invoice with a transaction recorded, or a credit note dated, after the day is
taken out of its line as it is now and put in as it was then. A month-end a few weeks back
touches few invoices; a day long past, most. A status set from outside (``forced``) is taken as
it is now: when it was set is not known.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses
from oro_invoices.domain.aging import BUCKETS, bucket_of
from oro_invoices.persistence.aging import NOT_READ, AgingRow, aging_rows
from oro_invoices.persistence.ledger import counted
from oro_invoices.persistence.models import Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter

#: How many changed invoices are read at a time.
CHUNK = 500

#: A line of the aging: organization, customer (None: by the name), that name when no customer, currency.
_Key = tuple[int | None, int | None, str, str]


@dataclass(frozen=True)
class _Changed:
    """An invoice with facts after the day: what the aging needs of it now."""

    id: int
    organization_id: int | None
    customer_id: int | None
    customer_name: str
    currency: str
    total: int
    due_date: dt.date
    amount_paid: int
    amount_credited: int
    open_now: bool
    forced: bool

    @property
    def key(self) -> _Key:
        return (self.organization_id, self.customer_id, "" if self.customer_id is not None else self.customer_name,
                self.currency)


def aging_rows_on(session: Session, *, day: dt.date, within: InvoiceFilter) -> list[AgingRow]:
    """The aging at the end of ``day`` of the invoices ``within`` selects, as ``aging_rows``
    gives today's: one row per organization, customer and currency, in no set order."""
    lines: dict[_Key, list[int]] = {}         # count, then the amounts by bucket
    names: dict[_Key, str] = {}
    for row in aging_rows(session, today=day, within=within, dated_until=day):
        key = (row.organization_id, row.customer_id, "" if row.customer_id is not None else row.customer_name,
               row.currency)
        lines[key] = [row.invoices, *row.amounts]
        names[key] = row.customer_name
    for invoice, then in _changed_on(session, day, within):
        if invoice.open_now:
            _add(lines, invoice.key, _bucket(invoice.due_date, day), -(invoice.total - invoice.amount_paid
                                                                        - invoice.amount_credited), -1)
        if then > 0:
            _add(lines, invoice.key, _bucket(invoice.due_date, day), then, 1)
            names.setdefault(invoice.key, invoice.customer_name)
    return [AgingRow(key[0], key[1], names[key], key[3], line[0], tuple(line[1:]))
            for key, line in lines.items() if line[0] > 0]


def _add(lines: dict[_Key, list[int]], key: _Key, bucket: int, amount: int, count: int) -> None:
    line = lines.setdefault(key, [0] * (1 + len(BUCKETS)))
    line[0] += count
    line[1 + bucket] += amount


def _bucket(due_date: dt.date, day: dt.date) -> int:
    return BUCKETS.index(bucket_of(max((day - due_date).days, 0)))


def _changed_on(session: Session, day: dt.date, within: InvoiceFilter) -> Iterator[tuple[_Changed, int]]:
    """Each posted invoice of ``within`` dated up to ``day`` with a transaction recorded or a
    credit note dated after it, with what it owed at the end of ``day`` (0: nothing payable)."""
    after = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    later = union(select(PaymentTransaction.invoice_id).where(PaymentTransaction.created_at >= after),
                  select(Invoice.credited_invoice_id).where(Invoice.document_type == "credit_note",
                                                            Invoice.status == "posted", Invoice.invoice_date > day,
                                                            Invoice.credited_invoice_id.is_not(None))).subquery()
    rest = replace(within, **dict.fromkeys(NOT_READ))
    stmt = apply_filter(
        select(Invoice.id, Invoice.organization_id, Invoice.customer_id, Invoice.customer_name, Invoice.currency,
               Invoice.total_amount, Invoice.due_date, PaymentState.amount_paid, PaymentState.amount_credited,
               PaymentState.open_due_date, PaymentState.invoice_date, PaymentState.forced)
        .join(PaymentState, PaymentState.invoice_id == Invoice.id)
        .where(Invoice.id.in_(select(later.c[0])), Invoice.status == "posted", Invoice.document_type == "invoice",
               Invoice.invoice_date <= day, Invoice.due_date.is_not(None)), rest).order_by(Invoice.id)
    found = [_Changed(row.id, row.organization_id, row.customer_id, row.customer_name or "", row.currency,
                      int(row.total_amount), row.due_date, int(row.amount_paid or 0), int(row.amount_credited or 0),
                      row.open_due_date is not None and row.invoice_date is not None and row.invoice_date <= day,
                      bool(row.forced))
             for row in session.execute(stmt)]
    for start in range(0, len(found), CHUNK):
        chunk = found[start:start + CHUNK]
        facts, credits = _facts_on(session, day, [i.id for i in chunk]), _credits_on(session, day, chunk)
        for invoice in chunk:
            if invoice.forced:
                now = invoice.total - invoice.amount_paid - invoice.amount_credited
                yield invoice, now if invoice.open_now else 0
                continue
            done, credited = facts.get(invoice.id, []), credits.get(invoice.id, 0)
            status = statuses.calculate(invoice.total, done, credited)
            owed = invoice.total - statuses.summarize(done).net_paid - credited
            yield invoice, owed if statuses.is_payable(status, owed) else 0


def _facts_on(session: Session, day: dt.date, ids: list[int]) -> dict[int, list[statuses.TransactionFacts]]:
    """The transactions of ``ids`` that count up to the end of ``day`` (``ledger.counted``), as
    the status reads them."""
    rows = session.execute(select(PaymentTransaction).where(PaymentTransaction.invoice_id.in_(ids))).scalars()
    facts: dict[int, list[statuses.TransactionFacts]] = {}
    for row, on in counted(rows):
        if on <= day:
            facts.setdefault(row.invoice_id, []).append(statuses.TransactionFacts(
                row.action, int(row.amount), bool(row.successful),
                row.action == "authorize" and row.parent_id is not None))
    return facts


def _credits_on(session: Session, day: dt.date, invoices: list[_Changed]) -> dict[int, int]:
    """What the posted credit notes dated up to ``day`` took off each of ``invoices``: each takes
    its total, but never more than the invoice had left (in the order they were written); when
    every credit note is that old, what the state says they took."""
    by_id = {invoice.id: invoice for invoice in invoices}
    notes = session.execute(select(Invoice.credited_invoice_id, Invoice.total_amount, Invoice.invoice_date).where(
        Invoice.credited_invoice_id.in_(list(by_id)), Invoice.document_type == "credit_note",
        Invoice.status == "posted").order_by(Invoice.id)).all()
    taken: dict[int, int] = {}
    later: set[int] = set()
    for credited, total, dated in notes:
        invoice = by_id.get(credited) if credited is not None else None
        if invoice is None:
            continue
        if dated > day:
            later.add(invoice.id)
            continue
        so_far = taken.get(invoice.id, 0)
        taken[invoice.id] = so_far + min(int(total), max(invoice.total - so_far, 0))
    for invoice_id in taken.keys() - later:
        taken[invoice_id] = by_id[invoice_id].amount_credited
    return taken

