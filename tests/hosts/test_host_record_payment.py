"""Record Payment on the back-office view page: a payment received outside the payment methods
(a bank transfer, a check, cash), and Reverse for one recorded in error."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from support.admins import admin_with
from support.api import shop_api_call
from support.days import after_seeded_invoices, shown
from support.pdfs import pdf_text
from support.view_page import dialog_notice

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings


def view_of(admin: ShopClient, external_id: str) -> tuple[int, str]:
    invoice_id = admin.service.find_id(external_id=external_id)
    return invoice_id, f"/admin/invoices/{invoice_id}"


def record_form(admin: ShopClient, view: str) -> dict[str, str]:
    """The Record Payment dialog's fields as the page fills them in."""
    page = admin.get(f"{view}?dialog=record-payment").get_data(as_text=True)
    assert 'id="oi-record-payment-dialog"' in page, text_of(page)[:300]
    fields = dict(re.findall(r'<input type="(?:text|hidden|date)" (?:inputmode="decimal" )?(?:id="[^"]*" )?'
                             r'name="([a-z_]+)" value="([^"]*)"', page))
    fields["method"] = re.search(r'<option value="([a-z_]+)" selected>', page).group(1)
    return fields


def errors_beside(page: str) -> dict[str, str]:
    """The problems the Record Payment dialog shows beside its fields, by field; each field that
    has one points at it and is marked invalid."""
    found = {field: text_of(message).strip() for field, message in re.findall(
        r'<span class="oi-field__error" id="f-error-([a-z_]+)" data-oi-error="[a-z_]+">(.*?)</span>', page)}
    for field in found:
        control = re.search(rf'<(?:input|select|textarea)[^>]* name="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in control and f"f-error-{field}" in control, control
    return found


def row_of(page: str, transaction_id: int) -> str:
    return text_of(re.search(rf'<tr data-transaction-id="{transaction_id}">(.*?)</tr>', page, re.S).group(1))


def test_a_bank_transfer_is_recorded_with_its_day_and_reference(shop, admin):
    invoice_id, view = view_of(admin, "ERP-SO-1003-3")
    doc = admin.service.get(invoice_id)
    page = admin.get(view).get_data(as_text=True)
    assert f'href="{view}?dialog=record-payment#payments"' in page
    fields = record_form(admin, view)
    today = dt.datetime.now(dt.UTC).date()
    assert fields["amount"] == f"{doc.amount_due:.2f}" and fields["received_on"] == today.isoformat()
    assert fields["method"] == "bank_transfer" and fields["request_key"]

    part = (doc.amount_due / 2).quantize(Decimal("0.01"))
    received = today - dt.timedelta(days=3)
    done = admin.submit(view, f"{view}/payments", {**fields, "amount": str(part), "received_on": received.isoformat(),
                                                   "reference": "STMT 2026-114 / line 7", "notes": "First half"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{view}#payments")
    after = admin.get(view).get_data(as_text=True)
    assert (f"A payment of €{part:,.2f} received by Bank transfer on {received:%b} {received.day}, {received.year} "
            "has been recorded.") in text_of(after)
    [payment] = admin.service.transactions(invoice_id)
    assert (payment.action, payment.amount, payment.method, payment.received_on) == \
        ("charge", part, "bank_transfer", received)
    row = row_of(after, payment.id)
    assert "Bank transfer" in row and "Charge" in row and "STMT 2026-114 / line 7" in row and "First half" in row
    assert "recorded" in row and "Reverse" in row and "Receipt (PDF)" in row
    receipt = admin.get(f"{view}/transactions/{payment.id}/receipt")
    assert receipt.status_code == 200
    assert f"was received for invoice {doc.invoice_number} on {received:%b} {received.day}, {received.year}." in \
        " ".join(pdf_text(receipt.get_data()).split())                 # the day received, not the day recorded
    paid = admin.service.get(invoice_id)
    assert paid.payment_status is PaymentStatus.PAID_PARTIALLY and paid.amount_due == doc.amount_due - part
    assert any("Payment status: Paid partially" in a.summary for a in admin.service.activities(invoice_id))

    # the customer sees it, with its receipt
    buyer = ShopClient(shop[0])
    buyer.login_customer("carla.nguyen@acme.example")
    storefront = buyer.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True)
    assert f'data-transaction-id="{payment.id}"' in storefront
    assert buyer.get(f"/customer/invoices/{invoice_id}/payments/{payment.id}/receipt").status_code == 200

    # the same form sent again (Back, a double click) records nothing more
    again = admin.client.post(f"{view}/payments", data={**fields, "amount": str(part), "received_on": received.isoformat(),
                                                         "csrf_token": form_token(after)}, follow_redirects=True)
    assert "This payment was recorded before; it was not recorded again." in text_of(again.get_data(as_text=True))
    assert len(admin.service.transactions(invoice_id)) == 1

    # the rest, in cash: paid in full, and nothing is left to record
    rest = record_form(admin, view)
    assert rest["amount"] == f"{paid.amount_due:.2f}" and rest["request_key"] != fields["request_key"]
    admin.submit(view, f"{view}/payments", {**rest, "method": "cash"})
    assert admin.service.get(invoice_id).payment_status is PaymentStatus.PAID_IN_FULL
    page = admin.get(view).get_data(as_text=True)
    assert "?dialog=record-payment" not in page
    assert dialog_notice(admin.get(f"{view}?dialog=record-payment")) == \
        "This invoice has nothing to pay, so no payment can be recorded for it."


def test_a_bad_payment_is_said_in_the_dialog_and_nothing_is_recorded(admin):
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    due = admin.service.get(invoice_id).amount_due
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    for changed, said in [
        ({"amount": str(due + 1)}, {"amount": f"Exceeds the amount due (€{due:,.2f})."}),
        ({"amount": ""}, {"amount": "Enter the amount received."}),
        ({"amount": "ten"}, {"amount": "'ten' is not a decimal number"}),
        ({"amount": "0"}, {"amount": "Enter an amount above zero."}),
        ({"received_on": tomorrow.isoformat()}, {"received_on": "The payment cannot be received after today"}),
        ({"received_on": "2026-02-31"}, {"received_on": "'2026-02-31' is not a date (use YYYY-MM-DD)."}),
        ({"received_on": "2026-337"}, {"received_on": "'2026-337' is not a date (use YYYY-MM-DD)."}),
        ({"method": "stripe"}, {"method": "Choose how the payment was received."}),
        ({"reference": "line\x07 7"}, {"reference": "Must not contain control characters."}),
        ({"notes": "paid \u202egnp.exe"}, {"notes": "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: a control or "
                                                     "text-direction character"}),
        ({"notes": "line\x07 7"}, {"notes": "Must not contain U+0007 (a control character)"}),
    ]:
        fields = record_form(admin, view)
        resp = admin.submit(view, f"{view}/payments", {**fields, **changed})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422, changed
        assert 'id="oi-record-payment-dialog"' in page, changed
        assert "Nothing was recorded. Correct what is marked below." in text_of(page)
        shown = errors_beside(page)
        assert shown.keys() == said.keys() and all(shown[f].startswith(m) for f, m in said.items()), (changed, shown)
        assert f'name="request_key" value="{fields["request_key"]}"' in page      # the same form, kept
    assert admin.service.transactions(invoice_id) == []


def test_every_bad_field_of_the_dialog_is_marked_at_once(admin):
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    due = admin.service.get(invoice_id).amount_due
    today = dt.datetime.now(dt.UTC).date().isoformat()
    for changed, said in [
        ({"amount": "1.001", "method": "zz", "received_on": today},
         {"amount": "EUR amounts have at most 2 decimals.", "method": "Choose how the payment was received."}),
        ({"amount": "1.001", "method": "zz", "received_on": "2026-02-30"},
         {"amount": "EUR amounts have at most 2 decimals.", "method": "Choose how the payment was received.",
          "received_on": "'2026-02-30' is not a date (use YYYY-MM-DD)."}),
        ({"amount": str(due + 1), "method": "zz", "reference": "a\x07b"},
         {"amount": f"Exceeds the amount due (€{due:,.2f}).", "method": "Choose how the payment was received.",
          "reference": "Must not contain control characters."}),
        ({"amount": "1.001"}, {"amount": "EUR amounts have at most 2 decimals."}),
    ]:
        fields = record_form(admin, view)
        resp = admin.submit(view, f"{view}/payments", {**fields, **changed})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and 'id="oi-record-payment-dialog"' in page, changed
        assert errors_beside(page) == said, changed
        # what was typed is kept, the bad method chosen again from the list
        assert f'name="amount" value="{changed["amount"]}"' in page
    assert admin.service.transactions(invoice_id) == []


def test_a_payment_received_more_than_three_years_ago_is_refused_saying_the_days_allowed(admin):
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=3 * 366)
    page = admin.get(f"{view}?dialog=record-payment").get_data(as_text=True)
    assert f'min="{first.isoformat()}" max="{today.isoformat()}"' in page          # the date picker's range
    for day in ("0001-01-01", (first - dt.timedelta(days=1)).isoformat()):
        resp = admin.submit(view, f"{view}/payments", {**record_form(admin, view), "received_on": day})
        assert resp.status_code == 422, day
        assert errors_beside(resp.get_data(as_text=True)) == {"received_on": (
            "A payment received more than three years ago cannot be recorded: choose a day from "
            f"{shown(first)} to {shown(today)}.")}
    assert admin.service.transactions(invoice_id) == []
    done = admin.submit(view, f"{view}/payments", {**record_form(admin, view), "received_on": first.isoformat()})
    assert done.status_code == 303
    [payment] = admin.service.transactions(invoice_id)
    assert payment.received_on == first


def test_a_payment_recorded_in_error_is_reversed_and_the_invoice_is_due_again(shop, admin):
    invoice_id, view = view_of(admin, "ERP-SO-1007-7")
    due = admin.service.get(invoice_id).amount_due
    admin.submit(view, f"{view}/payments", {**record_form(admin, view), "reference": "CHK 4411", "method": "check"})
    [payment] = admin.service.transactions(invoice_id)
    assert admin.service.get(invoice_id).payment_status is PaymentStatus.PAID_IN_FULL

    dialog = admin.get(f"{view}?dialog=reverse-payment&transaction={payment.id}").get_data(as_text=True)
    assert "will be reversed, as recorded in error: the invoice is due again" in text_of(dialog)
    action = f"{view}/transactions/{payment.id}/reverse"
    unexplained = admin.submit(view, action, {"reason": "  "})
    assert unexplained.status_code == 422 and "Say why the payment is reversed." in text_of(
        unexplained.get_data(as_text=True))
    dialog_page = admin.get(f"{view}?dialog=reverse-payment&transaction={payment.id}").get_data(as_text=True)
    assert 'name="reason" rows="3" maxlength="1000" required' in dialog_page     # the limit of every reason
    too_long = admin.submit(view, action, {"reason": "r" * 1001})
    assert too_long.status_code == 422 and "Reason: At most 1000 characters." in text_of(too_long.get_data(as_text=True))
    done = admin.submit(view, action, {"reason": "The check bounced"}, follow_redirects=True)
    assert ("has been reversed: the invoice is due as if it had never been recorded."
            in text_of(done.get_data(as_text=True)))
    doc = admin.service.get(invoice_id)
    assert doc.payment_status is PaymentStatus.PENDING and doc.amount_due == due
    reversal = next(t for t in admin.service.transactions(invoice_id) if t.id != payment.id)
    assert (reversal.action, reversal.reverses, reversal.amount, reversal.notes) == \
        ("refund", payment.id, payment.amount, "The check bounced")

    page = admin.get(view).get_data(as_text=True)
    assert "Reversed" in row_of(page, payment.id) and "Reverse" not in row_of(page, payment.id).replace("Reversed", "")
    assert "Reversal" in row_of(page, reversal.id) and "CHK 4411" in row_of(page, reversal.id)
    assert "Receipt (PDF)" not in row_of(page, payment.id) + row_of(page, reversal.id)
    assert f'href="{view}?dialog=record-payment#payments"' in page                    # due again
    for tx in (payment, reversal):
        assert admin.get(f"{view}/transactions/{tx.id}/receipt").status_code == 404
    # the customer never sees either: no money moved
    buyer = ShopClient(shop[0])
    buyer.login_customer("gina.park@globex.example")
    storefront = buyer.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True)
    assert f'data-transaction-id="{payment.id}"' not in storefront and 'id="oi-payments"' not in storefront
    assert buyer.get(f"/customer/invoices/{invoice_id}/payments/{payment.id}/receipt").status_code == 404

    twice = admin.submit(view, action, {"reason": "again"}, follow_redirects=True)
    assert "This payment was reversed before." in text_of(twice.get_data(as_text=True))
    assert len(admin.service.transactions(invoice_id)) == 2
    assert dialog_notice(admin.get(f"{view}?dialog=reverse-payment&transaction={payment.id}")) == \
        "This payment cannot be reversed: only a payment recorded outside the payment methods is, and only once."


