"""Customers' credit in the back-office of the reference shop: kept from a credit note or from a
payment's surplus, applied to an open invoice from its view page (and put back by Reverse), and
the Customer Credit page with the balance, the ledger in words and Give Back Credit."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

from support.admins import admin_with
from support.payloads import invoice_payload, posted_for_seeded_customer
from support.view_page import dialog_notice

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of

CREDIT_PAGE = "/admin/invoices/customer-credit"


def paid_and_credited(service, *, kept: bool = True):
    """A paid invoice (231.86 USD) of a seeded customer whose second line (107.00) a credit note
    gave back, kept as the customer's credit (``kept``) or settled outside."""
    inv = posted_for_seeded_customer(service)
    service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": str(inv.total_amount)})
    return service.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}],
                                               "settlement": "credit" if kept else "outside"}, actor="test")


def flashes(resp) -> str:
    """What the page a form led to says (its flashes are on it)."""
    return text_of(resp.get_data(as_text=True))


def dialog_fields(admin: ShopClient, url: str, dialog_id: str) -> dict[str, str]:
    """The fields of the dialog ``dialog_id`` as the page ``url`` fills them in."""
    page = admin.get(url).get_data(as_text=True)
    found = re.search(rf'id="{dialog_id}".*?</form>', page, re.S)
    assert found, text_of(page)[:400]
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="(?:text|hidden|date)" [^>]*?name="([a-z_]+)" value="([^"]*)"', found.group(0))}


def payments_text(page: str) -> str:
    return text_of(re.search(r'<section class="oi-card" id="payments".*?</section>', page, re.S).group(0))


def row_of(page: str, transaction_id: int) -> str:
    return text_of(re.search(rf'<tr data-transaction-id="{transaction_id}">(.*?)</tr>', page, re.S).group(1))


def ledger(page: str) -> list[list[str]]:
    """The Customer Credit page's ledger: each entry's cells as read, newest first."""
    table = re.search(r'<table class="oi-table" id="oi-credit-entries".*?</table>', page, re.S)
    if table is None:
        return []
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S).group(1)
    return [[" ".join(text_of(c).replace(" )", ")").split()) for c in re.findall(r"<td\b.*?</td>", row, re.S)]
            for row in re.findall(r"<tr\b.*?</tr>", body, re.S)]


def balances(page: str) -> dict[str, str]:
    section = re.search(r'<section class="oi-card" id="oi-credit-balances".*?</section>', page, re.S).group(0)
    return {cur: text_of(amount) for cur, amount in re.findall(r'<dd data-currency="([A-Z]{3})">(.*?)</dd>', section)}


def customer_invoice_without_customer(service):
    doc = service.create(invoice_payload(customer_id=None, customer_user_id=None, customer_name="Walk-in buyer",
                                         order_id=None, order_identifier=""), actor="test")
    return service.post(doc.id, actor="test")


