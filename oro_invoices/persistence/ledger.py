"""A customer's account as dated entries: what each posted invoice and credit note, and each
payment and refund of them, did to what the customer owes. Amounts are integer minor units,
positive when they raise what is owed.

- a posted **invoice**: its total, on its invoice date;
- a posted **credit note**: minus its total, on its date;
- a successful **payment** (a charge, or the capture of an authorization): minus its amount, on the
  day it was received (as an admin recorded it by hand) else the day it was recorded;
- a **refund**: its amount (money given back), on the day it was recorded, but only up to what was
  paid for its invoice: what a provider gave back beyond that (an over-refund,
  ``read_models.OVER_REFUND_KEY``) is no part of what the customer owes (the invoice's amount due
  leaves it out too). A **refunded beyond** entry right after the refund says how much (``beyond``),
  adding nothing. A payment on the invoice covers such an over-refund first, as its amount due
  counts it (``read_models.OVER_REFUND_COVERED_KEY``): the payment counts only the rest, and a
  **covered beyond** entry right after it says how much (``beyond``), adding nothing; but a
  payment received (recorded by hand) before the refund whose over-refund it covered, and
  recorded after it, has that entry on the refund's day, after the refund: the day the
  over-refund it covered was there;
- a **settlement** outside the add-on: what a posted invoice still owed when its payment status was
  set from outside (an ERP's "paid") to one that settles it (``SETTLING``), on the day it was
  set, or, set when the invoice was imported with it, on the invoice's date;
- money **given back** outside the add-on: what a credit note settled "outside" gave back of what
  the customer had paid, on the day it was written (its credit note's entry);
- **credit paid out**: the customer's credit given back outside the add-on
  (``persistence.customer_credit``), on the day it was; it names no invoice.

A payment recorded by hand in error and reversed moved no money: neither it nor its reversal is
an entry. In a ledger of a customer's whole account (of a customer, or of several: a corporate
user's) neither is credit applied to an invoice (a payment of the method ``customer_credit``)
or its reversal: the money came in as the payment or credit note that made the credit. A
customer's credit is so part of the balance (what the seller owes the customer), which is what
the customer's invoices still owe less their credit. Authorizations, their cancellations and
drafts are no entries either. But credit applied to an over-refunded invoice covers the
over-refund first, as a payment does: what it covered left the credit and paid nothing the
invoice owed, so it is a **credit applied** entry adding that (``beyond`` 0).

A ledger of one customer user's invoices (``InvoiceFilter.customer_user_id``: a storefront user
who sees only their own) does not see the customer's credit, which is the whole account's; its
balance is what those invoices still owe. So it has, besides, what moved between them and the
credit, each on the day the credit's ledger counts it (``persistence.aging_credit``):

- **credit kept**: what a payment of one of them brought over its amount due, or a credit note
  of one gave back, kept as the customer's credit (it raises what they owe: the money left
  them), on the payment's day or the credit note's date;
- **credit taken back**: a kept surplus taken out of the credit again by a refund of its
  payment, on the refund's day;
- **credit applied**: the customer's credit applied to one of them, on the day it was recorded;
  like a payment, less what it covered of an over-refund, said by a **covered beyond** entry
  right after it.

A payment reversed in error takes its surplus kept with it, and an application reversed in error
is none: neither is an entry.

The day of a moment (the day a payment was recorded, a status set) is its day in ``zone``, the
time zone of the invoices' organization and website (``ServiceContext.time_zone``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.money import to_minor
from oro_invoices.persistence.customer_credit import CREDIT_METHOD, CreditEntryRow, EntryKind
from oro_invoices.persistence.models import Activity, Invoice, PaymentState, PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter, apply_filter
from oro_invoices.persistence.read_models import (
    BY_HAND_PREFIX,
    OVER_REFUND_COVERED_KEY,
    OVER_REFUND_KEY,
    is_reversal,
    over_refund_covered_by,
    over_refund_of,
    transaction,
)

#: The kinds of entry.
INVOICE, CREDIT_NOTE, PAYMENT, REFUND, SETTLED = "invoice", "credit_note", "payment", "refund", "settled"
GIVEN_BACK, PAID_OUT = "given_back", "paid_out"
#: What a refund gave back beyond what was paid: said, in no balance.
REFUNDED_BEYOND = "refunded_beyond"
#: What a payment covered of what refunds gave back beyond what was paid: said, in no balance.
COVERED_BEYOND = "covered_beyond"
CREDIT_KEPT, CREDIT_TAKEN_BACK, CREDIT_APPLIED = "credit_kept", "credit_taken_back", "credit_applied"
_PAID = ("charge", "capture")
#: The payment statuses that, set from outside, say nothing more is owed.
SETTLING = frozenset({PaymentStatus.PAID_IN_FULL.value, PaymentStatus.VOIDED.value, PaymentStatus.CANCELED.value,
                      PaymentStatus.CREDITED.value})
#: A day's entries in this order (those naming a transaction all where its payments are: ``day_order``).
_ORDER = {INVOICE: 0, CREDIT_NOTE: 1, PAYMENT: 2, COVERED_BEYOND: 3, CREDIT_APPLIED: 4, CREDIT_KEPT: 5, SETTLED: 6,
          REFUND: 7, REFUNDED_BEYOND: 8, CREDIT_TAKEN_BACK: 9, GIVEN_BACK: 10, PAID_OUT: 11}


@dataclass(frozen=True)
class LedgerEntry:
    """One dated change of what a customer owes in ``currency``."""

    on: dt.date
    kind: str
    #: the invoice or credit note it is of (None: credit paid out)
    invoice_id: int | None
    number: str
    currency: str
    #: what it adds to what is owed (minor units; negative for a credit note or a payment; 0 for
    #: refunded beyond)
    amount: int
    #: a payment's method code, and the reference an admin gave it ("" for the others)
    method: str = ""
    reference: str = ""
    #: the transaction, for a payment or refund
    transaction_id: int | None = None
    #: the customer name its invoice carries
    customer_name: str = ""
    #: a settlement's payment status as set from outside
    status: str = ""
    #: refunded beyond: what its refund gave back beyond what was paid; covered beyond: what its
    #: payment covered of that (minor units)
    beyond: int = 0
    #: covered beyond: the kind of the entry it follows (credit applied), if not a payment
    follows: str = ""


def customer_entries(session: Session, *, organization_id: int, customer_id: int, until: dt.date,
                     currency: str | None = None, zone: dt.tzinfo) -> list[LedgerEntry]:
    """The entries of ``customer_id`` (of ``organization_id``; in ``currency``, else every one) dated
    up to ``until``, in date order (a day's invoices first, then its credit notes, then its
    payments and refunds in the order they were recorded: ``day_order``)."""
    return entries_within(session, InvoiceFilter(organization_id=organization_id, customer_id=customer_id,
                                                 currency=currency), until=until, zone=zone)


@dataclass(frozen=True)
class Ledger:
    """A period of an account: per currency what every entry before it adds up to (minor
    units), its entries, and the latest invoice dated up to its end (any day)."""

    opening: dict[str, int]
    entries: list[LedgerEntry]
    latest_invoice_id: int | None


def entries_within(session: Session, within: InvoiceFilter, *, until: dt.date,
                   zone: dt.tzinfo) -> list[LedgerEntry]:
    """The entries of the posted invoices and credit notes ``within`` selects (its organization,
    customers, customer user, websites, currency; what concerns payment status, overdue and
    dates is not read), and of their payments and refunds, dated up to ``until``, in date order."""
    return ledger_within(session, within, since=None, until=until, zone=zone).entries


def ledger_within(session: Session, within: InvoiceFilter, *, since: dt.date | None, until: dt.date,
                  zone: dt.tzinfo) -> Ledger:
    """``entries_within`` from ``since`` (None: from the first) to ``until``, with what the entries
    before ``since`` add up to per currency: the invoices' and credit notes' from the rows read
    for the period, the payments' and refunds' summed by the database (only the period's are
    read: a short period of a long account costs what its own entries do)."""
    shape = replace(within, status="posted", payment_status=None, overdue=None, today=None, date_from=None,
                    date_to=None)
    documents = apply_filter(select(Invoice.id, Invoice.invoice_number, Invoice.document_type, Invoice.invoice_date,
                                    Invoice.total_amount, Invoice.currency, Invoice.customer_name,
                                    PaymentState.forced, PaymentState.payment_status, PaymentState.amount_paid,
                                    PaymentState.amount_credited)
                             .outerjoin(PaymentState, PaymentState.invoice_id == Invoice.id), shape)
    found: dict[int, tuple[str, str, str]] = {}
    entries: list[LedgerEntry] = []
    settled: dict[int, LedgerEntry] = {}
    opening: dict[str, int] = {}
    latest: tuple[dt.date, int] | None = None
    for (invoice_id, number, document_type, invoice_date, total, code, name, forced, status, paid,
         credited) in session.execute(documents):
        found[invoice_id] = (number or f"#{invoice_id}", code, name or "")
        credit = document_type == "credit_note"
        if invoice_date is not None and invoice_date <= until:
            entry = LedgerEntry(invoice_date, CREDIT_NOTE if credit else INVOICE, invoice_id, found[invoice_id][0],
                                code, -int(total) if credit else int(total), customer_name=name or "")
            _take(entry, since, entries, opening)
            if not credit and (latest is None or (invoice_date, invoice_id) > latest):
                latest = (invoice_date, invoice_id)
        left = int(total) - int(paid or 0) - int(credited or 0)
        if forced and not credit and status in SETTLING and left > 0 and invoice_date is not None:
            settled[invoice_id] = LedgerEntry(invoice_date, SETTLED, invoice_id, found[invoice_id][0], code, -left,
                                              customer_name=name or "", status=status)
    whole = within.customer_user_id is None
    if found:
        entries.extend(e for e in _money(session, found, until, since=since, zone=zone, credit=whole)
                       if since is None or e.on >= since)
        if since is not None:
            for code, amount in _money_before(session, shape, since, zone, credit=whole).items():
                opening[code] = opening.get(code, 0) + amount
    for entry in _settled_on(session, settled, zone).values():
        if entry.on <= until:
            _take(entry, since, entries, opening)
    given_back = _given_back(session, found, zone) if found else []
    customers = within.customer_ids if within.customer_ids is not None else \
        [within.customer_id] if within.customer_id is not None else None
    if within.customer_user_id is not None:
        given_back += _credit_moves(session, found, zone) if found else []
    elif within.organization_id is not None and customers:
        given_back += _paid_out(session, within.organization_id, customers, within.currency, zone)
    for entry in given_back:
        if entry.on <= until:
            _take(entry, since, entries, opening)
    return Ledger(opening, sorted(entries, key=day_order), latest[1] if latest else None)


def day_order(entry: LedgerEntry) -> tuple[dt.date, int, int, str, int, int]:
    """Where ``entry`` goes among its day's entries (``_ORDER``): its invoices and credit notes
    first, by number; then its payments, refunds and credit applied in the order they were
    recorded (by transaction), as each one's figures were noted from those before it: a payment
    that covered an over-refund after the refund that made it. A surplus kept from a payment (or
    what it covered of an over-refund) goes right after that payment (what it covered, on a later
    day than the payment, after the refund of that day it covered), and one taken back (or what
    was refunded beyond what was paid) right after the refund that took it (they name its
    transaction), so that no running balance between them shows an amount never owed; then what
    names no transaction, by kind and number."""
    if entry.transaction_id is not None:
        follower = entry.kind in (CREDIT_KEPT, CREDIT_TAKEN_BACK, REFUNDED_BEYOND, COVERED_BEYOND)
        return entry.on, _ORDER[PAYMENT], entry.transaction_id, "", int(follower), _ORDER[entry.kind]
    return entry.on, _ORDER[entry.kind], 0, entry.number, 0, 0


def _take(entry: LedgerEntry, since: dt.date | None, entries: list[LedgerEntry], opening: dict[str, int]) -> None:
    """``entry`` among the period's ``entries``, or added to the ``opening`` of its currency."""
    if since is not None and entry.on < since:
        opening[entry.currency] = opening.get(entry.currency, 0) + entry.amount
    else:
        entries.append(entry)