def test_a_payment_whose_money_was_given_back_outside_is_not_reversed(admin):
    """probeA #5: the check paid the invoice, a credit note gave part of it back by bank transfer, then
    the check bounced. Reversing it would read as due less than the customer owes: the admin is told
    why it is not reversed, and the invoice stays as it was."""
    invoice_id, view = view_of(admin, "ERP-SO-1007-7")
    admin.submit(view, f"{view}/payments", {**record_form(admin, view), "reference": "CHK-77", "method": "check"})
    [payment] = admin.service.transactions(invoice_id)
    rate = admin.service.get(invoice_id).lines[0].tax_rate
    note = admin.service.create_credit_note(invoice_id, {"amounts": [{"tax_rate": str(rate), "amount": "10.00"}],
                                                         "settlement": "outside", "reason": "goodwill"},
                                            actor="admin").credit_note
    given = note.total_amount
    done = admin.submit(view, f"{view}/transactions/{payment.id}/reverse", {"reason": "The check bounced"},
                        follow_redirects=True)
    shown = text_of(done.get_data(as_text=True))
    assert (f"{given:,.2f} of what was paid for this invoice was given back to the customer outside the add-on "
            f"(credit note {note.invoice_number}). Reversed, this payment would leave that money out of what the "
            "customer owes") in shown, shown[:600]
    owed = admin.service.get(invoice_id).total_amount
    assert (f"the invoice would read ${owed - given:,.2f} due instead of ${owed:,.2f}. So it is not reversed; settle "
            "the payment and the money given back with the customer outside the add-on.") in shown
    assert "has been reversed" not in shown
    doc = admin.service.get(invoice_id)
    assert (doc.payment_status, doc.amount_due) == (PaymentStatus.PAID_IN_FULL, 0)
    assert [t.id for t in admin.service.transactions(invoice_id)] == [payment.id]


