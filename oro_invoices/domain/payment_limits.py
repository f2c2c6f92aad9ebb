"""How much a payment transaction may move: what remains for its action, never more.

Amounts are minor units; ``summary`` sums the invoice's transactions so far.

- charge, invoice: at most the amount due;
- authorize: at most the amount due that is not authorized yet;
- capture: at most what is authorized and neither captured nor canceled (and due);
- refund: at most what was paid and not refunded;
- cancel: at most what is authorized and neither captured nor canceled.

A failed transaction moves no money, but its amount is still at most the invoice's total.
"""
from __future__ import annotations

from decimal import Decimal

from oro_invoices.domain.messages import N_, Amount, Message
from oro_invoices.domain.money import from_minor
from oro_invoices.domain.statuses import PaymentSummary


def open_authorization(summary: PaymentSummary) -> int:
    """What is authorized and neither captured nor canceled. A charge or a payment recorded by
    hand is money of its own and settles no authorization (``statuses.PaymentSummary``)."""
    return summary.open_authorized


def remaining(action: str, total: int, summary: PaymentSummary) -> int:
    """The most a successful ``action`` may move now, in minor units."""
    due = max(total - summary.net_paid, 0)
    if action in ("charge", "invoice"):
        return due
    if action == "authorize":
        return max(due - open_authorization(summary), 0)
    if action == "capture":
        return min(open_authorization(summary), due)
    if action == "refund":
        return summary.net_paid
    if action == "cancel":
        return open_authorization(summary)
    raise ValueError(f"unknown payment action {action!r}")


def capturable(held: int, total: int, summary: PaymentSummary, *, pending: int = 0) -> int:
    """What of one authorization that still holds ``held`` may be captured now: the one rule of
    the Capture dialog, of ``capturable`` in the API and of the check made before the provider is
    asked. Never more than it holds, nor than ``remaining("capture")`` (what the invoice's
    authorizations hold open, and what is due of ``total``, the total less credit notes), less
    the ``pending`` captures still waiting for their provider's answer. Recording the capture
    checks the same bound (``over_limit``), so what this allows is recorded."""
    return max(min(held, remaining("capture", total, summary) - pending), 0)


_TOO_MUCH = {
    "charge": N_("Exceeds the amount due (%(limit)s)."),
    "invoice": N_("Exceeds the amount due (%(limit)s)."),
    "authorize": N_("Exceeds the amount due that is not authorized yet (%(limit)s)."),
    "capture": N_("Exceeds what is authorized and not yet captured or canceled (%(limit)s)."),
    "refund": N_("Cannot refund more than was paid (%(limit)s)."),
    "cancel": N_("Cannot cancel more than is authorized and not yet captured or canceled (%(limit)s)."),
}


def over_limit(action: str, amount: int, *, successful: bool, total: int,
               summary: PaymentSummary, currency: str) -> str | None:
    """Why ``amount`` is too much for ``action`` on this invoice, or None when it is not."""
    if not successful:
        if amount <= total:
            return None
        return Message("A failed attempt cannot exceed the invoice total (%(limit)s).",
                       limit=_money(total, currency))
    limit = remaining(action, total, summary)
    if amount <= limit:
        return None
    return Message(_TOO_MUCH[action], limit=_money(limit, currency))


def over_amount_due(amount: Decimal, due: Decimal, currency: str) -> str | None:
    """Why a payment of ``amount`` is too much for an invoice with ``due`` to pay (as ``over_limit``
    says of a charge), or None when it is not: a form's check before it records."""
    if amount <= due:
        return None
    return Message(_TOO_MUCH["charge"], limit=Amount(due, currency))


def _money(minor: int, currency: str) -> Amount:
    return Amount(from_minor(minor, currency), currency)