def customers_with_invoices(session: Session, *, organization_id: int | None, until: dt.date) -> list[tuple[int, int]]:
    """``(organization id, customer id)`` of every customer with a posted invoice or credit note
    dated up to ``until`` (of ``organization_id``; None: of every organization), in that order."""
    stmt = select(Invoice.organization_id, Invoice.customer_id).where(
        Invoice.status == "posted", Invoice.customer_id.is_not(None), Invoice.invoice_date <= until).distinct()
    if organization_id is not None:
        stmt = stmt.where(Invoice.organization_id == organization_id)
    return sorted((org, customer) for org, customer in session.execute(stmt) if customer is not None)


def _given_back(session: Session, documents: dict[int, tuple[str, str, str]], zone: dt.tzinfo) -> list[LedgerEntry]:
    """What credit notes of ``documents``' invoices settled "outside" gave back (their credited
    invoice's activity says how much), each on the day it was written, as its credit note's."""
    entries = []
    ids = list(documents)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Activity.invoice_id, Activity.data, Activity.created_at).where(
            Activity.invoice_id.in_(ids[start:start + 500]), Activity.kind == "credit_note")).all()
        for invoice_id, data, created_at in rows:
            if not isinstance(data, dict) or data.get("settlement") != "outside":
                continue
            _number, code, name = documents[invoice_id]
            amount = to_minor(Decimal(str(data.get("refund_amount") or 0)), code)
            note_id = data.get("credit_note_id")
            if amount > 0 and isinstance(note_id, int):
                entries.append(LedgerEntry(day_in(created_at, zone=zone), GIVEN_BACK, note_id,
                                           str(data.get("credit_note_number") or f"#{note_id}"), code, amount,
                                           customer_name=name))
    return entries


