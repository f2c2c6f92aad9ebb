"""Revision 0045: an invoice whose payment was reversed before a reversal noted the over-refund
figures again gets the figures a reversal notes now."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from support.payloads import one_line_invoice

from oro_invoices.persistence.ledger import entries_within
from oro_invoices.persistence.migrate import current_revision, downgrade, head_revision, upgrade
from oro_invoices.persistence.models import PaymentTransaction
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.persistence.read_models import over_refund_left


def _figures(service, invoice_id: int) -> list[tuple[str, Decimal, Decimal | None, Decimal | None]]:
    """Each transaction's action, amount, over-refund and what it covered of one, as the pages read them."""
    return [(t.action, t.amount, t.over_refunded, t.over_refund_covered) for t in service.transactions(invoice_id)]


def _reversed_after_an_over_refund(service, tag: str) -> tuple[int, int, int]:
    """Pay 10.00, a provider's refund of 11.00 (1.00 beyond), a check of 4.00 that covers the
    1.00, 20.00 paid, then the check reversed: the invoice, the check and the 20.00."""
    invoice_id = one_line_invoice(service, due_date="2026-12-31", invoice_date="2026-11-30", price="100.00")
    first = service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                                "provider_reference": f"BT-MIG-1-{tag}"})
    service.payments.record(invoice_id, {"method": "bank_transfer", "action": "refund", "amount": "11.00",
                                         "parent_id": first.id, "provider_reference": f"BT-MIG-1-R-{tag}"},
                            actor="provider", given=True)
    check = service.record_payment(invoice_id, {"method": "check", "action": "charge", "amount": "4.00",
                                                "provider_reference": f"CHK-MIG-{tag}"})
    later = service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge", "amount": "20.00",
                                                "provider_reference": f"BT-MIG-2-{tag}"})
    service.reverse_received_payment(invoice_id, check.id, reason="The check bounced", actor="admin")
    return invoice_id, check.id, later.id


def _note(db, transaction_id: int, **figures: str | None) -> None:
    """Write ``figures`` in a transaction's data as a reversal before 0045 left them."""
    with db.session() as s:
        row = s.get(PaymentTransaction, transaction_id)
        data = dict(row.data or {})
        for key, value in figures.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        row.data = data
        s.commit()


def _balance(db, invoice_id: int) -> int:
    """What the invoice's account activity adds up to (minor units)."""
    with db.session() as s:
        entries = entries_within(s, InvoiceFilter(organization_id=1, customer_id=10), until=dt.date(2099, 1, 1),
                                 zone=dt.UTC)
    return sum(e.amount for e in entries if e.invoice_id == invoice_id)


def test_revision_0045_notes_again_the_figures_a_payment_reversed_before_it_left(db, service):
    invoice_id, check, later = _reversed_after_an_over_refund(service, "stale")
    noted, *_ = _reversed_after_an_over_refund(service, "noted")       # reversed at this revision
    untouched = one_line_invoice(service, due_date="2026-12-31", invoice_date="2026-11-30", price="50.00",
                                 paid="5.00")
    now = _figures(service, invoice_id)
    assert now == [("charge", Decimal("10.00"), None, None), ("refund", Decimal("11.00"), Decimal("1.00"), None),
                   ("charge", Decimal("4.00"), None, None), ("charge", Decimal("20.00"), None, Decimal("1.00")),
                   ("refund", Decimal("4.00"), None, None)]
    due = service.get(invoice_id).amount_due
    assert due == Decimal("81.00") and _balance(db, invoice_id) == 8100
    others = {i: _figures(service, i) for i in (noted, untouched)}

    downgrade(db, "0044")
    try:
        # as a reversal before 0045 left them: the check's cover kept, the 20.00 covering nothing
        _note(db, check, over_refund_covered="1.00")
        _note(db, later, over_refund_covered=None)
        stale = _figures(service, invoice_id)
        assert stale[2][3] == Decimal("1.00") and stale[3][3] is None
        assert over_refund_left(service.transactions(invoice_id)) == Decimal("0.00")
        assert _balance(db, invoice_id) == 8000                    # 1.00 short of the amount due
    finally:
        upgrade(db)                                  # the database is shared with later tests
    assert current_revision(db) == head_revision()
    assert _figures(service, invoice_id) == now
    assert over_refund_left(service.transactions(invoice_id)) == Decimal(0)
    assert _balance(db, invoice_id) == 8100 and service.get(invoice_id).amount_due == due
    assert {i: _figures(service, i) for i in (noted, untouched)} == others
    assert others[noted] == now
    downgrade(db, "0044")                            # changes nothing
    try:
        assert _figures(service, invoice_id) == now
    finally:
        upgrade(db)