def provider_payment(admin: ShopClient, invoice_id: int):
    """A charge reported as made through an installed payment method (refunded through it, never reversed)."""
    method = admin.service.payment_methods.names()[0]
    return admin.service.record_payment(invoice_id, {"method": method, "action": "charge", "amount": "10.00",
                                                     "provider_reference": "pi_kit_1"}, actor="test")


def test_a_payment_method_s_payment_is_not_reversed(admin):
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    payment = provider_payment(admin, invoice_id)
    assert f"dialog=reverse-payment&amp;transaction={payment.id}" not in admin.get(view).get_data(as_text=True)
    resp = admin.submit(view, f"{view}/transactions/{payment.id}/reverse", {"reason": "no"})
    assert resp.status_code == 404


def test_the_api_reverses_a_bank_transfer_it_reported_in_error(shop, admin):
    invoice_id, view = view_of(admin, "ERP-SO-1008-8")
    due = admin.service.get(invoice_id).amount_due
    reported = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/payments",
                             {"method": "bank_transfer", "action": "charge", "amount": str(due),
                              "provider_reference": "BT-2026-0042"})
    assert reported.status_code == 201 and reported.get_json()["invoice"]["payment_status"] == "paid_in_full"
    payment = reported.get_json()["id"]
    assert f"dialog=reverse-payment&amp;transaction={payment}" in admin.get(view).get_data(as_text=True)
    path = f"/invoices/{invoice_id}/payments/{payment}/reverse"
    unexplained = shop_api_call(shop, "POST", path, {})
    assert unexplained.status_code == 422 and unexplained.get_json()["errors"][0]["field"] == "reason"
    resp = shop_api_call(shop, "POST", path, {"reason": "Booked on the wrong invoice"})
    assert resp.status_code == 201, resp.get_json()
    reversal = resp.get_json()
    assert (reversal["action"], reversal["reverses"], reversal["amount"], reversal["notes"]) == \
        ("refund", payment, f"{due:.2f}", "Booked on the wrong invoice")
    assert reversal["invoice"]["payment_status"] == "pending" and reversal["invoice"]["amount_due"] == f"{due:.2f}"
    again = shop_api_call(shop, "POST", path, {"reason": "again"})
    assert again.status_code == 200 and again.get_json()["id"] == reversal["id"]
    listed = shop_api_call(shop, "GET", f"/invoices/{invoice_id}/payments").get_json()["data"]
    assert [(t["id"], t["reverses"]) for t in listed] == [(payment, None), (reversal["id"], payment)]
    assert reversal["reference"] == "BT-2026-0042"                  # what the reversal undoes, in the back-office
    assert "BT-2026-0042" in row_of(admin.get(view).get_data(as_text=True), reversal["id"])
    provider = admin.service.find_id(external_id="ERP-SO-1005-5")
    charge = provider_payment(admin, provider)
    refused = shop_api_call(shop, "POST", f"/invoices/{provider}/payments/{charge.id}/reverse", {"reason": "no"})
    assert refused.status_code == 404