def _paid_out(session: Session, organization_id: int, customer_ids: Iterable[int],
              currency: str | None, zone: dt.tzinfo) -> list[LedgerEntry]:
    """The customers' credit given back outside the add-on, each on the day it was."""
    stmt = select(CreditEntryRow).where(CreditEntryRow.organization_id == organization_id,
                                        CreditEntryRow.customer_id.in_(sorted(set(customer_ids))),
                                        CreditEntryRow.kind == EntryKind.PAID_OUT.value)
    if currency is not None:
        stmt = stmt.where(CreditEntryRow.currency == currency)
    return [LedgerEntry(day_in(row.created_at, zone=zone), PAID_OUT, None, "", row.currency, -row.amount,
                        reference=row.reference) for row in session.execute(stmt).scalars()]


#: The credit ledger's entries a view of some of a customer's invoices shows, as its own kinds.
_MOVES = {EntryKind.SURPLUS.value: CREDIT_KEPT, EntryKind.CREDIT_NOTE.value: CREDIT_KEPT,
          EntryKind.SURPLUS_REVERSED.value: CREDIT_TAKEN_BACK}


def _credit_moves(session: Session, documents: dict[int, tuple[str, str, str]], zone: dt.tzinfo) -> list[LedgerEntry]:
    """What moved between ``documents`` and their customer's credit (any day): the credit kept
    from them or taken back (the credit ledger's entries naming them, but those of a payment
    reversed in error and of its reversal), and the credit applied to them (the applications
    that were not reversed in error)."""
    rows: list[CreditEntryRow] = []
    applications: list[PaymentTransaction] = []
    ids = list(documents)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows.extend(session.execute(select(CreditEntryRow).where(
            CreditEntryRow.invoice_id.in_(chunk), CreditEntryRow.kind.in_(list(_MOVES)))).scalars())
        applications.extend(session.execute(select(PaymentTransaction).where(
            PaymentTransaction.invoice_id.in_(chunk), PaymentTransaction.method == CREDIT_METHOD,
            PaymentTransaction.successful.is_(True), PaymentTransaction.action.in_(("charge", "refund")))).scalars())
    entries = []
    for row, on in counted(applications, zone=zone):
        if row.action == "charge":
            number, code, name = documents[row.invoice_id]
            covered = over_refund_covered_by(row.action, True, row.data, code)
            entries.append(LedgerEntry(on, CREDIT_APPLIED, row.invoice_id, number, code, -(int(row.amount) - covered),
                                       transaction_id=row.id, customer_name=name))
            if covered:
                entries.append(LedgerEntry(on, COVERED_BEYOND, row.invoice_id, number, code, 0,
                                           transaction_id=row.id, customer_name=name, beyond=covered,
                                           follows=CREDIT_APPLIED))
    payments = {tx.id: tx for tx in session.execute(select(PaymentTransaction).where(PaymentTransaction.id.in_(
        sorted({row.transaction_id for row in rows if row.transaction_id is not None})))).scalars()} if rows else {}
    undone = {tx.parent_id for tx in payments.values() if tx.action == "refund" and is_reversal(tx.data)}
    undone |= set(_reversed(session, [i for i in payments if i not in undone]))
    note_ids = sorted({row.credit_note_id for row in rows if row.credit_note_id is not None})
    notes: dict[int, dt.date | None] = dict(session.execute(
        select(Invoice.id, Invoice.invoice_date).where(Invoice.id.in_(note_ids))).all()) if note_ids else {}
    for entry in rows:
        tx = payments.get(entry.transaction_id) if entry.transaction_id is not None else None
        if tx is not None and (tx.id in undone or (tx.action == "refund" and is_reversal(tx.data))):
            continue
        dated = notes.get(entry.credit_note_id) if entry.credit_note_id is not None else None
        if dated is not None:
            on = dated
        else:
            on = counts_on(tx, zone=zone) if tx is not None else day_in(entry.created_at, zone=zone)
        assert entry.invoice_id is not None                 # read by the invoices it names
        _number, code, name = documents[entry.invoice_id]
        # a credit note's money: the credit note, where the view shows it (it names the invoice's user)
        shown = entry.credit_note_id if entry.credit_note_id in documents else entry.invoice_id
        assert shown is not None
        entries.append(LedgerEntry(on, _MOVES[entry.kind], shown, documents[shown][0], code, int(entry.amount),
                                   transaction_id=entry.transaction_id, customer_name=name))
    return entries