def day_written(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


# ---- Apply Credit ----------------------------------------------------------------------------

def test_credit_is_applied_from_the_view_page_and_reverse_puts_it_back(admin):
    service = admin.service
    kept = paid_and_credited(service)
    customer = kept.invoice.customer_name
    other = posted_for_seeded_customer(service)                                    # 231.86 USD, nothing paid
    view = f"/admin/invoices/{other.id}"
    page = admin.get(view).get_data(as_text=True)
    assert f"{customer} has $107.00 of credit. Apply Credit" in payments_text(page)
    assert (f'<a id="oi-customer-credit-link" href="{CREDIT_PAGE}?customer={other.customer_id}">$107.00</a>'
            in page)
    assert f'href="{view}?dialog=apply-credit#payments">Apply Credit</a>' in page

    fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
    assert fields["amount"] == "107.00" and fields["request_key"]                  # the lesser of credit and due
    dialog = text_of(admin.get(f"{view}?dialog=apply-credit").get_data(as_text=True))
    assert "At most the credit, $107.00, and the amount due, $231.86." in dialog
    done = admin.submit(view, f"{view}/apply-credit", fields)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{view}#payments")
    after = admin.get(view).get_data(as_text=True)
    assert "$107.00 of the customer's credit has been applied to this invoice." in text_of(after)
    doc = service.get(other.id)
    assert doc.amount_due == Decimal("124.86") and doc.payment_status is PaymentStatus.PAID_PARTIALLY
    assert "Amount Due $124.86" in text_of(after)
    [applied] = service.transactions(other.id)
    row = row_of(after, applied.id)
    assert "Customer credit" in row and "Charge" in row and "$107.00" in row and "Reverse" in row
    assert "of credit." not in payments_text(after)                                 # none is left
    assert dialog_notice(admin.get(f"{view}?dialog=apply-credit")) == f"{customer} has no credit in USD to apply."

    # the same form sent again (Back, a double click) applies nothing more
    again = admin.client.post(f"{view}/apply-credit", data={**fields, "csrf_token": form_token(after)},
                              follow_redirects=True)
    assert "This credit was applied before; it was not applied again." in flashes(again)
    assert len(service.transactions(other.id)) == 1

    # Reverse: the invoice is due again and the credit is back
    asked = text_of(admin.get(f"{view}?dialog=reverse-payment&transaction={applied.id}").get_data(as_text=True))
    assert ("The $107.00 of the customer's credit applied on " in asked
            and "will be reversed: the invoice is due again as if it had never been applied, and the credit goes "
                "back to the customer." in asked)
    reversed_ = admin.submit(view, f"{view}/transactions/{applied.id}/reverse", {"reason": "Wrong invoice"},
                             follow_redirects=True)
    assert ("The payment of $107.00 from the customer's credit has been reversed: the invoice is due as if it had "
            "never been applied, and the credit is back with the customer.") in flashes(reversed_)
    assert service.get(other.id).amount_due == other.amount_due
    assert f"{customer} has $107.00 of credit." in payments_text(reversed_.get_data(as_text=True))
    credit = admin.get(f"{CREDIT_PAGE}?customer={other.customer_id}").get_data(as_text=True)
    assert [entry[1:4] for entry in ledger(credit)[:2]] == [
        [f"Application to {other.invoice_number} reversed Wrong invoice", "+$107.00", "$107.00"],
        [f"Applied to {other.invoice_number}", "-$107.00", "$0.00"]]


def test_part_of_the_credit_pays_an_invoice_typed_in_the_pages_number_format(admin):
    service = admin.service
    paid_and_credited(service)
    other = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{other.id}"
    german = {"Accept-Language": "de"}
    fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
    done = admin.submit(view, f"{view}/apply-credit", {**fields, "amount": "40,50"}, headers=german)
    assert done.status_code == 303
    [applied] = service.transactions(other.id)
    assert applied.amount == Decimal("40.50")
    assert service.available_credit(service.get(other.id)) == Decimal("66.50")
    assert "has $66.50 of credit." in payments_text(admin.get(view).get_data(as_text=True))


def test_too_much_credit_is_refused_in_the_dialog_and_nothing_is_applied(admin):
    service = admin.service
    kept = paid_and_credited(service)
    customer = kept.invoice.customer_name
    other = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{other.id}"
    for amount, said in [("200.00", f"Amount: {customer} has $107.00 of credit, less than $200.00."),
                         ("", "Amount: Enter the amount of credit to apply."),
                         ("-5", "Amount: Must be greater than 0.")]:
        fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
        resp = admin.submit(view, f"{view}/apply-credit", {**fields, "amount": amount})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422, amount
        assert 'id="oi-apply-credit-dialog"' in page and said in text_of(page), (amount, text_of(page)[-500:])
        assert f'name="request_key" value="{fields["request_key"]}"' in page      # the same form, kept
        assert f'value="{amount}"' in page                                          # what was typed, kept
    assert service.transactions(other.id) == []
    assert service.available_credit(service.get(other.id)) == Decimal("107.00")


def test_more_than_the_amount_due_is_refused(admin):
    service = admin.service
    paid_and_credited(service)
    small = posted_for_seeded_customer(service, lines=[{"description": "Cable", "quantity": "1",
                                                        "unit_price": "40.00"}])
    view = f"/admin/invoices/{small.id}"
    fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
    assert fields["amount"] == "40.00"                                              # the amount due is less
    resp = admin.submit(view, f"{view}/apply-credit", {**fields, "amount": "50.00"})
    assert resp.status_code == 422 and "Amount: Exceeds the amount due ($40.00)." in flashes(resp)
    done = admin.submit(view, f"{view}/apply-credit", fields, follow_redirects=True)
    assert "$40.00 of the customer's credit has been applied to this invoice." in flashes(done)
    assert service.get(small.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert dialog_notice(admin.get(f"{view}?dialog=apply-credit")) == \
        f"Invoice {small.invoice_number} has nothing to pay, so no credit can be applied to it."


def test_applying_credit_needs_the_manage_payments_permission(shop, admin):
    service = admin.service
    paid_and_credited(service)
    other = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{other.id}"
    fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
    viewer = admin_with(shop)
    page = viewer.get(view).get_data(as_text=True)
    assert "of credit." not in payments_text(page) and "dialog=apply-credit" not in page
    assert dialog_notice(viewer.get(f"{view}?dialog=apply-credit")) == \
        "Your role may not apply the customer's credit."
    refused = viewer.submit(view, f"{view}/apply-credit", fields)
    assert refused.status_code == 403
    assert service.transactions(other.id) == []


def test_an_admin_of_another_organization_cannot_apply_credit(shop, admin):
    service = admin.service
    paid_and_credited(service)
    other = posted_for_seeded_customer(service)
    fields = dialog_fields(admin, f"/admin/invoices/{other.id}?dialog=apply-credit", "oi-apply-credit-dialog")
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    own = service.list_invoices({"organization_id": 2}, limit=1).items[0]
    assert sakura.get(f"/admin/invoices/{other.id}?dialog=apply-credit").status_code == 404
    refused = sakura.submit(f"/admin/invoices/{own.id}", f"/admin/invoices/{other.id}/apply-credit", fields)
    assert refused.status_code == 404
    assert service.transactions(other.id) == []


def test_no_credit_line_without_a_customer_or_without_credit(admin):
    service = admin.service
    lone = customer_invoice_without_customer(service)
    view = f"/admin/invoices/{lone.id}"
    assert "dialog=apply-credit" not in admin.get(view).get_data(as_text=True)
    assert dialog_notice(admin.get(f"{view}?dialog=apply-credit")) == \
        f"Invoice {lone.invoice_number} has no customer, so no customer's credit can pay it."
    # credit settled outside is no credit
    paid_and_credited(service, kept=False)
    other = posted_for_seeded_customer(service)
    assert "dialog=apply-credit" not in admin.get(f"/admin/invoices/{other.id}").get_data(as_text=True)


# ---- Record Payment keeping the surplus ------------------------------------------------------

def record_fields(admin: ShopClient, view: str) -> dict[str, str]:
    fields = dialog_fields(admin, f"{view}?dialog=record-payment", "oi-record-payment-dialog")
    fields["method"] = "bank_transfer"
    return fields


def test_a_payment_over_the_amount_due_keeps_the_rest_as_the_customers_credit(admin):
    service = admin.service
    inv = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{inv.id}"
    dialog = admin.get(f"{view}?dialog=record-payment").get_data(as_text=True)
    assert ('<input type="checkbox" id="oi-record-keep-surplus" name="keep_surplus" value="1">'
            " Keep what is over the amount due as the customer's credit") in dialog
    fields = record_fields(admin, view)
    # without the box, more than the amount due is refused as before
    refused = admin.submit(view, f"{view}/payments", {**fields, "amount": "256.86"})
    assert refused.status_code == 422 and re.search(
        r'data-oi-error="amount">Exceeds the amount due \(\$231\.86\)\.</span>', refused.get_data(as_text=True))
    assert service.transactions(inv.id) == []

    today = dt.datetime.now(dt.UTC).date()
    done = admin.submit(view, f"{view}/payments", {**fields, "amount": "256.86", "keep_surplus": "1",
                                                   "reference": "WIRE 88"}, follow_redirects=True)
    assert (f"A payment of $256.86 received by Bank transfer on {day_written(today)} has been recorded: $231.86 pays "
            "this invoice and $25.00 is kept as the customer's credit.") in flashes(done)
    doc = service.get(inv.id)
    assert doc.payment_status is PaymentStatus.PAID_IN_FULL and doc.amount_due == 0
    [payment] = service.transactions(inv.id)
    assert payment.reference == "WIRE 88"
    assert "$25.00 over the amount due kept as the customer's credit" in flashes(done)   # the activity

    credit = admin.get(f"{CREDIT_PAGE}?customer={inv.customer_id}").get_data(as_text=True)
    assert balances(credit) == {"USD": "$25.00"}
    [entry] = ledger(credit)
    assert entry[1:] == [f"Paid over the amount due of {inv.invoice_number}", "+$25.00", "$25.00", "Alex Admin", ""]
    assert f'<a href="/admin/invoices/{inv.id}">{inv.invoice_number}</a>' in credit


def test_a_payment_of_the_amount_due_or_less_keeps_nothing_and_says_so_as_before(admin):
    service = admin.service
    inv = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{inv.id}"
    today = dt.datetime.now(dt.UTC).date()
    done = admin.submit(view, f"{view}/payments", {**record_fields(admin, view), "amount": "31.86",
                                                   "keep_surplus": "1"}, follow_redirects=True)
    assert f"A payment of $31.86 received by Bank transfer on {day_written(today)} has been recorded." \
        in flashes(done)
    assert "kept as the customer's credit" not in flashes(done)
    assert "No credit." in text_of(admin.get(f"{CREDIT_PAGE}?customer={inv.customer_id}").get_data(as_text=True))


def test_an_invoice_without_a_customer_offers_no_surplus_to_keep(admin):
    lone = customer_invoice_without_customer(admin.service)
    page = admin.get(f"/admin/invoices/{lone.id}?dialog=record-payment").get_data(as_text=True)
    assert 'id="oi-record-payment-dialog"' in page and 'name="keep_surplus"' not in page
    assert f"At most the amount due, ${lone.amount_due:,.2f}." in text_of(page)


# ---- Create Credit Note kept as credit -------------------------------------------------------

def test_a_credit_note_keeps_what_it_gives_back_as_the_customers_credit(admin):
    service = admin.service
    inv = posted_for_seeded_customer(service)
    service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": str(inv.total_amount)})
    view = f"/admin/invoices/{inv.id}"
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    assert ('<input type="radio" name="settlement" value="credit" > Keep as the customer\'s credit for their next '
            "invoices") in form
    done = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_2": "1", "settlement": "credit", "reason": "Not installed"},
                        follow_redirects=True)
    [note] = service.credit_notes_of(inv.id)
    shown = flashes(done)
    assert f"Credit note {note.invoice_number} of $107.00 was posted against invoice {inv.invoice_number}." in shown
    assert "$107.00 is kept as the customer's credit." in shown
    assert f"Credit note {note.invoice_number} of $107.00; $107.00 kept as the customer's credit" in shown  # activity

    credit = admin.get(f"{CREDIT_PAGE}?customer={inv.customer_id}").get_data(as_text=True)
    assert balances(credit) == {"USD": "$107.00"}
    [entry] = ledger(credit)
    assert entry[1:3] == [f"Kept from credit note {note.invoice_number} (invoice {inv.invoice_number})", "+$107.00"]
    assert f'<a href="/admin/invoices/{note.id}">{note.invoice_number}</a>' in credit
    assert f'<a href="/admin/invoices/{inv.id}">{inv.invoice_number}</a>' in credit


def test_the_credit_note_form_offers_no_credit_without_a_customer(admin):
    service = admin.service
    lone = customer_invoice_without_customer(service)
    service.record_payment(lone.id, {"method": "bank_transfer", "action": "charge", "amount": str(lone.total_amount)})
    form = admin.get(f"/admin/invoices/{lone.id}/credit-notes/new").get_data(as_text=True)
    assert 'value="outside"' in form and 'value="credit"' not in form


# ---- the Customer Credit page ----------------------------------------------------------------

def test_the_credit_page_says_every_change_in_words_with_the_balance_after_it(admin):
    service = admin.service
    kept = paid_and_credited(service)                                      # +107.00
    customer_id = kept.invoice.customer_id
    other = posted_for_seeded_customer(service)
    applied = service.apply_credit(other.id, amount="50.00", actor="test", request_key="a" * 24).transaction
    service.reverse_received_payment(other.id, applied.id, reason="wrong", actor="test")
    third = posted_for_seeded_customer(service)
    surplus = service.record_received_payment(third.id, amount="241.86", method="bank_transfer",
                                              received_on=service.today(), actor="test", request_key="b" * 24,
                                              keep_surplus=True).transaction
    service.reverse_received_payment(third.id, surplus.id, reason="bounced", actor="test")
    service.pay_out_credit(customer_id, organization_id=1, currency="USD", amount="7.00", reference="WIRE-7",
                           notes="Asked by phone", actor="test", request_key="c" * 24)

    page = admin.get(f"{CREDIT_PAGE}?customer={customer_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = text_of(html)
    assert f"Customer Credit — {kept.invoice.customer_name}" in text
    assert balances(html) == {"USD": "$100.00"}
    today = day_written(service.today())
    assert ledger(html) == [
        [today, "Given back outside the add-on Asked by phone", "-$7.00", "$100.00", "test", "WIRE-7"],
        [today, f"Payment on {third.invoice_number} reversed", "-$10.00", "$107.00", "test", ""],
        [today, f"Paid over the amount due of {third.invoice_number}", "+$10.00", "$117.00", "test", ""],
        [today, f"Application to {other.invoice_number} reversed wrong", "+$50.00", "$107.00", "test", ""],
        [today, f"Applied to {other.invoice_number}", "-$50.00", "$57.00", "test", ""],
        [today, f"Kept from credit note {kept.credit_note.invoice_number} (invoice {kept.invoice.invoice_number})",
         "+$107.00", "$107.00", "test", ""]]
    assert f'id="oi-credit-statement" href="/admin/invoices/statement?customer={customer_id}"' in html
    assert "Older entries" not in text


def test_the_ledger_pages_to_older_entries(admin):
    service = admin.service
    kept = paid_and_credited(service)
    customer_id = kept.invoice.customer_id
    for n in range(52):
        service.pay_out_credit(customer_id, organization_id=1, currency="USD", amount="1.00", reference=f"R{n}",
                               actor="test", request_key=f"key{n:02d}".ljust(24, "x"))
    first = admin.get(f"{CREDIT_PAGE}?customer={customer_id}").get_data(as_text=True)
    rows = ledger(first)
    assert len(rows) == 50 and rows[0][1] == "Given back outside the add-on" and rows[0][5] == "R51"
    older = re.search(r'id="oi-credit-older" href="([^"]+)"', first).group(1)
    assert unescape(older).startswith(f"{CREDIT_PAGE}?customer={customer_id}&before=")
    second = admin.get(unescape(older)).get_data(as_text=True)
    assert [(row[1], row[5]) for row in ledger(second)] == [
        ("Given back outside the add-on", "R1"), ("Given back outside the add-on", "R0"),
        (f"Kept from credit note {kept.credit_note.invoice_number} (invoice {kept.invoice.invoice_number})", "")]
    assert "Older entries" not in text_of(second) and 'id="oi-credit-newest"' in second
    assert balances(second) == {"USD": "$55.00"}                     # the balance is today's on every page
    assert admin.get(f"{CREDIT_PAGE}?customer={customer_id}&before=abc").status_code == 422


def test_a_customer_without_credit_has_none(admin):
    inv = posted_for_seeded_customer(admin.service)
    page = admin.get(f"{CREDIT_PAGE}?customer={inv.customer_id}").get_data(as_text=True)
    assert "No credit." in text_of(page) and "Nothing has been kept as this customer's credit yet." in text_of(page)
    assert 'id="oi-pay-out-form"' not in page


def test_only_the_customers_of_the_admins_organization_have_a_credit_page_there(shop, admin):
    kept = paid_and_credited(admin.service)
    customer_id = kept.invoice.customer_id
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    refused = sakura.get(f"{CREDIT_PAGE}?customer={customer_id}")
    assert refused.status_code == 404 and "That customer does not exist." in flashes(refused)
    assert "107" not in refused.get_data(as_text=True)
    for bad in ("", "?customer=", "?customer=abc", "?customer=999999"):
        resp = admin.get(CREDIT_PAGE + bad)
        assert resp.status_code == 404 and "That customer does not exist." in flashes(resp), bad
    # an admin of no organization sees the customer's, in the organization the host puts them in
    everyone = admin_with(shop, ("oro_invoices.view", "oro_invoices.manage_payments"), username="auditor",
                          organization_id=None)
    page = everyone.get(f"{CREDIT_PAGE}?customer={customer_id}").get_data(as_text=True)
    assert balances(page) == {"USD": "$107.00"} and len(ledger(page)) == 1
    done = everyone.submit(f"{CREDIT_PAGE}?customer={customer_id}",
                           f"{CREDIT_PAGE}/pay-out?customer={customer_id}",
                           {**pay_out_fields(everyone, customer_id), "amount": "7.00"}, follow_redirects=True)
    assert f"$7.00 of credit has been given back to {kept.invoice.customer_name}." in flashes(done)
    assert admin.service.customer_credit_of(customer_id, organization_id=1).balance("USD") == Decimal("100.00")


def test_the_credit_page_needs_the_view_permission_and_giving_back_manage_payments(shop, admin):
    kept = paid_and_credited(admin.service)
    customer_id = kept.invoice.customer_id
    clerk = admin_with(shop, (), username="clerk")
    assert clerk.get(f"{CREDIT_PAGE}?customer={customer_id}").status_code == 403
    viewer = admin_with(shop)
    page = viewer.get(f"{CREDIT_PAGE}?customer={customer_id}").get_data(as_text=True)
    assert balances(page) == {"USD": "$107.00"} and 'id="oi-pay-out-form"' not in page
    refused = viewer.submit(f"{CREDIT_PAGE}?customer={customer_id}", f"{CREDIT_PAGE}/pay-out?customer={customer_id}",
                            {"currency": "USD", "amount": "1.00", "request_key": "z" * 24})
    assert refused.status_code == 403
    anonymous = ShopClient(shop[0]).get(f"{CREDIT_PAGE}?customer={customer_id}")
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


# ---- Give Back Credit ------------------------------------------------------------------------

def pay_out_fields(client: ShopClient, customer_id: int) -> dict[str, str]:
    page = client.get(f"{CREDIT_PAGE}?customer={customer_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" [^>]*id="oi-pay-out-form">.*?</form>', page, re.S)
    assert form, text_of(page)[:400]
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="(?:text|hidden)" [^>]*?name="([a-z_]+)" value="([^"]*)"', form.group(0))
            if name != "csrf_token"}


