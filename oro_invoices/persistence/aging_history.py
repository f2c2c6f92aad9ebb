"""The receivables on a past day: the aging and the open items at the end of that day, by how
late they were then.

A payment state holds what its invoice owes now. At the end of a past day the invoice owed what
its total less the credit notes dated up to that day and the payments received up to it (and
recorded refunds) left, and it could be paid if the status those facts give
(``domain.statuses``) let it. As in the account's ledger (``persistence.ledger``), a payment is
counted on the day it was received (as an admin recorded it by hand), else the day it was
recorded; a payment recorded in error and reversed counts on no day. A day ends at midnight in
the time zone of the invoices' organization and website (``zone``: ``ServiceContext.time_zone``).

Only invoices whose facts changed after the day can differ from now. So the aging of today's
open invoices judged on the day (``persistence.aging``, read from its index alone) is read in
one statement; the open invoices dated after the day are taken out of it, and each invoice with
a transaction recorded, a credit note dated or its status set from outside after the day is taken out as it is now and put
in as it was then. A month-end a few weeks back touches few invoices; a day long past, most. A
status set from outside that settles the invoice (``ledger.SETTLING``: paid, void, canceled,
credited) settles it on the day it was set, as the account's ledger has it (imported with it: on
its date); another one set from outside (held, paid in part) is taken as it is now.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses
from oro_invoices.domain.aging import BUCKETS, bucket_of
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.aging import NOT_READ, AgingRow, aging_rows
from oro_invoices.persistence.ledger import SETTLING, counted, midnight, set_on
from oro_invoices.persistence.models import Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter
from oro_invoices.persistence.statement import ITEMS_MAX, OpenItemRow, held_of, item_row, open_items_query

#: How many changed invoices are read at a time.
CHUNK = 500

#: A line of the aging: organization, customer (None: by the name), that name when no customer, currency.
_Key = tuple[int | None, int | None, str, str]


@dataclass(frozen=True)
class ChangedInvoice:
    """A posted invoice dated up to the day with facts after it: what it is, and what it had
    been paid and credited (minor units) and whether it could be paid, now and at the day's end."""

    id: int
    organization_id: int
    number: str
    invoice_date: dt.date
    due_date: dt.date
    customer_id: int | None
    customer_name: str
    currency: str
    total: int
    paid_now: int
    credited_now: int
    open_now: bool
    paid_then: int
    credited_then: int
    open_then: bool
    #: Held in full at the day's end (``statuses.is_held``: its payment authorized, or its rest).
    held_then: bool = False
    #: What open authorizations held of what it owed (all of it when held in full), now and at
    #: the day's end: the aging's ``held`` when it is past due.
    holding_now: int = 0
    holding_then: int = 0

    @property
    def owed_now(self) -> int:
        return self.total - self.paid_now - self.credited_now

    @property
    def owed_then(self) -> int:
        return self.total - self.paid_then - self.credited_then

    @property
    def key(self) -> _Key:
        return _key(self.organization_id, self.customer_id, self.customer_name, self.currency)


def aging_customers_on(session: Session, *, day: dt.date, within: InvoiceFilter,
                       zone: dt.tzinfo) -> list[tuple[int | None, str]]:
    """The customers the aging at the end of ``day`` in ``zone`` (its organization's time zone;
    required, as for ``aging_rows_on``) of ``within`` lists (as
    ``aging_rows_on`` reads it: those who owed something then, in ``within``'s currency when it
    names one), each once, as ``persistence.aging.aging_customers`` gives today's."""
    found: dict[tuple[int | None, str], str] = {}
    for row in aging_rows_on(session, day=day, within=within, zone=zone):
        if any(row.amounts):
            found.setdefault((row.customer_id, "" if row.customer_id is not None else row.customer_name),
                             row.customer_name)
    return [(customer_id, name) for (customer_id, _one), name in found.items()]


def _key(organization_id: int | None, customer_id: int | None, name: str, currency: str) -> _Key:
    """The aging line an invoice is in: its organization, customer and currency (naming no customer: its name)."""
    return organization_id, customer_id, "" if customer_id is not None else name, currency