def _reversed(session: Session, payment_ids: list[int]) -> list[int]:
    """Those of ``payment_ids`` a successful reversal undid."""
    if not payment_ids:
        return []
    return [parent for parent, data in session.execute(select(PaymentTransaction.parent_id, PaymentTransaction.data)
                                                       .where(PaymentTransaction.parent_id.in_(payment_ids),
                                                              PaymentTransaction.action == "refund",
                                                              PaymentTransaction.successful.is_(True)))
            if parent is not None and is_reversal(data)]


def _money(session: Session, documents: dict[int, tuple[str, str, str]], until: dt.date, *,
           since: dt.date | None = None, zone: dt.tzinfo, credit: bool = False) -> list[LedgerEntry]:
    """The payments and refunds of ``documents`` (id → number, currency, customer name) up to
    ``until``, a refund beyond what was paid followed by what it refunded beyond, a payment that
    covered such an over-refund by what it covered; with ``credit`` (a whole account), credit
    applied that covered an over-refund by what it covered (it came out of the credit, which is
    in the balance, and paid nothing the invoice owed); from ``since``,
    only those recorded since then are read (each counts on a day no later than it was recorded)."""
    rows: list[PaymentTransaction] = []
    ids = list(documents)
    for start in range(0, len(ids), 500):
        stmt = select(PaymentTransaction).where(
            PaymentTransaction.invoice_id.in_(ids[start:start + 500]), PaymentTransaction.successful.is_(True),
            PaymentTransaction.action.in_((*_PAID, "refund")))
        if not credit:
            stmt = stmt.where(PaymentTransaction.method != CREDIT_METHOD)
        if since is not None:
            stmt = stmt.where(PaymentTransaction.created_at >= midnight(since, zone=zone))
        rows.extend(session.execute(stmt).scalars())
    entries = []
    kept = list(counted(rows, zone=zone))
    over_on = _over_refunded_on(kept, documents)
    for row, on in kept:
        if on > until:
            continue
        view = transaction(row)
        number, code, name = documents[row.invoice_id]
        paid = row.action in _PAID
        beyond = (over_refund_covered_by if paid else over_refund_of)(row.action, bool(row.successful), row.data,
                                                                      code)
        if row.method == CREDIT_METHOD:      # read only for what an application covered
            if paid and beyond:
                entries.append(LedgerEntry(on, CREDIT_APPLIED, row.invoice_id, number, code, beyond,
                                           transaction_id=row.id, customer_name=name))
            continue
        entries.append(LedgerEntry(on, PAYMENT if paid else REFUND, row.invoice_id, number, code,
                                   -(int(row.amount) - beyond) if paid else int(row.amount) - beyond,
                                   method=row.method, reference=view.reference, transaction_id=row.id,
                                   customer_name=name))
        # what a payment covered counts once the over-refund was there: received before the
        # refund that made it (recorded after), on that refund's day
        said = max(on, over_on.get(row.id, on)) if paid else on
        if beyond and said <= until:
            entries.append(LedgerEntry(said, COVERED_BEYOND if paid else REFUNDED_BEYOND, row.invoice_id, number,
                                       code, 0, reference=view.reference, transaction_id=row.id, customer_name=name,
                                       beyond=beyond))
    return entries


