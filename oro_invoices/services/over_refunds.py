"""An invoice's over-refund: what its refunds gave back beyond what was paid for it
(``read_models.OVER_REFUND_KEY`` in a refund's data), and what payments made after covered of
it first (``OVER_REFUND_COVERED_KEY`` in a payment's), as the amount due counts them.

Both are noted when a transaction is recorded, from the invoice's transactions before it. A
payment reversed in error is as if never recorded, so its reversal notes them again for the
invoice's other transactions (``restate``): the payment it undoes may have covered an
over-refund that a later payment now covers, or paid what a later refund gave back. Each
refund's figure less each payment's then adds up to the invoice's over-refund now, so the account
activity, which reads them, ends on what the invoice still owes.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.money import from_minor
from oro_invoices.persistence import read_models as views
from oro_invoices.persistence.models import PaymentTransaction
from oro_invoices.persistence.read_models import OVER_REFUND_COVERED_KEY, OVER_REFUND_KEY, is_reversal


def covers(summary: pstatus.PaymentSummary, counted: int) -> int:
    """What of a payment counting ``counted`` (minor units) covers what the invoice's refunds gave
    back beyond what was paid (``summary``, before it): the amount due counts it so
    (``PaymentSummary.net_paid`` is never below nothing)."""
    beyond = summary.refunded + summary.credit_refunded - summary.paid
    return max(min(counted, beyond), 0)


def refunded_beyond(summary: pstatus.PaymentSummary, counted: int) -> int:
    """What of a refund counting ``counted`` (minor units) gives back beyond what was paid for the
    invoice and not yet refunded (``summary``, before it)."""
    return max(counted - summary.net_paid, 0)


def restate(s: Session, invoice_id: int, currency: str) -> None:
    """Note again what each successful refund of the invoice gave back beyond what was paid and
    what each successful payment covered of that, in the order they were recorded, as if the
    payments reversed in error (and their reversals) had never been, and a payment reversed as
    having covered nothing: what a reversal recorded in ``s`` leaves (flushed before).
    ``read_models.over_refund_left`` so adds up to the invoice's over-refund now."""
    rows = s.execute(select(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id)
                     .order_by(PaymentTransaction.id)).scalars().all()
    undone = {row.parent_id for row in rows if row.action == "refund" and row.successful and is_reversal(row.data)}
    before: list[pstatus.TransactionFacts] = []
    for row in rows:
        if row.id in undone:         # it covered nothing: no over-refund is left to cover beside it
            _note(row, OVER_REFUND_COVERED_KEY, 0, currency)
            continue
        if row.action == "refund" and is_reversal(row.data):
            continue
        fact = views.facts(row.action, row.amount, row.successful, row.parent_id, row.data, currency)
        if row.successful and row.action in pstatus.PAID_ACTIONS:
            _note(row, OVER_REFUND_COVERED_KEY, covers(pstatus.summarize(before), fact.amount - fact.surplus),
                  currency)
        elif row.successful and row.action == "refund":
            _note(row, OVER_REFUND_KEY, refunded_beyond(pstatus.summarize(before), fact.amount - fact.surplus),
                  currency)
        before.append(fact)


def _note(row: PaymentTransaction, key: str, minor: int, currency: str) -> None:
    """``minor`` under ``key`` in ``row``'s data (the key left out for nothing), where it differs."""
    data = dict(row.data) if isinstance(row.data, dict) else {}
    text = str(from_minor(minor, currency)) if minor > 0 else None
    if data.get(key) == text:
        return
    if text is None:
        data.pop(key, None)
    else:
        data[key] = text
    row.data = data