def aging_rows_on(session: Session, *, day: dt.date, within: InvoiceFilter,
                  zone: dt.tzinfo) -> list[AgingRow]:
    """The aging at the end of ``day`` in ``zone`` (its organization's time zone) of the invoices
    ``within`` selects, as ``aging_rows`` gives today's: one row per organization, customer and
    currency, in no set order."""
    lines: dict[_Key, list[int]] = {}         # count, the amounts by bucket, what is held past due, then not yet due
    names: dict[_Key, str] = {}
    for row in aging_rows(session, today=day, within=within):
        key = _key(row.organization_id, row.customer_id, row.customer_name, row.currency)
        lines[key] = [row.invoices, *row.amounts, row.held, row.held_current]
        names[key] = row.customer_name
    for item in _open_dated_after(session, day, within):
        _add(lines, _key(item.organization_id, item.customer_id, item.customer_name, item.currency),
             _bucket(item.due_date, day), -item.due, -item.holding, -1)
    for invoice in changed_invoices(session, day=day, within=within, zone=zone):
        bucket = _bucket(invoice.due_date, day)
        if invoice.open_now:
            _add(lines, invoice.key, bucket, -invoice.owed_now, -invoice.holding_now, -1)
        if invoice.open_then:
            _add(lines, invoice.key, bucket, invoice.owed_then, invoice.holding_then, 1)
            names.setdefault(invoice.key, invoice.customer_name)
    return [AgingRow(key[0], key[1], names[key], key[3], line[0], tuple(line[1:-2]), line[-2], line[-1])
            for key, line in lines.items() if line[0] > 0]


def open_items_on(session: Session, *, day: dt.date, within: InvoiceFilter, limit: int = ITEMS_MAX,
                  zone: dt.tzinfo) -> tuple[list[OpenItemRow], int]:
    """``statement.open_items`` at the end of ``day`` in ``zone``: today's open invoices dated up to it,
    each invoice with facts after it (``changed_invoices``) as it was then instead; at most
    ``limit`` of them in the statement's order, and how many there are in all."""
    changed = changed_invoices(session, day=day, within=within, zone=zone)
    ids = {invoice.id for invoice in changed if invoice.open_now}
    stmt = open_items_query(within).where(PaymentState.invoice_date <= day)
    ordered = stmt.order_by(PaymentState.currency, PaymentState.open_due_date, Invoice.invoice_date,
                            Invoice.invoice_number, PaymentState.invoice_id)
    rows = session.execute(ordered.limit(limit + len(ids) + 1)).all()
    count = len(rows)
    if count > limit + len(ids):
        count = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    items = [item_row(row) for row in rows if row[0] not in ids]
    items += [OpenItemRow(c.id, c.organization_id, c.number, c.invoice_date, c.due_date, c.currency, c.customer_id,
                          c.customer_name, c.total, c.paid_then, c.credited_then, c.held_then, c.holding_then)
              for c in changed if c.open_then]
    items.sort(key=lambda item: (item.currency, item.due_date, item.invoice_date, item.number, item.invoice_id))
    return items[:limit], int(count) - len(ids) + sum(1 for c in changed if c.open_then)


def _open_dated_after(session: Session, day: dt.date, within: InvoiceFilter) -> list[OpenItemRow]:
    """Today's open invoices ``within`` selects dated after ``day`` (on the states' open-by-date index)."""
    stmt = open_items_query(within).where(PaymentState.invoice_date > day)
    return [item_row(row) for row in session.execute(stmt)]


def _bucket(due_date: dt.date, day: dt.date) -> int:
    """The index in ``BUCKETS`` of an invoice due on ``due_date``, on ``day``."""
    return BUCKETS.index(bucket_of(max((day - due_date).days, 0)))


def _add(lines: dict[_Key, list[int]], key: _Key, bucket: int, amount: int, held: int, count: int) -> None:
    """Count ``amount`` in ``bucket`` of ``key``'s line, and ``held`` of it as held past due,
    or not yet due in the current bucket (``aging``'s ``held`` and ``held_current``)."""
    line = lines.setdefault(key, [0] * (3 + len(BUCKETS)))
    line[0] += count
    line[1 + bucket] += amount
    line[-2 if bucket else -1] += held


