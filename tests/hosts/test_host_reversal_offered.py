"""Reverse on the back-office view page is offered only for a payment its reversal would take
back from what remains paid: one refunds gave back part of, or one that covered an over-refund,
says why on its row instead (read with the payments the page shows, no statement more), and a
link to its dialog says the reason the reversal would give."""
from __future__ import annotations

from decimal import Decimal

from support.payloads import posted_for_seeded_customer
from support.statements import statements_sent
from support.view_page import dialog_notice
from test_host_record_payment import row_of, view_of

from oro_invoices.hosts.reference.testing import ShopClient, text_of


def pay(admin: ShopClient, invoice_id: int, method: str, amount: str, reference: str):
    return admin.service.record_payment(invoice_id, {"method": method, "action": "charge", "amount": amount,
                                                     "provider_reference": reference})


def given_back(admin: ShopClient, invoice_id: int, amount: str, parent_id: int, reference: str) -> None:
    admin.service.payments.record(invoice_id, {"method": "bank_transfer", "action": "refund", "amount": amount,
                                               "parent_id": parent_id, "provider_reference": reference},
                                  actor="provider", given=True)


def view_counted(admin: ShopClient, view: str) -> tuple[str, int]:
    """The view page (asked twice: the second time counted) and the statements it sent."""
    admin.get(view)
    with statements_sent(admin.app) as sent:
        page = admin.get(view).get_data(as_text=True)
    return page, len(sent)


def reverse_link(view: str, transaction_id: int) -> str:
    return f'href="{view}?dialog=reverse-payment&amp;transaction={transaction_id}#payments"'


def test_a_payment_that_covered_an_over_refund_says_why_it_is_not_reversed_instead_of_reverse(admin):
    """Pay 10.00, a refund of 15.00 (5.00 over), then a check of 4.00 that covers 4.00 of it:
    nothing of what was paid remains, so neither payment offers Reverse."""
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    _, plain = view_counted(admin, view)
    charge = pay(admin, invoice_id, "bank_transfer", "10.00", "BT-OFFER-COVER")
    given_back(admin, invoice_id, "15.00", charge.id, "BT-OFFER-COVER-R")
    check = pay(admin, invoice_id, "check", "4.00", "CHK-OFFER-COVER")
    assert check.over_refund_covered == Decimal("4.00")

    page, sent = view_counted(admin, view)
    assert sent == plain <= 8
    assert reverse_link(view, check.id) not in page and reverse_link(view, charge.id) not in page
    assert "Cannot be reversed: €4.00 of it covered what was refunded beyond what was paid." in row_of(page, check.id)
    assert "Cannot be reversed: after refunds only €0.00 of what was paid remains." in row_of(page, charge.id)
    # a link to its dialog says what the reversal itself would answer
    assert dialog_notice(admin.get(f"{view}?dialog=reverse-payment&transaction={check.id}")) == (
        "This payment cannot be reversed: €4.00 of it covered what refunds had given back beyond what was paid "
        "for this invoice, so only €0.00 of what was paid remains to take back, not its €4.00. Settle the payment "
        "and the over-refund it covered with the customer outside the add-on.")


def test_reverse_is_offered_again_once_enough_of_what_was_paid_remains(admin):
    """Pay 10.00 and a check of 4.00, then a refund of 12.00: 2.00 of what was paid remains, so
    neither offers Reverse; a check of 3.00 more leaves 5.00, enough to take back the 4.00 (and
    the 3.00) but not the 10.00. Reverse then does what it offered."""
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    charge = pay(admin, invoice_id, "bank_transfer", "10.00", "BT-OFFER-PART")
    check = pay(admin, invoice_id, "check", "4.00", "CHK-OFFER-PART")
    given_back(admin, invoice_id, "12.00", charge.id, "BT-OFFER-PART-R")

    page, sent = view_counted(admin, view)
    assert sent <= 8
    for payment in (charge, check):
        assert reverse_link(view, payment.id) not in page
        assert "Cannot be reversed: after refunds only €2.00 of what was paid remains." in row_of(page, payment.id)
    assert dialog_notice(admin.get(f"{view}?dialog=reverse-payment&transaction={check.id}")) == (
        "This payment cannot be reversed: refunds already gave back part of what was paid for this invoice, so only "
        "€2.00 of what was paid remains to take back, not its €4.00. Settle the payment with the customer outside "
        "the add-on.")

    more = pay(admin, invoice_id, "check", "3.00", "CHK-OFFER-MORE")
    page, _ = view_counted(admin, view)
    assert reverse_link(view, check.id) in page and reverse_link(view, more.id) in page
    assert "Cannot be reversed" not in row_of(page, check.id) and "Cannot be reversed" not in row_of(page, more.id)
    assert reverse_link(view, charge.id) not in page
    assert "Cannot be reversed: after refunds only €5.00 of what was paid remains." in row_of(page, charge.id)

    dialog = admin.get(f"{view}?dialog=reverse-payment&transaction={check.id}").get_data(as_text=True)
    assert "Yes, Reverse Payment" in text_of(dialog)
    done = admin.submit(view, f"{view}/transactions/{check.id}/reverse", {"reason": "The check bounced"},
                        follow_redirects=True)
    assert "The payment of €4.00 has been reversed" in text_of(done.get_data(as_text=True))
    assert admin.service.get(invoice_id).amount_paid == Decimal("1.00")