def _over_refunded_on(rows: list[tuple[PaymentTransaction, dt.date]],
                      documents: dict[int, tuple[str, str, str]]) -> dict[int, dt.date]:
    """By payment id, for each payment among ``rows`` (with the day each counts on) that covered an
    over-refund: the latest day a refund of its invoice recorded before it (a smaller id) that gave
    back beyond what was paid counts on, by which the over-refund it covered was there. A refund
    not among ``rows`` (recorded before a period read from its first day) counts before that day,
    so it could change the day only of an entry before the period."""
    latest: dict[int, dt.date] = {}
    days: dict[int, dt.date] = {}
    for row, on in sorted(rows, key=lambda found: found[0].id):
        code = documents[row.invoice_id][1]
        if over_refund_of(row.action, bool(row.successful), row.data, code):
            latest[row.invoice_id] = max(on, latest.get(row.invoice_id, on))
        elif row.invoice_id in latest and over_refund_covered_by(row.action, bool(row.successful), row.data, code):
            days[row.id] = latest[row.invoice_id]
    return days


def _money_before(session: Session, shape: InvoiceFilter, since: dt.date, zone: dt.tzinfo, *,
                  credit: bool = False) -> dict[str, int]:
    """What the payments and refunds of the invoices ``shape`` selects that count before ``since``
    add up to, per currency, summed by the database by ``counted``'s rules: the day received of
    a payment recorded by hand, else the day recorded; a payment reversed in error and its
    reversal not at all; a refund only up to what was paid, a payment less what it covered of an
    over-refund (both in their data, read apart: the few that have one), and with ``credit`` (a
    whole account) credit applied by what it covered of an over-refund."""
    tx, undoing = PaymentTransaction, aliased(PaymentTransaction)
    reverses = tx.data["reverses"].as_integer()
    reversed_later = exists().where(      # a reversal is its payment's invoice's: found by that invoice
        undoing.invoice_id == tx.invoice_id, undoing.parent_id == tx.id, undoing.action == "refund",
        undoing.successful.is_(True), undoing.data["reverses"].as_integer().is_not(None))
    signed = case((tx.action.in_(_PAID), -tx.amount), else_=tx.amount)
    stmt = apply_filter(
        select(Invoice.currency, func.sum(signed)).select_from(Invoice).join(tx, tx.invoice_id == Invoice.id)
        .where(tx.successful.is_(True), tx.action.in_((*_PAID, "refund")), tx.method != CREDIT_METHOD,
               or_(tx.action != "refund", reverses.is_(None)), ~reversed_later, counts_before(tx, since, zone=zone))
        .group_by(Invoice.currency), shape)
    found = {code: int(amount) for code, amount in session.execute(stmt) if amount}
    over = apply_filter(
        select(Invoice.currency, tx.action, tx.data).select_from(Invoice).join(tx, tx.invoice_id == Invoice.id)
        .where(tx.successful.is_(True), counts_before(tx, since, zone=zone),
               or_(and_(tx.action == "refund", tx.method != CREDIT_METHOD, reverses.is_(None),
                        tx.data[OVER_REFUND_KEY].as_string().is_not(None)),
                   and_(tx.action.in_(_PAID), ~reversed_later, tx.method != CREDIT_METHOD if not credit else true(),
                        tx.data[OVER_REFUND_COVERED_KEY].as_string().is_not(None)))), shape)
    for code, action, data in session.execute(over):
        found[code] = (found.get(code, 0) - over_refund_of(action, True, data, code)
                       + over_refund_covered_by(action, True, data, code))
    return {code: amount for code, amount in found.items() if amount}