def test_credit_is_given_back_outside_the_add_on(admin):
    service = admin.service
    kept = paid_and_credited(service)
    customer_id, name = kept.invoice.customer_id, kept.invoice.customer_name
    page_url, action = f"{CREDIT_PAGE}?customer={customer_id}", f"{CREDIT_PAGE}/pay-out?customer={customer_id}"
    fields = pay_out_fields(admin, customer_id)
    assert fields["currency"] == "USD" and fields["amount"] == "107.00" and fields["request_key"]   # one currency
    page = admin.get(page_url).get_data(as_text=True)
    assert 'name="currency" value="USD"' in page and "<select" not in page

    too_much = admin.submit(page_url, action, {**fields, "amount": "200.00"})
    assert too_much.status_code == 422
    assert "Amount: The customer has $107.00 of credit: at most that can be given back." in flashes(too_much)
    assert f'name="request_key" value="{fields["request_key"]}"' in too_much.get_data(as_text=True)
    for changed, said in [({"amount": ""}, "Amount: Enter the amount to give back."),
                          ({"amount": "ten"}, "Amount: 'ten' is not a decimal number: write it like 1,234.50."),
                          ({"reference": "x" * 256}, "Reference: At most 255 characters."),
                          ({"currency": "XYZ"}, "Currency: Choose a currency the customer has credit in.")]:
        resp = admin.submit(page_url, action, {**fields, **changed})
        assert resp.status_code == 422 and said in flashes(resp), (changed, flashes(resp)[-400:])
    assert service.customer_credit_of(customer_id, organization_id=1).balance("USD") == Decimal("107.00")

    done = admin.submit(page_url, action, {**fields, "amount": "40.00", "reference": "WIRE-2026-1"},
                        follow_redirects=True)
    assert f"$40.00 of credit has been given back to {name}." in flashes(done)
    after = done.get_data(as_text=True)
    assert balances(after) == {"USD": "$67.00"}
    assert ledger(after)[0][1:4] == ["Given back outside the add-on", "-$40.00", "$67.00"] and ledger(after)[0][5] == "WIRE-2026-1"
    assert pay_out_fields(admin, customer_id)["amount"] == "67.00"

    # the same form sent again gives back nothing more
    again = admin.client.post(action, data={**fields, "amount": "40.00", "csrf_token": form_token(after)},
                              follow_redirects=True)
    assert "This credit was given back before; it was not given back again." in flashes(again)
    assert service.customer_credit_of(customer_id, organization_id=1).balance("USD") == Decimal("67.00")


