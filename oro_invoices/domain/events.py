"""Outgoing events: what the add-on tells other systems, as frozen values with one JSON form.

``PaymentStatusUpdated`` is the ``invoice.payment_status_updated`` event: an invoice's payment
status or amount due changed. ``CustomerCreditUpdated`` is the ``customer.credit_updated`` event:
a customer's credit with the seller changed. Their JSON form (``as_json``, ``body``) is what
webhook endpoints receive; amounts are decimal strings, never floats (see docs/events.md).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from oro_invoices.domain.invoice import PaymentStatus

PAYMENT_STATUS_UPDATED = "invoice.payment_status_updated"
CUSTOMER_CREDIT_UPDATED = "customer.credit_updated"


def _status(status: PaymentStatus) -> dict[str, str]:
    return {"value": status.value, "label": status.label}


def _check_aware(occurred_at: dt.datetime) -> None:
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")


def _envelope(event_id: str, event_type: str, occurred_at: dt.datetime, data: dict[str, Any]) -> dict[str, Any]:
    """What every event's JSON object is made of: its id, type, time (ISO 8601 UTC) and data."""
    return {"id": event_id, "type": event_type, "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(),
            "data": data}


def _compact(event: dict[str, Any]) -> str:
    """An event's JSON text: compact, ASCII only, keys in the order given."""
    return json.dumps(event, separators=(",", ":"))


@dataclass(frozen=True)
class PaymentStatusUpdated:
    """An invoice's payment status (recalculated from its transactions, its credit notes, or
    forced) or its amounts (paid, due) changed; ``status`` equals ``previous_status`` when only
    the amounts did.

    :param id: the event's id: the same on every delivery, so receivers can drop repeats.
    :param occurred_at: when the change was committed (timezone-aware, UTC).
    :param invoice_id: the invoice's id.
    :param invoice_number: its number; None while it is a draft.
    :param organization_id: the organization that issued it.
    :param status: the payment status now.
    :param previous_status: the payment status before the change.
    :param amount_paid: what has been paid, net of refunds, in ``currency``.
    :param amount_due: what is still to pay (never below zero), in ``currency``.
    :param currency: ISO 4217 code of the amounts.
    :param overdue: whether the invoice is overdue now (``domain.overdue``, judged on the UTC
        date of ``occurred_at``).
    :param days_overdue: days past its due date then; 0 when not overdue.
    """

    type: ClassVar[str] = PAYMENT_STATUS_UPDATED

    id: str
    occurred_at: dt.datetime
    invoice_id: int
    invoice_number: str | None
    organization_id: int
    status: PaymentStatus
    previous_status: PaymentStatus
    amount_paid: Decimal
    amount_due: Decimal
    currency: str
    overdue: bool = False
    days_overdue: int = 0

    def __post_init__(self) -> None:
        _check_aware(self.occurred_at)

    def as_json(self) -> dict[str, Any]:
        """The event as its JSON object (amounts as decimal strings, the time in ISO 8601 UTC)."""
        return _envelope(self.id, self.type, self.occurred_at, {
            "invoice_id": self.invoice_id,
            "invoice_number": self.invoice_number,
            "organization_id": self.organization_id,
            "status": _status(self.status),
            "previous_status": _status(self.previous_status),
            "amount_paid": format(self.amount_paid, "f"),
            "amount_due": format(self.amount_due, "f"),
            "currency": self.currency,
            "overdue": self.overdue,
            "days_overdue": self.days_overdue,
        })

    def body(self) -> str:
        """The JSON text endpoints receive: compact, ASCII only, keys in a fixed order."""
        return _compact(self.as_json())


@dataclass(frozen=True)
class CustomerCreditUpdated:
    """A customer's credit with the seller changed: one entry of its ledger
    (``persistence.customer_credit``), published once it is committed.

    :param id: the event's id: the same on every delivery, so receivers can drop repeats.
    :param occurred_at: when the change was committed (timezone-aware, UTC).
    :param entry_id: the ledger entry's id (increasing: a later entry has a larger id).
    :param organization_id: the organization the customer has the credit with.
    :param customer_id: the customer.
    :param currency: ISO 4217 code of the credit and the amounts.
    :param kind: why it changed: ``credit_note``, ``surplus``, ``applied``, ``returned``,
        ``surplus_reversed`` or ``paid_out``.
    :param change: what came in (positive) or went out (negative), in ``currency``.
    :param balance: the credit after the change (never below zero).
    :param invoice_id: the invoice the credit came from or was applied to; None when none
        (credit given back outside the add-on).
    :param invoice_number: its number; None without one.
    :param credit_note_id: the credit note that kept the credit; None when none.
    :param credit_note_number: its number; None without one.
    :param reference: what the admin typed for credit given back (a transfer's reference); "" else.
    """

    type: ClassVar[str] = CUSTOMER_CREDIT_UPDATED

    id: str
    occurred_at: dt.datetime
    entry_id: int
    organization_id: int
    customer_id: int
    currency: str
    kind: str
    change: Decimal
    balance: Decimal
    invoice_id: int | None
    invoice_number: str | None
    credit_note_id: int | None
    credit_note_number: str | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        _check_aware(self.occurred_at)

    def as_json(self) -> dict[str, Any]:
        """The event as its JSON object (amounts as decimal strings, the time in ISO 8601 UTC)."""
        return _envelope(self.id, self.type, self.occurred_at, {
            "entry_id": self.entry_id,
            "organization_id": self.organization_id,
            "customer_id": self.customer_id,
            "currency": self.currency,
            "kind": self.kind,
            "change": format(self.change, "f"),
            "balance": format(self.balance, "f"),
            "invoice_id": self.invoice_id,
            "invoice_number": self.invoice_number,
            "credit_note_id": self.credit_note_id,
            "credit_note_number": self.credit_note_number,
            "reference": self.reference,
        })

    def body(self) -> str:
        """The JSON text endpoints receive: compact, ASCII only, keys in a fixed order."""
        return _compact(self.as_json())