def test_recording_needs_the_manage_payments_permission_and_a_posted_invoice(shop, admin):
    viewer = admin_with(shop)
    received = after_seeded_invoices().isoformat()
    invoice_id, view = view_of(admin, "ERP-SO-1008-8")
    assert "?dialog=record-payment" not in viewer.get(view).get_data(as_text=True)
    assert dialog_notice(viewer.get(f"{view}?dialog=record-payment")) == "Your role may not record or reverse payments."
    refused = viewer.submit(view, f"{view}/payments", {"amount": "1", "method": "cash",
                                                      "received_on": received, "request_key": "k" * 24})
    assert refused.status_code == 403 and admin.service.transactions(invoice_id) == []

    draft_id, draft_view = view_of(admin, "ERP-SO-1004-4")
    assert "?dialog=record-payment" not in admin.get(draft_view).get_data(as_text=True)
    posted = admin.submit(draft_view, f"{draft_view}/payments", {"amount": "1", "method": "cash",
                                                                 "received_on": received, "request_key": "d" * 24},
                          follow_redirects=True)
    assert "has nothing to pay, so no payment can be recorded for it." in text_of(posted.get_data(as_text=True))
    assert admin.service.transactions(draft_id) == []


def test_with_receipts_on_the_customer_is_emailed_the_receipt_of_a_recorded_payment(shop, admin):
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.mail.payment_receipts", True)
    invoice_id, view = view_of(admin, "ERP-SO-1007-7")
    doc = admin.service.get(invoice_id)
    admin.submit(view, f"{view}/payments", {**record_form(admin, view), "reference": "STMT 9"})
    [receipt] = shop[0].extensions["oro_invoices"].mail.emails(invoice_id)
    assert receipt.to == (doc.customer_user_email,) and doc.invoice_number in receipt.subject
    assert receipt.template == "payment_receipt_template"
    [payment] = admin.service.transactions(invoice_id)
    admin.submit(view, f"{view}/transactions/{payment.id}/reverse", {"reason": "Bounced"})
    assert len(shop[0].extensions["oro_invoices"].mail.emails(invoice_id)) == 1     # a reversal is no refund