def test_give_back_chooses_among_the_currencies_with_credit(admin):
    service = admin.service
    kept = paid_and_credited(service)
    customer_id = kept.invoice.customer_id
    euros = posted_for_seeded_customer(service, currency="EUR")
    service.record_received_payment(euros.id, amount=str(euros.total_amount + 12), method="bank_transfer",
                                    received_on=service.today(), actor="test", request_key="e" * 24,
                                    keep_surplus=True)
    page = admin.get(f"{CREDIT_PAGE}?customer={customer_id}").get_data(as_text=True)
    assert balances(page) == {"EUR": "€12.00", "USD": "$107.00"}
    select = re.search(r'<select id="oi-pay-out-currency" name="currency">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([A-Z]{3})"', select) == ["EUR", "USD"]
    fields = pay_out_fields(admin, customer_id)
    done = admin.submit(f"{CREDIT_PAGE}?customer={customer_id}", f"{CREDIT_PAGE}/pay-out?customer={customer_id}",
                        {**fields, "currency": "USD", "amount": "7.00"}, follow_redirects=True)
    assert f"$7.00 of credit has been given back to {kept.invoice.customer_name}." in flashes(done)
    assert balances(done.get_data(as_text=True)) == {"EUR": "€12.00", "USD": "$100.00"}