def test_a_payment_whose_money_a_credit_note_gave_back_outside_says_why_it_is_not_reversed(admin):
    """A check paid the invoice, then a credit note gave part of it back by bank transfer: the
    check, reversed, would leave that money out of what the customer owes, so its row says so
    instead of offering Reverse, read from the invoice's activity the page shows."""
    invoice_id, view = view_of(admin, "ERP-SO-1007-7")
    _, plain = view_counted(admin, view)
    doc = admin.service.get(invoice_id)
    check = pay(admin, invoice_id, "check", str(doc.amount_due), "CHK-OFFER-GIVEN")
    rate = doc.lines[0].tax_rate
    note = admin.service.create_credit_note(invoice_id, {"amounts": [{"tax_rate": str(rate), "amount": "10.00"}],
                                                         "settlement": "outside", "reason": "goodwill"},
                                            actor="admin").credit_note
    page, sent = view_counted(admin, view)
    assert sent == plain <= 8
    assert reverse_link(view, check.id) not in page
    assert (f"Cannot be reversed: the payments left would not cover what credit note {note.invoice_number} gave "
            "back.") in row_of(page, check.id)
    notice = dialog_notice(admin.get(f"{view}?dialog=reverse-payment&transaction={check.id}"))
    assert notice.startswith(f"${note.total_amount:,.2f} of what was paid for this invoice was given back to the "
                             f"customer outside the add-on (credit note {note.invoice_number}). Reversed, this "
                             "payment would leave that money out of what the customer owes"), notice


def test_a_payment_whose_kept_surplus_was_spent_says_why_until_the_credit_is_back(admin):
    """A payment $10.00 over the amount due keeps that as the customer's credit; $6.00 of it is
    applied to another invoice, so the payment's reversal cannot take the $10.00 back: its row says
    so, read with the credit the page shows. Once the application is reversed, Reverse is back."""
    service = admin.service
    first, other = posted_for_seeded_customer(service), posted_for_seeded_customer(service)
    view = f"/admin/invoices/{first.id}"
    paid = service.record_received_payment(first.id, amount=str(first.amount_due + Decimal("10.00")),
                                           method="bank_transfer", received_on=service.today(), actor="test",
                                           request_key="s" * 24, keep_surplus=True).transaction
    applied = service.apply_credit(other.id, amount="6.00", actor="test", request_key="t" * 24).transaction
    page, sent = view_counted(admin, view)
    assert sent <= 8
    assert reverse_link(view, paid.id) not in page
    assert ("Cannot be reversed: $10.00 of it was kept as the customer's credit, and only $4.00 of credit is "
            "left.") in row_of(page, paid.id)
    assert dialog_notice(admin.get(f"{view}?dialog=reverse-payment&transaction={paid.id}")) == (
        "$10.00 of this payment was kept as the customer's credit, and only $4.00 of credit is left: the rest was "
        "applied to invoices or given back. Reverse those applications first, or settle the payment with the "
        "customer outside the add-on.")

    service.reverse_received_payment(other.id, applied.id, reason="Applied to the wrong invoice", actor="test")
    page, _ = view_counted(admin, view)
    assert reverse_link(view, paid.id) in page and "Cannot be reversed" not in row_of(page, paid.id)