def test_a_refund_made_beyond_what_remained_is_flagged_on_its_payment_row(admin):
    """A provider's refund recorded beyond what remained of its payment (a refund made twice, say)
    says by how much on its row of the Payments section."""
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-OVER-1"})
    refund = admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": "15.00", "parent_id": charge.id,
        "provider_reference": "BT-OVER-1-R"}, actor="provider", given=True).transaction
    assert refund.over_refunded == Decimal("5.00")
    page = admin.get(view).get_data(as_text=True)
    assert ("Over-refunded by €5.00: more than remained of what was paid for the invoice was given back. Settle "
            "it with the customer.") in row_of(page, refund.id)
    assert "Over-refunded" not in row_of(page, charge.id)


def test_an_over_refunded_invoice_says_so_atop_its_view_page(admin):
    """The over-refunds of its payments, added up, in a notice above the page's sections, read with
    the payments the page shows (as many statements as without one)."""
    from support.statements import statements_sent
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    admin.get(view)
    with statements_sent(admin.app) as before:
        assert 'id="oi-over-refunded"' not in admin.get(view).get_data(as_text=True)
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-OVER"})
    for n, refunded in enumerate(("3.00", "12.00")):           # a refund within the payment, then one beyond
        admin.service.payments.record(invoice_id, {
            "method": "bank_transfer", "action": "refund", "amount": refunded, "parent_id": charge.id,
            "provider_reference": f"BT-OVER-R{n}"}, actor="provider", given=True)
    assert [t.over_refunded for t in admin.service.transactions(invoice_id) if t.action == "refund"] \
        == [None, Decimal("5.00")]
    admin.get(view)
    with statements_sent(admin.app) as after:
        page = admin.get(view).get_data(as_text=True)
    notice = re.search(r'<div class="oi-flash oi-flash--warning" role="alert" id="oi-over-refunded">(.*?)</div>',
                       page, re.S)
    assert text_of(notice.group(1)) == ("This invoice was over-refunded by €5.00: its refunds gave back more than "
                                        "was paid. Settle it with the customer.")
    assert page.index('id="oi-over-refunded"') < page.index('id="oi-general"')
    assert len(after) == len(before) <= 8