# ---- the customer's statement -----------------------------------------------------------------

def test_the_statement_says_the_credit_beside_what_is_owed_and_links_the_credit_page(admin):
    kept = paid_and_credited(admin.service)                         # 107.00 USD of credit
    customer_id = kept.invoice.customer_id
    url = f"/admin/invoices/statement?customer={customer_id}"

    def credit_said() -> str:
        page = admin.get(url).get_data(as_text=True)
        assert f'href="{CREDIT_PAGE}?customer={customer_id}"' in page
        return text_of(re.search(r'<section class="oi-card" id="oi-statement-credit".*?</section>', page,
                                 re.S).group(0))

    open_items = admin.service.statement_of(customer_id, organization_id=1, currency="USD").section("USD").items
    owed = sum(item.due for item in open_items)
    assert owed > Decimal("107.00")
    said = credit_said()
    assert "has $107.00 of credit not applied to an invoice yet." in said
    assert f"Total due less the credit: ${owed - Decimal('107.00'):,.2f}." in said
    # all but 50.00 paid: the credit covers what is due
    for n, item in enumerate(open_items):
        pay = item.due - (Decimal("50.00") if n == 0 else 0)
        admin.service.record_payment(item.invoice_id, {"method": "bank_transfer", "action": "charge",
                                                       "amount": str(pay)})
    assert "The credit covers the total due, with $57.00 left." in credit_said()
    # the customer's credit, never a credit note ("Gutschrift") in German
    german = admin.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert re.search(r'<h2 id="oi-statement-credit-title">([^<]*)</h2>', german).group(1) == "Kundenguthaben"