def counts_before(tx: type[PaymentTransaction] | Any, since: dt.date, *, zone: dt.tzinfo) -> ColumnElement[bool]:
    """Whether the transaction ``tx`` (the table or an alias of it) counts on a day before
    ``since``, by ``counted``'s day: the day received of a payment recorded by hand, else the
    day it was recorded in ``zone``."""
    received = tx.data["received_on"].as_string()
    by_hand = tx.provider_reference.startswith(BY_HAND_PREFIX, autoescape=True)
    return case((and_(by_hand, received.is_not(None)), received < since.isoformat()),
                else_=tx.created_at < midnight(since, zone=zone))


def midnight(day: dt.date, *, zone: dt.tzinfo) -> dt.datetime:
    """The first moment of ``day`` in ``zone``, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def _settled_on(session: Session, settled: dict[int, LedgerEntry], zone: dt.tzinfo) -> dict[int, LedgerEntry]:
    """``settled`` (by invoice id) each on the day its status was set from outside (``set_on``),
    else on its invoice's date (set when it was imported)."""
    days = set_on(session, {invoice_id: entry.status for invoice_id, entry in settled.items()}, zone=zone)
    return {invoice_id: replace(entry, on=days[invoice_id]) if invoice_id in days else entry
            for invoice_id, entry in settled.items()}


