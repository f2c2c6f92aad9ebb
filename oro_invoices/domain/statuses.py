"""Payment status recalculated from transactions, with the reference precedence.

Only successful transactions count, except that a set of attempts which all
failed means "declined". Precedence, first match wins:

1. refunded in full / 2. refunded partially
3. canceled in full / 4. canceled partially
5. paid in full / 6. paid partially
7. invoiced
8. authorized in full / 9. authorized partially
10. declined (there were attempts and none succeeded)
11. pending payment

What stays authorized (open) is what the authorizations hold and no capture took nor a
cancellation released. Only captures settle authorizations: a charge, or a payment recorded by
hand, is money of its own, so an invoice partly paid by hand and authorized for the rest holds
that rest open (``PaymentSummary.open_authorized``).

A re-authorization (an authorization that renews an earlier one before its provider releases
it) moves that authorization's open part to a new hold: it adds nothing to what is authorized.

A reversal (a refund that takes back a payment recorded by hand in error, ``reversal``) undoes
that payment: it lowers what was paid rather than counting as money given back, so the
invoice is due again as if the payment had never been recorded.

A payment's ``surplus`` (what it brought over the amount due, kept as the customer's credit) is
not paid on the invoice; a refund's ``surplus`` (what of it gave such a surplus back) is neither
given back by the invoice nor lowers what it was paid.

A refund that settles a credit note (``settles_credit_note``: it gives back what the credit note
took off an invoice already paid) is the credit note's, not a refund of the invoice: it lowers what
the invoice keeps (``net_paid``) but not what was paid, so the invoice reads paid in full (or
credited) rather than refunded.

Credit notes come first: an invoice credited in full is "voided" when nothing was paid
for it, else "credited"; a partial credit lowers the total the transactions are measured
against, like a settlement of that part.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from oro_invoices.domain.invoice import PaymentStatus

PAID_ACTIONS = frozenset({"charge", "capture"})
#: The statuses that close an invoice: nothing is owed on it, whatever amount it shows due.
CLOSED = frozenset({PaymentStatus.PAID_IN_FULL, PaymentStatus.CANCELED, PaymentStatus.VOIDED,
                    PaymentStatus.CREDITED})
#: The statuses that say open authorizations hold all that is due (authorized in full, nothing
#: captured): such an invoice is held in full (``is_held``), also when the status was set from
#: outside.
HOLDING = frozenset({PaymentStatus.AUTHORIZED})
#: Pay is not offered in these statuses: closed, authorized (the seller collects it by capturing),
#: or refunded (what is still due after a refund is owed, but not asked for online).
NOT_PAYABLE = CLOSED | HOLDING | {PaymentStatus.REFUNDED, PaymentStatus.REFUNDED_PARTIALLY}


@dataclass(frozen=True)
class TransactionFacts:
    """The part of a transaction the calculation needs (amounts in minor units)."""

    action: str
    amount: int
    successful: bool
    #: An authorization that renews an earlier one (its parent): it moves that hold, adds none.
    reauthorization: bool = False
    #: A refund that undoes a payment recorded in error: it lowers what was paid.
    reversal: bool = False
    #: The part of a payment kept as the customer's credit, or of a refund that gave it back.
    surplus: int = 0
    #: A refund that settles a credit note: it lowers what was paid, it is no refund of the invoice.
    settles_credit_note: bool = False


@dataclass(frozen=True)
class PaymentSummary:
    """Amounts derived from the transactions, in minor units."""

    paid: int
    refunded: int
    authorized: int
    canceled: int
    invoiced: int
    attempts: int
    failures: int
    #: What captures took (part of ``paid``): what settled authorizations.
    captured: int = 0
    #: What refunds settling credit notes gave back (not refunded by the invoice).
    credit_refunded: int = 0

    @property
    def net_paid(self) -> int:
        """What the seller keeps of what was paid."""
        return max(self.paid - self.refunded - self.credit_refunded, 0)

    @property
    def open_authorized(self) -> int:
        """What is authorized and neither captured nor canceled (charges do not settle it)."""
        return max(self.authorized - self.captured - self.canceled, 0)


def summarize(transactions: Iterable[TransactionFacts]) -> PaymentSummary:
    sums = dict.fromkeys(("paid", "refunded", "authorized", "canceled", "invoiced", "captured", "credit_refunded"),
                         0)
    attempts = failures = 0
    for t in transactions:
        attempts += 1
        if not t.successful:
            failures += 1
            continue
        if t.action in PAID_ACTIONS:
            sums["paid"] += t.amount - t.surplus
            if t.action == "capture":   # all it took of the hold, its surplus too
                sums["captured"] += t.amount
        elif t.action == "refund" and t.reversal:
            sums["paid"] -= t.amount - t.surplus
        elif t.action == "refund" and t.settles_credit_note:
            sums["credit_refunded"] += t.amount - t.surplus
        elif t.action == "refund":
            sums["refunded"] += t.amount - t.surplus
        elif t.action == "authorize" and not t.reauthorization:
            sums["authorized"] += t.amount
        elif t.action == "cancel":
            sums["canceled"] += t.amount
        elif t.action == "invoice":
            sums["invoiced"] += t.amount
    return PaymentSummary(attempts=attempts, failures=failures, **sums)


def calculate(total: int, transactions: Iterable[TransactionFacts], credited: int = 0) -> PaymentStatus:
    """The payment status of an invoice of ``total`` minor units given its transactions
    and what credit notes took off it (``credited``)."""
    s = summarize(transactions)
    if credited > 0 and credited >= total:
        return PaymentStatus.CREDITED if s.paid > 0 else PaymentStatus.VOIDED
    total -= credited
    # Captures settle earlier authorizations; what stays open is the uncaptured part.
    open_auth = s.open_authorized
    if s.refunded > 0:
        refundable = s.paid - s.credit_refunded
        return PaymentStatus.REFUNDED if s.refunded >= refundable else PaymentStatus.REFUNDED_PARTIALLY
    # a cancellation is history once a new authorization holds money again: paid and held tell the rest
    if s.canceled > 0 and s.paid < total and open_auth == 0:
        fully = s.paid == 0 and s.canceled >= (s.authorized or total)
        return PaymentStatus.CANCELED if fully else PaymentStatus.CANCELED_PARTIALLY
    if total > 0 and s.paid >= total:
        return PaymentStatus.PAID_IN_FULL
    if total == 0 and s.attempts == 0:
        return PaymentStatus.PENDING
    if s.paid > 0:
        return PaymentStatus.PAID_PARTIALLY
    if s.invoiced > 0:
        return PaymentStatus.INVOICED
    if open_auth > 0:
        return PaymentStatus.AUTHORIZED if open_auth >= total else PaymentStatus.AUTHORIZED_PARTIALLY
    if s.attempts and s.failures == s.attempts:
        return PaymentStatus.DECLINED
    return PaymentStatus.PENDING


def is_payable(status: PaymentStatus, amount_due: int | Decimal) -> bool:
    """Whether the customer may pay online: the storefront's Pay, the payment pages, reminders."""
    return amount_due > 0 and status not in NOT_PAYABLE


