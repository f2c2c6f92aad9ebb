"""Money moved through a payment method: noted on the session that records it, and read back
for the customer's receipt (``services.mail.receipts``).

A provider's event that records a successful payment, capture or refund notes its transaction
on the session (``note_received``); just before that session commits, ``take_received`` hands
the notes over, so a receipt is made only for what is committed with it. Payments recorded as
the shares of one payment received for several invoices are noted together
(``note_received_together``, ``take_received_together``): their customer gets one receipt.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.money import from_minor
from oro_invoices.persistence.models import Invoice, PaymentAttempt, PaymentTransaction
from oro_invoices.persistence.read_models import CREDIT_METHOD, is_reversal, transaction

_KEY = "oro_invoices.received_payments"
_TOGETHER_KEY = "oro_invoices.received_payments_together"
#: The actions by which money reaches the seller: a payment, or the capture of an authorization.
RECEIVING_ACTIONS = ("charge", "capture")
#: The actions a customer gets a receipt of: money received, or given back.
RECEIPTED_ACTIONS = (*RECEIVING_ACTIONS, "refund")


@dataclass(frozen=True)
class ReceivedPayment:
    """One payment (or refund) as a receipt shows it: the ``payment`` of ``payment_receipt_template``
    (and the ``refund`` of ``refund_receipt_template``)."""

    transaction_id: int
    invoice_id: int
    amount: Decimal
    currency: str
    #: the payment method's name (``stripe``); ``method`` is what people read
    method_code: str
    method: str
    #: when it was recorded (UTC); of a payment recorded by hand, noon of the day received in its
    #: organization's books' zone, or when it was recorded where that is earlier (never a time
    #: still to come)
    received_at: dt.datetime
    #: who paid, when a signed-in customer user started the payment in the storefront: what
    #: the payment was started under (their email address), else ""
    payer: str = ""
    #: "charge", "capture" or "refund"
    action: str = "charge"
    #: what of a payment was over the amount due and kept as the customer's credit, if anything
    surplus: Decimal | None = None
    #: of a refund the provider made beyond what was paid for the invoice: by how much, else None
    over_refunded: Decimal | None = None
    #: of a payment made while refunds had given back more than was paid: what of it covered that
    over_refund_covered: Decimal | None = None
    #: of a payment recorded by hand, the day it was received as recorded (a day of its
    #: organization's books), else None
    received_on: dt.date | None = None

    @property
    def date(self) -> dt.date:
        """The payment's date as receipts write it (``payment.date|date``): of one recorded by
        hand, the day received, written as it is whatever the receipt's zone; else the moment it
        was recorded, written as its day in the receipt's zone."""
        return self.received_on or self.received_at

    @property
    def is_refund(self) -> bool:
        return self.action == "refund"


def receipt_number(invoice_number: str, transaction_id: int) -> str:
    """The number of a payment's receipt: the invoice's number and the transaction's id (``INV-7-R12``)."""
    return f"{invoice_number}-R{transaction_id}"


def note_received(session: Session, transaction_id: int) -> None:
    """Note that ``session`` records the received payment ``transaction_id``."""
    session.info.setdefault(_KEY, []).append(transaction_id)


def take_received(session: Session) -> list[int]:
    """The received payments noted on ``session`` that it will commit; forgets the notes."""
    noted: list[int] = session.info.pop(_KEY, [])
    if not noted:
        return []
    session.flush()
    kept = set(session.execute(select(PaymentTransaction.id).where(PaymentTransaction.id.in_(noted))).scalars())
    return [tx_id for tx_id in dict.fromkeys(noted) if tx_id in kept]


def note_received_together(session: Session, transaction_ids: list[int]) -> None:
    """Note that the received payments ``transaction_ids`` (committed already) are the shares of
    one payment, to be receipted together once ``session`` commits."""
    session.info.setdefault(_TOGETHER_KEY, []).append(list(dict.fromkeys(transaction_ids)))


def take_received_together(session: Session) -> list[list[int]]:
    """The groups noted with ``note_received_together`` on ``session``; forgets the notes."""
    groups: list[list[int]] = session.info.pop(_TOGETHER_KEY, [])
    return [group for group in groups if group]


LabelOf = Callable[[str], str]
#: The time zone of an invoice's books, its organization's (``ServiceContext.books_zone``): the
#: day a payment recorded by hand was received is that day there.
ZoneOf = Callable[[Invoice], dt.tzinfo]


def received_payment(session: Session, transaction_id: int, label_of: LabelOf = str, *,
                     zone_of: ZoneOf) -> ReceivedPayment | None:
    """The successful payment, capture or refund ``transaction_id``, or None (``label_of``: a
    method's name as people read it; ``zone_of``: its invoice's books' time zone)."""
    tx = session.get(PaymentTransaction, transaction_id)
    if tx is None or not tx.successful or tx.action not in RECEIPTED_ACTIONS or tx.method == CREDIT_METHOD \
            or _undone(session, tx):    # credit applied moved no money: no receipt
        return None
    return _view(session, tx, label_of, zone_of, _payer(session, tx))