def test_over_refunds_are_the_invoices_and_a_payment_between_them_covers_the_first(admin):
    """Pay 10.00, a refund of 15.00 of it (5.00 over); pay 4.00, which covers 4.00 of that, and a
    refund of 6.50 of it is all over (the invoice had nothing left to refund): 7.50 more than was
    paid, said on the payment between them too."""
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    over = []
    for n, (paid, refunded) in enumerate((("10.00", "15.00"), ("4.00", "6.50"))):
        charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                           "amount": paid, "provider_reference": f"BT-TWICE-{n}"})
        over.append(admin.service.payments.record(invoice_id, {
            "method": "bank_transfer", "action": "refund", "amount": refunded, "parent_id": charge.id,
            "provider_reference": f"BT-TWICE-{n}-R"}, actor="provider", given=True).transaction.over_refunded)
    assert over == [Decimal("5.00"), Decimal("6.50")]
    page = admin.get(view).get_data(as_text=True)
    assert "This invoice was over-refunded by €7.50" in text_of(page)
    [covering] = [t for t in admin.service.transactions(invoice_id) if t.over_refund_covered]
    assert covering.amount == covering.over_refund_covered == Decimal("4.00")
    assert "€4.00 of it covered what was refunded beyond what was paid." in row_of(page, covering.id)


def test_a_payment_that_covered_an_over_refund_is_not_reversed_and_the_admin_is_told_why(admin):
    """Pay 10.00, a refund of 15.00 (5.00 over), then a check of 4.00 that covers 4.00 of it: nothing
    of what was paid remains to take back, so the check is not reversed, and the reason given is the
    reversal's, not a refund's."""
    invoice_id, view = view_of(admin, "ERP-SO-1005-5")
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-COVER"})
    admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": "15.00", "parent_id": charge.id,
        "provider_reference": "BT-COVER-R"}, actor="provider", given=True)
    check = admin.service.record_payment(invoice_id, {"method": "check", "action": "charge", "amount": "4.00",
                                                      "provider_reference": "CHK-COVER"})
    assert check.over_refund_covered == Decimal("4.00")
    before = [(t.id, t.amount) for t in admin.service.transactions(invoice_id)]
    done = admin.submit(view, f"{view}/transactions/{check.id}/reverse", {"reason": "The check bounced"},
                        follow_redirects=True)
    shown = text_of(done.get_data(as_text=True))
    assert ("This payment cannot be reversed: €4.00 of it covered what refunds had given back beyond what was "
            "paid for this invoice, so only €0.00 of what was paid remains to take back, not its €4.00. Settle "
            "the payment and the over-refund it covered with the customer outside the add-on.") in shown, shown[:600]
    assert "Cannot refund more than was paid" not in shown and "has been reversed" not in shown
    assert [(t.id, t.amount) for t in admin.service.transactions(invoice_id)] == before