# ---- the storefront ---------------------------------------------------------------------------

def test_a_customer_user_who_sees_the_whole_account_sees_its_credit(shop, admin):
    from support.pdfs import pdf_text

    service = admin.service
    acme = next(i for i in service.list_invoices({"organization_id": 1, "status": "posted"}, limit=100).items
                if i.customer_name == "Acme Industries AG" and i.currency == "EUR")
    paid = service.get(acme.id)
    if paid.amount_due:
        service.record_payment(paid.id, {"method": "bank_transfer", "action": "charge",
                                         "amount": str(paid.amount_due)})
    service.create_credit_note(paid.id, {"amounts": [{"tax_rate": str(paid.lines[0].tax_rate), "amount": "10.00"}],
                                         "settlement": "credit"}, actor="test")
    credit = service.available_credit(paid)
    assert credit > 0
    said = f"Your credit with us: €{credit:,.2f} (not yet applied to an invoice)."
    for email, sees in (("amanda.cole@acme.example", True), ("ben.ortiz@acme.example", True),
                        ("carla.nguyen@acme.example", False)):                  # corporate, department, own
        client = ShopClient(shop[0])
        client.login_customer(email)
        assert (said in text_of(client.get("/customer/invoices").get_data(as_text=True))) is sees, email
        statement = client.get("/customer/invoices/statement.pdf")
        assert statement.status_code == 200
        assert (said in " ".join(pdf_text(statement.data).split())) is sees, email


