"""A customer's credit with the seller as values: its balance in a currency and one change of it
(``services.customer_credit`` keeps them; the ``customer_credit_changed`` hook announces a change)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CreditBalance:
    """What a customer has to spend in one currency."""

    currency: str
    amount: Decimal


@dataclass(frozen=True)
class CreditEntry:
    """One change of a customer's credit; ``amount`` is negative when credit went out."""

    id: int
    organization_id: int
    customer_id: int
    currency: str
    kind: str
    amount: Decimal
    balance_after: Decimal
    invoice_id: int | None
    invoice_number: str | None
    credit_note_id: int | None
    credit_note_number: str | None
    transaction_id: int | None
    reference: str
    notes: str
    actor: str
    created_at: dt.datetime
    #: Of a surplus taken back (``surplus_reversed``): whether a refund of its payment took it
    #: (else the reversal of a payment recorded in error did), and that refund's reference at its
    #: provider ("" without one).
    by_refund: bool = False
    refund_reference: str = ""