def test_the_api_does_not_reverse_a_payment_refunds_already_gave_part_of_back(shop, admin):
    """Pay 10.00 and a check of 4.00, then a refund of 12.00: 2.00 of what was paid remains, so the
    check is not reversed (409, nothing recorded) and the reason is the reversal's."""
    invoice_id, _ = view_of(admin, "ERP-SO-1005-5")
    charge = admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": "10.00", "provider_reference": "BT-PART"})
    check = admin.service.record_payment(invoice_id, {"method": "check", "action": "charge", "amount": "4.00",
                                                      "provider_reference": "CHK-PART"})
    admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": "12.00", "parent_id": charge.id,
        "provider_reference": "BT-PART-R"}, actor="provider", given=True)
    assert not check.over_refund_covered
    before = [(t.id, t.amount) for t in admin.service.transactions(invoice_id)]
    resp = shop_api_call(shop, "POST", f"/invoices/{invoice_id}/payments/{check.id}/reverse",
                         {"reason": "The check bounced"})
    assert resp.status_code == 409, resp.get_json()
    assert [e["message"] for e in resp.get_json()["errors"]] == [
        "This payment cannot be reversed: refunds already gave back part of what was paid for this invoice, so "
        "only 2.00 EUR of what was paid remains to take back, not its 4.00 EUR. Settle the payment with the customer "
        "outside the add-on."]
    assert [(t.id, t.amount) for t in admin.service.transactions(invoice_id)] == before


def test_a_refund_naming_no_payment_is_over_by_what_it_adds_beyond_the_payments(admin):
    invoice_id, _ = view_of(admin, "ERP-SO-1005-5")
    admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge", "amount": "10.00",
                                              "provider_reference": "BT-LOOSE"})
    over = [admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": amount, "provider_reference": f"BT-LOOSE-R{n}"},
        actor="provider", given=True).transaction.over_refunded for n, amount in enumerate(("12.00", "3.00"))]
    assert over == [Decimal("2.00"), Decimal("3.00")]


def test_a_payment_whose_jobs_cannot_be_queued_is_recorded_and_the_page_says_so(shop, admin, monkeypatch):
    """The host's job queue raises once the payment committed: it is recorded, and a warning in
    the page's language says which job was not queued and that the sweeps do its work."""
    from support.held_jobs import BrokenJobs
    Settings(shop[0].extensions["oro_reference_host"].config).set(   # each payment's events are delivered
        "oro_invoices.webhooks.endpoints", [{"url": "https://erp.example/hooks", "secret": "s" * 24}])
    jobs = BrokenJobs()
    monkeypatch.setattr(admin.service.context, "jobs", jobs)
    monkeypatch.setattr(shop[0].extensions["oro_invoices"].mail, "jobs", jobs)
    invoice_id, view = view_of(admin, "ERP-SO-1003-3")
    done = admin.submit(view, f"{view}/payments", {**record_form(admin, view), "amount": "10.00"})

    assert done.status_code == 303
    shown_after = text_of(admin.get(view).get_data(as_text=True))
    [payment] = admin.service.transactions(invoice_id)
    assert payment.amount == Decimal("10.00")
    assert "A payment of €10.00 received by Bank transfer on" in shown_after
    assert jobs.tried == ["oro_invoices.deliver_events"]
    assert ("The change is saved, but a background job that followed (oro_invoices.deliver_events) could not be "
            "handed to the job queue; the periodic sweeps do its work, so there is nothing to do.") in shown_after