def test_apply_credit_leaves_what_an_authorization_holds_to_be_captured(admin):
    service = admin.service
    paid_and_credited(service)                                                    # $107.00 of credit
    whole = posted_for_seeded_customer(service)                                   # paid in part, the rest held
    service.record_payment(whole.id, {"method": "bank_transfer", "action": "charge", "amount": "100.00"})
    service.record_payment(whole.id, {"method": "stripe", "action": "authorize", "amount": "131.86",
                                      "provider_reference": "pi_rest"})
    view = f"/admin/invoices/{whole.id}"
    assert "Apply Credit" not in payments_text(admin.get(view).get_data(as_text=True))
    assert dialog_notice(admin.get(f"{view}?dialog=apply-credit")) == (
        f"An authorization holds what is due on invoice {whole.invoice_number}: capture or cancel it first.")
    part = posted_for_seeded_customer(service)                                     # $231.86
    service.record_payment(part.id, {"method": "stripe", "action": "authorize", "amount": "200.00",
                                     "provider_reference": "pi_part"})
    fields = dialog_fields(admin, f"/admin/invoices/{part.id}?dialog=apply-credit", "oi-apply-credit-dialog")
    assert fields["amount"] == "31.86"                                             # what the authorization leaves
    dialog = text_of(admin.get(f"/admin/invoices/{part.id}?dialog=apply-credit").get_data(as_text=True))
    assert ("At most the credit, $107.00, and what is due beyond the $200.00 an authorization holds, $31.86."
            in dialog)


def test_a_refused_give_back_names_its_field_in_the_pages_language(admin):
    kept = paid_and_credited(admin.service)
    customer_id = kept.invoice.customer_id
    german = {"Accept-Language": "de"}
    resp = admin.submit(f"{CREDIT_PAGE}?customer={customer_id}", f"{CREDIT_PAGE}/pay-out?customer={customer_id}",
                        {**pay_out_fields(admin, customer_id), "currency": "XXX", "amount": "1,00"}, headers=german)
    said = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert "Währung: Wählen Sie eine Währung, in der der Kunde Guthaben hat." in said
    assert "Currency" not in said


def test_an_amount_too_large_to_record_is_refused_when_the_surplus_would_be_kept(admin):
    service = admin.service
    inv = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{inv.id}"
    fields = record_fields(admin, view)
    huge = "9" * 30
    resp = admin.submit(view, f"{view}/payments", {**fields, "amount": huge, "keep_surplus": "1"})
    assert resp.status_code == 422
    said = re.search(r'data-oi-error="amount">(.*?)</span>', resp.get_data(as_text=True)).group(1)
    assert unescape(said) == f"'{huge}' is too large: a payment is less than 1,000,000,000,000."
    assert service.transactions(inv.id) == []