def set_on(session: Session, statuses: dict[int, str], *, zone: dt.tzinfo) -> dict[int, dt.date]:
    """The day (in ``zone``) each invoice's payment status was last set from outside to the one ``statuses``
    gives (by invoice id), as its activity says; an invoice imported with it has none."""
    days: dict[int, dt.date] = {}
    ids = list(statuses)
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Activity.invoice_id, Activity.data, Activity.created_at).where(
            Activity.invoice_id.in_(ids[start:start + 500]), Activity.kind == "payment_status")
            .order_by(Activity.id)).all()
        for invoice_id, data, created_at in rows:
            if isinstance(data, dict) and data.get("forced") is True and data.get("new") == statuses[invoice_id]:
                days[invoice_id] = day_in(created_at, zone=zone)                  # the last one wins
    return days


def counted(rows: Iterable[PaymentTransaction], *,
            zone: dt.tzinfo) -> Iterator[tuple[PaymentTransaction, dt.date]]:
    """Each of ``rows`` that moved money or may (all but a payment reversed in error and its
    reversal, which must both be among ``rows``), with the day it counts on: the day received,
    as an admin recorded it by hand, else the day it was recorded in ``zone``."""
    rows = list(rows)
    reversed_ids = {row.parent_id for row in rows if row.action == "refund" and is_reversal(row.data)}
    for row in rows:
        if row.id in reversed_ids or (row.action == "refund" and is_reversal(row.data)):
            continue
        yield row, counts_on(row, zone=zone)


def counts_on(row: PaymentTransaction, *, zone: dt.tzinfo) -> dt.date:
    """The day the transaction ``row`` counts on: the day received, as an admin recorded it by
    hand, else the day it was recorded in ``zone`` (``counts_before`` is the same rule in SQL)."""
    return transaction(row).received_on or day_in(row.created_at, zone=zone)


def day_in(moment: dt.datetime, *, zone: dt.tzinfo) -> dt.date:
    """The day a stored time is in ``zone`` (SQLite gives it back without its zone: UTC)."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)).astimezone(zone).date()