def _undone(session: Session, tx: PaymentTransaction) -> bool:
    """A reversal of a payment recorded in error, or a payment reversed so: no money moved."""
    if tx.action == "refund":
        return is_reversal(tx.data)
    return tx.action == "charge" and any(is_reversal(data) for data in session.execute(
        select(PaymentTransaction.data).where(PaymentTransaction.parent_id == tx.id,
                                              PaymentTransaction.action == "refund")).scalars())


def latest_received(session: Session, invoice_id: int, label_of: LabelOf = str, *, zone_of: ZoneOf,
                    refund: bool = False) -> ReceivedPayment | None:
    """The invoice's latest successful payment or capture (with ``refund``: refund), or None; a payment
    recorded in error and reversed, and its reversal, moved no money and are left out
    (``zone_of``: the invoice's books' time zone)."""
    actions = ("refund",) if refund else RECEIVING_ACTIONS
    rows = session.execute(select(PaymentTransaction).where(
        PaymentTransaction.invoice_id == invoice_id, PaymentTransaction.successful.is_(True),
        PaymentTransaction.action.in_(actions))
        .order_by(PaymentTransaction.created_at.desc(), PaymentTransaction.id.desc())).scalars()
    tx = next((row for row in rows if not _undone(session, row)), None)   # few per invoice
    if tx is None:
        return None
    return _view(session, tx, label_of, zone_of)


def received_kinds(session: Session, invoice_id: int) -> tuple[bool, bool]:
    """Whether the invoice has a payment received, and a refund, as ``latest_received`` finds
    them (one reversed in error, and its reversal, left out), read in one statement."""
    rows = session.execute(select(PaymentTransaction.id, PaymentTransaction.action, PaymentTransaction.successful,
                                  PaymentTransaction.parent_id, PaymentTransaction.data).where(
        PaymentTransaction.invoice_id == invoice_id, PaymentTransaction.action.in_(RECEIPTED_ACTIONS))).all()
    reversed_ = {row.parent_id for row in rows if row.action == "refund" and is_reversal(row.data)}
    kept = [row for row in rows if row.successful and not (row.action == "refund" and is_reversal(row.data))
            and not (row.action == "charge" and row.id in reversed_)]
    return (any(row.action in RECEIVING_ACTIONS for row in kept), any(row.action == "refund" for row in kept))


def _payer(session: Session, tx: PaymentTransaction) -> str:
    """Who started the payment in the storefront: of a capture, the payment it captures; of a
    refund, the payment it gives back (and, for a captured one, its authorization's)."""
    started: PaymentTransaction | None = tx
    for _ in range(2):
        if started is None or started.action not in ("capture", "refund") or not started.parent_id:
            break
        started = session.get(PaymentTransaction, started.parent_id)
    public_id = ((started.data if started is not None else None) or {}).get("attempt")
    if not public_id:
        return ""
    attempt = session.execute(select(PaymentAttempt).where(PaymentAttempt.public_id == str(public_id))) \
        .scalar_one_or_none()
    return attempt.actor if attempt is not None and attempt.origin == "storefront" else ""


def _view(session: Session, tx: PaymentTransaction, label_of: LabelOf, zone_of: ZoneOf,
          payer: str = "") -> ReceivedPayment:
    view = transaction(tx)
    return ReceivedPayment(transaction_id=tx.id, invoice_id=tx.invoice_id, amount=from_minor(tx.amount, tx.currency),
                           currency=tx.currency, method_code=tx.method, method=label_of(tx.method) or tx.method,
                           received_at=_received_at(session, tx, zone_of), payer=payer, action=tx.action,
                           surplus=view.surplus, over_refunded=view.over_refunded,
                           over_refund_covered=view.over_refund_covered, received_on=view.received_on)


def _received_at(session: Session, tx: PaymentTransaction, zone_of: ZoneOf) -> dt.datetime:
    """When the money arrived (UTC): the day an admin says a payment recorded by hand was
    received, at noon in its books' zone (the zone that day is a day of: ``InvoiceService.books_today``
    bounds it), but never later than it was recorded (received today before noon: when it was
    recorded); else when it was recorded."""
    recorded = _utc(tx.created_at)
    received_on = transaction(tx).received_on
    if received_on is None:
        return recorded
    invoice = session.get(Invoice, tx.invoice_id)
    zone = zone_of(invoice) if invoice is not None else dt.UTC
    return min(dt.datetime.combine(received_on, dt.time(12), tzinfo=zone).astimezone(dt.UTC), recorded)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