def changed_invoices(session: Session, *, day: dt.date, within: InvoiceFilter,
                     zone: dt.tzinfo) -> list[ChangedInvoice]:
    """Each posted invoice ``within`` selects (``aging.NOT_READ`` not read) dated up to ``day``
    with a transaction recorded, a credit note dated or its status set from outside after it, as
    it is now and as it was at the end of ``day`` in ``zone`` (its organization's time zone);
    ``open_now`` is whether the aging of today's open invoices dated up to ``day`` counts it
    (``aging_rows``)."""
    after = midnight(day + dt.timedelta(days=1), zone=zone)
    notes = select(Invoice.credited_invoice_id).where(Invoice.document_type == "credit_note",
                                                      Invoice.status == "posted", Invoice.invoice_date > day,
                                                      Invoice.credited_invoice_id.is_not(None))
    if within.organization_id is not None:       # on the invoices' (organization, type, date) index
        notes = notes.where(Invoice.organization_id == within.organization_id)
    forced = select(PaymentState.invoice_id).where(PaymentState.forced == True,  # noqa: E712 (the index's term)
                                                   PaymentState.updated_at >= after)
    if within.organization_id is not None:       # on the states' (forced, organization, time) index
        forced = forced.where(PaymentState.organization_id == within.organization_id)
    later = union(select(PaymentTransaction.invoice_id).where(PaymentTransaction.created_at >= after),
                  notes, forced).subquery()
    rest = replace(within, **dict.fromkeys(NOT_READ))
    stmt = apply_filter(
        select(Invoice.id, Invoice.organization_id, Invoice.invoice_number, Invoice.invoice_date, Invoice.due_date,
               Invoice.customer_id, Invoice.customer_name, Invoice.currency, Invoice.total_amount,
               PaymentState.amount_paid, PaymentState.amount_credited, PaymentState.open_due_date,
               PaymentState.forced, PaymentState.payment_status, PaymentState.held_in_full,
               PaymentState.amount_held)
        .join(PaymentState, PaymentState.invoice_id == Invoice.id)
        .where(Invoice.id.in_(select(later.c[0])), Invoice.status == "posted", Invoice.document_type == "invoice",
               Invoice.invoice_date <= day, Invoice.due_date.is_not(None)), rest).order_by(Invoice.id)
    rows = session.execute(stmt).all()
    settled_on = set_on(session, {row.id: row.payment_status for row in rows
                                  if row.forced and row.payment_status in SETTLING}, zone=zone)
    found: list[ChangedInvoice] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        facts, credits = _facts_on(session, day, [row.id for row in chunk], zone), _credits_on(session, day, chunk)
        for row in chunk:
            total, paid, credited = int(row.total_amount), int(row.amount_paid or 0), int(row.amount_credited or 0)
            open_now = row.open_due_date is not None
            holding_now = held_of(total - paid - credited, bool(row.held_in_full), int(row.amount_held or 0))
            holding_then = holding_now
            settling = row.forced and row.payment_status in SETTLING
            if row.forced and not settling:    # held or paid in part, as set from outside: as it is now
                paid_then, credited_then, open_then, held_then = paid, credited, open_now, bool(row.held_in_full)
            else:
                done, credited_then = facts.get(row.id, []), credits.get(row.id, 0)
                summary, status_then = statuses.summarize(done), statuses.calculate(total, done, credited_then)
                paid_then = summary.net_paid
                owed_then = total - paid_then - credited_then
                open_then = statuses.is_owed(status_then, owed_then)
                held_then = statuses.is_held(status_then, owed_then, summary.open_authorized)
                holding_then = held_of(owed_then, held_then, summary.open_authorized)
                if settling:                   # settled outside on the day it was set (imported so: its date)
                    open_then = open_then and settled_on.get(row.id, row.invoice_date) > day
            found.append(ChangedInvoice(row.id, row.organization_id, row.invoice_number or "", row.invoice_date,
                                        row.due_date, row.customer_id, row.customer_name or "", row.currency, total,
                                        paid, credited, open_now, paid_then, credited_then, open_then,
                                        held_then, holding_now, holding_then))
    return found


def _facts_on(session: Session, day: dt.date, ids: list[int],
              zone: dt.tzinfo) -> dict[int, list[statuses.TransactionFacts]]:
    """The transactions of ``ids`` that count up to the end of ``day`` in ``zone`` (``ledger.counted``),
    as the status reads them."""
    rows = session.execute(select(PaymentTransaction).where(PaymentTransaction.invoice_id.in_(ids))).scalars()
    facts: dict[int, list[statuses.TransactionFacts]] = {}
    for row, on in counted(rows, zone=zone):
        if on <= day:
            # reversals and what they reversed are not ``counted``: as if neither was recorded
            facts.setdefault(row.invoice_id, []).append(views.facts(
                row.action, int(row.amount), bool(row.successful), row.parent_id, row.data, row.currency))
    return facts


def _credits_on(session: Session, day: dt.date, invoices: Sequence[Any]) -> dict[int, int]:
    """What the posted credit notes dated up to ``day`` took off each of ``invoices`` (rows with
    ``id``, ``total_amount`` and ``amount_credited``): each takes its total, but never more than
    the invoice had left (in the order they were written); when every credit note is that old,
    what the state says they took."""
    by_id = {row.id: row for row in invoices}
    notes = session.execute(select(Invoice.credited_invoice_id, Invoice.total_amount, Invoice.invoice_date).where(
        Invoice.credited_invoice_id.in_(list(by_id)), Invoice.document_type == "credit_note",
        Invoice.status == "posted").order_by(Invoice.id)).all()
    taken: dict[int, int] = {}
    later: set[int] = set()
    for credited, total, dated in notes:
        invoice = by_id.get(credited)
        if invoice is None:
            continue
        if dated > day:
            later.add(invoice.id)
            continue
        so_far = taken.get(invoice.id, 0)
        taken[invoice.id] = so_far + min(int(total), max(int(invoice.total_amount) - so_far, 0))
    for invoice_id in taken.keys() - later:
        taken[invoice_id] = int(by_id[invoice_id].amount_credited or 0)
    return taken