def is_held_in_full(amount_due: int | Decimal, amount_held: int | Decimal) -> bool:
    """Whether open authorizations hold all of ``amount_due`` (something is due)."""
    return 0 < amount_due <= amount_held


def is_held(status: PaymentStatus, amount_due: int | Decimal, amount_held: int | Decimal) -> bool:
    """Whether the seller collects all of ``amount_due`` (something is due) by capturing: the
    payment status says it is authorized in full (``HOLDING``), or open authorizations hold all
    of it (``is_held_in_full``: paid in part and authorized for the rest, say). Such an invoice, when
    owed, is neither offered to pay nor overdue nor reminded, though the books count it owed until
    it is captured."""
    return amount_due > 0 and (status in HOLDING or is_held_in_full(amount_due, amount_held))


def unheld(status: PaymentStatus, amount_due: Decimal, amount_held: Decimal) -> Decimal:
    """What of ``amount_due`` no authorization holds, so that another payment (the customer's
    credit) may pay it: nothing when the status says it is authorized in full."""
    return Decimal(0) if status in HOLDING else amount_due - amount_held


def is_owed(status: PaymentStatus, amount_due: int | Decimal) -> bool:
    """Whether the customer owes ``amount_due``: what statements, the aging, balances and the
    Overdue figures count, and what a payment received may be recorded for. A refunded invoice
    with an amount due is owed (though not payable online), and so is one whose payment is
    authorized (``is_held``: owed until the seller captures it, though not overdue)."""
    return amount_due > 0 and status not in CLOSED
