"""Corrections in the reference shop: Create Credit Note, Void, Re-issue, and what each page shows."""
from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from support.payloads import invoice_payload, posted_for_seeded_customer
from support.variant import documents_made

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of


def _posted_unpaid(client: ShopClient, **overrides):
    """A fresh posted invoice of organization 1 (Northwind) for a seeded customer."""
    return posted_for_seeded_customer(client.service, **overrides)


def test_create_a_partial_credit_note_from_the_view_page(admin):
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    html = admin.get(view).get_data(as_text=True)
    assert "Create Credit Note</a>" in html and ">Void</a>" in html and ">Re-issue</a>" in html
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    text = text_of(form)
    assert "Create Credit Note for Invoice " + inv.invoice_number in text
    assert 'name="qty_1"' in form and 'name="amount_0_19"' in form
    # too much: the form comes back with the reason and what was typed
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "4", "reason": "Returned"})
    assert resp.status_code == 422
    page = text_of(resp.get_data(as_text=True))
    assert "Line 1 (Widget): at most 3 of 3 remain creditable; 4 asked." in page
    assert 'value="4"' in resp.get_data(as_text=True)
    # one widget and 10.00 net at 7 %
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "amount_0_07": "10.00", "reason": "Returned"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(view)
    [note] = admin.service.credit_notes_of(inv.id)
    page = admin.get(view).get_data(as_text=True)
    assert f"Credit note {note.invoice_number} of" in text_of(page)
    assert f'href="/admin/invoices/{note.id}">{note.invoice_number}</a>' in page
    assert "Credited" in text_of(page)
    # the credit note's own page links back; it has no correction actions of its own
    cn_page = admin.get(f"/admin/invoices/{note.id}").get_data(as_text=True)
    assert f"Credit Note {note.invoice_number}" in text_of(cn_page)
    assert "Reason Returned" in text_of(cn_page)                           # and on the customer's side
    buyer = ShopClient(admin.app)
    buyer.login_customer(note.customer_user_email)
    assert "Reason Returned" in text_of(buyer.get(f"/customer/invoices/{note.id}").get_data(as_text=True))
    assert admin.service.get(inv.id).credit_reason == ""                  # the invoice has none
    assert f'id="oi-credited-invoice" href="/admin/invoices/{inv.id}">{inv.invoice_number}</a>' in cn_page
    assert "Create Credit Note</a>" not in cn_page and ">Void</a>" not in cn_page
    assert "Due Date" not in text_of(cn_page) and "Due Date" in text_of(page)   # nothing falls due
    general = text_of(cn_page.split('id="oi-general"')[1].split("</section>")[0])
    assert f"Credit Note Number {note.invoice_number}" in general and "Credit Note Date" in general
    assert "Invoice Number" not in general and "set by external system" not in general
    # the grid: a document type column and filter
    grid = admin.get("/admin/invoices?document_type=credit_note").get_data(as_text=True)
    ids = re.findall(r'<tr data-invoice-id="(\d+)">', grid)
    assert str(note.id) in ids and str(inv.id) not in ids
    assert '<td class="oi-doctype">Credit note</td>' in grid
    assert f"{len(ids)} credit note{'s' if len(ids) > 1 else ''} · Page 1 of 1" in text_of(grid)
    nothing = admin.get(f"/admin/invoices?document_type=credit_note&number={inv.invoice_number}")
    assert "No credit notes match these filters." in text_of(nothing.get_data(as_text=True))
    assert admin.get("/admin/invoices?document_type=receipt").status_code == 422


def test_the_credit_note_form_speaks_of_its_own_fields(admin):
    """Refusals name the form's fields, not the API's paths; numbers are typed as the page writes them."""
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"

    def refused(form: dict[str, str], **kwargs) -> str:
        resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", **form}, **kwargs)
        assert resp.status_code == 422
        return text_of(re.search(r'role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S).group(1))

    assert refused({}) == "Enter a quantity or an amount to credit, or choose everything that remains."
    shown = refused({"qty_2": "two"})
    assert "Quantity of line 2 to credit: Not a valid decimal number" in shown and "Lines[0]" not in shown
    assert "Amount at 7% tax: USD amounts have at most 2 decimals." in refused({"amount_0_07": "1.234"})
    shown = refused({"qty_1": "4", "qty_2": "1"})                   # the message names its line itself
    assert "Line 1 (Widget): at most 3 of 3 remain creditable; 4 asked." in shown and "Quantity of line" not in shown
    german = {"Accept-Language": "de"}
    done = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "amount_0_07": "2,50", "reason": "Rabatt"}, headers=german)
    assert done.status_code == 303
    [note] = admin.service.credit_notes_of(inv.id)
    credit = admin.service.get(note.id)
    assert [(line.quantity, line.unit_price) for line in credit.lines][-1] == (1, Decimal("2.50"))


@pytest.mark.parametrize("language,reason,decimal,between", [
    # a number that is none says how the page reads one, in its format (not the API's "19.99");
    # a quantity must be above 0, so its size limit is an upper bound (no negative range)
    ("de", "Grund: Höchstens 1000 Zeichen.",
     ("Gutzuschreibende Menge von Position 1: Keine gültige Dezimalzahl: ", " 1.234,50."),
     "Muss kleiner als 1.000.000.000.000 sein."),
    ("fr", "Motif : 1000 caractères au maximum.",
     ("Quantité de la ligne 1 à créditer : Nombre décimal non valide : ", " 1 234,50."),
     "Doit être inférieur à 1 000 000 000 000."),   # narrow no-break spaces
    ("ja", "理由：1000 文字以内で入力してください。", ("有効な小数ではありません：", "1,234.50 のように入力してください。"),
     "1,000,000,000,000 未満にしてください。"),
])
def test_refusals_of_the_void_and_credit_note_forms_speak_the_pages_language(admin, language, reason, decimal,
                                                                           between):
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    headers = {"Accept-Language": language}

    def refused(page: str, action: str, form: dict[str, str]) -> str:
        resp = admin.submit(page, action, form, headers=headers)
        assert resp.status_code == 422
        return text_of(re.search(r'role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S).group(1))

    assert reason in refused(f"{view}/void", f"{view}/void", {"reason": "x" * 1001})
    form = (f"{view}/credit-notes/new", f"{view}/credit-notes")
    said = refused(*form, {"mode": "partial", "qty_1": "1e0"})
    assert decimal[0] in said and said.endswith(decimal[1]) and "19.99" not in said
    assert between in refused(*form, {"mode": "partial", "qty_1": "9" * 30})
    comma = "." if language == "ja" else ","                   # as the page writes a decimal: no 500 either
    assert between in refused(*form, {"mode": "partial", "qty_1": "1" + "0" * 40 + comma + "5"})
    assert admin.service.credit_notes_of(inv.id) == []


def test_void_then_reissue_with_links_both_ways(admin):
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    confirm = admin.get(f"{view}/void").get_data(as_text=True)
    assert "This cannot be undone." in text_of(confirm)
    resp = admin.submit(f"{view}/void", f"{view}/void", {"reason": "Sent twice"})
    assert resp.status_code == 303
    assert admin.service.get(inv.id).payment_status is PaymentStatus.VOIDED
    html = admin.get(view).get_data(as_text=True)
    assert "Voided" in text_of(html) and ">Void</a>" not in html and "Create Credit Note</a>" not in html

    other = _posted_unpaid(admin)
    view = f"/admin/invoices/{other.id}"
    resp = admin.submit(f"{view}/reissue", f"{view}/reissue", {"reason": "Wrong address"})
    assert resp.status_code == 303
    [ref] = admin.service.reissues_of(other.id)
    assert resp.headers["Location"].endswith(f"/admin/invoices/{ref.id}")
    draft_page = admin.get(f"/admin/invoices/{ref.id}").get_data(as_text=True)
    assert f'id="oi-reissued-from" href="/admin/invoices/{other.id}">{other.invoice_number}</a>' in draft_page
    original = admin.get(view).get_data(as_text=True)
    assert f'class="oi-reissue" href="/admin/invoices/{ref.id}">Draft #{ref.id}</a>' in original


def test_a_paid_invoice_cannot_be_voided_from_the_page(admin):
    inv = _posted_unpaid(admin)
    admin.service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "5.00"})
    view = f"/admin/invoices/{inv.id}"
    html = admin.get(view).get_data(as_text=True)
    assert ">Void</a>" not in html and "Create Credit Note</a>" in html
    resp = admin.submit(f"{view}/void", f"{view}/void", {})
    assert resp.status_code == 409
    assert "has a successful payment" in text_of(resp.get_data(as_text=True))
    # crediting what was paid asks how it is settled
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    assert 'value="outside"' in form
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "full"})
    assert resp.status_code == 422 and "Choose" in text_of(resp.get_data(as_text=True))
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "full", "settlement": "outside"})
    assert resp.status_code == 303
    assert admin.service.get(inv.id).payment_status is PaymentStatus.CREDITED


def test_another_organizations_admin_cannot_credit(shop):
    client = ShopClient(shop[0])
    client.login_admin()
    inv = _posted_unpaid(client)
    japan = ShopClient(shop[0])
    japan.login_admin("admin.jp")
    view = f"/admin/invoices/{inv.id}"
    assert japan.get(f"{view}/credit-notes/new").status_code == 404
    token_page = "/admin/invoices"
    for path, data in ((f"{view}/credit-notes", {"mode": "full"}), (f"{view}/void", {}),
                       (f"{view}/reissue", {})):
        assert japan.submit(token_page, path, data).status_code == 404, path
    assert japan.service.credit_notes_of(inv.id) == []
    assert japan.service.get(inv.id).payment_status is PaymentStatus.PENDING


# ---- storefront ------------------------------------------------------------------------------

def _customer(shop, email):
    client = ShopClient(shop[0])
    client.login_customer(email)
    return client


def test_the_customer_sees_the_voided_invoice_and_its_credit_note(shop, admin):
    service = admin.service
    carlas = service.get(service.find_id(external_id="ERP-SO-1003-3"))
    payload = invoice_payload(customer_id=carlas.customer_id, customer_user_id=carlas.customer_user_id,
                              customer_name=carlas.customer_name, customer_user_email=carlas.customer_user_email,
                              website_id=carlas.website_id, organization_id=carlas.organization_id,
                              order_id=None, order_identifier="", currency=carlas.currency)
    inv = service.post(service.create(payload, actor="test").id, actor="test")
    carla = _customer(shop, "carla.nguyen@acme.example")
    before = carla.get(f"/customer/invoices/{inv.id}").get_data(as_text=True)
    assert "Voided" not in text_of(before) and "Amount Due" in text_of(before)
    note = service.void(inv.id, reason="Wrong order", actor="test").credit_note

    listing = carla.get("/customer/invoices").get_data(as_text=True)
    note_row = re.search(rf'<tr data-invoice-id="{note.id}">.*?</tr>', listing, re.S).group(0)
    cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", note_row, re.S)]
    # number and type, its date, no due date, its total, no payment badge, View only
    assert cells[0] == f"{note.invoice_number} Credit note" and cells[2] == "—" and cells[4] == ""
    assert note.currency == "EUR" and cells[3] == f"€{note.total_amount:,.2f}"
    assert f'href="/customer/invoices/{note.id}">{note.invoice_number}</a>' in note_row
    assert "data-oi-pay>" not in note_row and cells[5] == "View"
    row = re.search(rf'<tr data-invoice-id="{inv.id}">.*?</tr>', listing, re.S).group(0)
    assert "Voided" in text_of(row) and "data-oi-pay>" not in row
    page = carla.get(f"/customer/invoices/{inv.id}").get_data(as_text=True)
    assert "Voided" in text_of(page) and "data-oi-pay>" not in page
    assert f'href="/customer/invoices/{note.id}">{note.invoice_number}</a>' in page
    for language, said in (("en", r" of .+?: €"), ("fr", r" du .+? : [\d\s\u202f]+,\d\d"), ("ja", r" （.+?）：€")):
        item = re.search(rf'<li data-credit-note-id="{note.id}">(.*?)</li>', carla.get(
            f"/customer/invoices/{inv.id}", headers={"Accept-Language": language}).get_data(as_text=True)).group(1)
        assert re.search(note.invoice_number + said, text_of(item)), (language, text_of(item))
    cn_page = carla.get(f"/customer/invoices/{note.id}").get_data(as_text=True)
    assert f"Credit Note {note.invoice_number}" in text_of(cn_page)
    assert f'id="oi-credited-invoice" href="/customer/invoices/{inv.id}">{inv.invoice_number}</a>' in cn_page
    assert "data-oi-pay>" not in cn_page and "Amount Due" not in text_of(cn_page)
    # the department sees it too; another customer does not
    ben = _customer(shop, "ben.ortiz@acme.example")
    assert ben.get(f"/customer/invoices/{note.id}").status_code == 200
    gina = _customer(shop, "gina.park@globex.example")
    assert gina.get(f"/customer/invoices/{note.id}").status_code == 404
    assert gina.get(f"/customer/invoices/{note.id}/payment").status_code == 404


def test_a_credit_note_refunds_through_the_hosted_page_from_the_form(shop, admin):
    # the hosted-page payment and its refund API stand-in of the payment page tests
    from test_host_payments import RebateApi, _paid_through_the_shop
    rebates = RebateApi()
    admin.service.payment_methods.get("oropay").transport = rebates
    doc = _paid_through_the_shop(shop)
    [charge] = admin.service.transactions(doc.id)
    view = f"/admin/invoices/{doc.id}"
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    assert f'value="refund:{charge.id}"' in form and 'value="outside"' in form
    done = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "settlement": f"refund:{charge.id}"},
                        follow_redirects=True)
    text = text_of(done.get_data(as_text=True))
    [note] = admin.service.credit_notes_of(doc.id)
    assert f"Credit note {note.invoice_number} of" in text and "was refunded through the payment method" in text
    assert rebates.calls == 1
    refund = next(t for t in admin.service.transactions(doc.id) if t.action == "refund")
    assert refund.amount == note.total_amount and refund.parent_id == charge.id
    after = admin.service.get(doc.id)
    assert after.amount_due == 0 and after.payment_status is PaymentStatus.PAID_IN_FULL   # the credit note's refund


# ---- emailing a credit note ------------------------------------------------------------------

def _field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    return unescape(m.group(1)) if m else ""


def _body(html: str) -> str:
    return unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def test_send_to_customer_of_a_credit_note_offers_the_credit_note_email(shop, admin):
    inv = _posted_unpaid(admin)
    result = admin.service.create_credit_note(inv.id, {"lines": [{"line": 1, "quantity": "1"}]}, actor="test")
    note = documents_made(admin.service, result.credit_note.id)
    view = f"/admin/invoices/{note.id}"
    page = admin.get(view).get_data(as_text=True)
    assert f'href="{view}?dialog=email&amp;to_customer=1">Send to Customer</a>' in page
    dialog = admin.get(f"{view}?dialog=email&to_customer=1").get_data(as_text=True)
    assert '<option value="credit_note_notification_template" selected>' in dialog
    subject = _field(dialog, "subject")
    assert subject.startswith(f"Credit note {note.invoice_number} for invoice {inv.invoice_number}")
    body = _body(dialog)
    assert f"credit note {note.invoice_number} for invoice {inv.invoice_number}" in body
    due = admin.service.get(inv.id).amount_due
    assert f"reduces the amount due of invoice {inv.invoice_number} to" in body and f"{due:,}" in body
    assert "/pay" not in dialog and "Pay invoice" not in dialog
    assert f"credit-note-{note.invoice_number}.pdf" in text_of(dialog)
    # Send email (no template asked for) preselects the same template
    plain = admin.get(f"{view}?dialog=email").get_data(as_text=True)
    assert '<option value="credit_note_notification_template" selected>' in plain

    sent = admin.submit(f"{view}?dialog=email&to_customer=1", f"{view}/email", {
        "to": _field(dialog, "to"), "subject": subject, "body": body,
        "template": "credit_note_notification_template", "attach_pdf": "1", "to_customer": "1"})
    assert sent.status_code == 303
    [email] = shop[0].extensions["oro_invoices"].mail.emails(note.id)
    assert email.subject == subject and email.to == (inv.customer_user_email,)
    assert [a.sha256 for a in email.attachments] == [note.pdf.sha256]
    assert email.template == "credit_note_notification_template"
    assert [a.filename for a in email.attachments] == [f"credit-note-{note.invoice_number}.pdf"]
    # the invoice's own Send to Customer stays the invoice email
    inv_dialog = admin.get(f"/admin/invoices/{inv.id}?dialog=email&to_customer=1").get_data(as_text=True)
    assert '<option value="invoice_notification_template" selected>' in inv_dialog


def test_the_orders_invoices_tab_lists_the_credit_note_with_its_type(shop, admin):
    order = shop[1]["orders"][0]
    inv = next(i for i in admin.service.list_invoices({"order_id": order["id"]}).items if i.status == "posted")
    note = admin.service.create_credit_note(inv.id, {"full": True, "settlement": "outside"},
                                            actor="test").credit_note
    tab = admin.get(f"/admin/orders/{order['id']}?tab=oro_invoices.order_invoices").get_data(as_text=True)
    rows = {m.group(1): text_of(m.group(0))
            for m in re.finditer(r'<tr data-invoice-id="(\d+)">.*?</tr>', tab, re.S)}
    assert str(note.id) in rows and str(inv.id) in rows
    assert note.invoice_number in rows[str(note.id)]
    assert "Credit note" in rows[str(note.id)] and "Credited" in rows[str(note.id)]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", re.search(rf'<tr data-invoice-id="{note.id}">.*?</tr>', tab, re.S)
                       .group(0), re.S)
    assert cells[1] == "Credit note" and cells[3] == "—"           # type; a credit note has no due date
    assert "Invoice" in rows[str(inv.id)] and "Credit note" not in rows[str(inv.id)]


def test_a_resubmitted_credit_note_form_makes_one_credit_note(admin):
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    data = {"mode": "partial", "qty_1": "1", "reason": "Returned", "request_key": key}
    first = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", data)
    assert first.status_code == 303
    [note] = admin.service.credit_notes_of(inv.id)
    again = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", data)  # Back, then Create again
    assert again.status_code == 303 and again.headers["Location"].endswith(view)
    page = text_of(admin.get(again.headers["Location"]).get_data(as_text=True))
    assert f"Credit note {note.invoice_number} was already created from this form" in page
    assert len(admin.service.credit_notes_of(inv.id)) == 1
    # a refused form keeps its key, so fixing it and sending it makes the one credit note
    fresh = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    other = re.search(r'name="request_key" value="([^"]+)"', fresh).group(1)
    assert other != key
    refused = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                           {"mode": "partial", "qty_1": "9", "reason": "", "request_key": other})
    assert refused.status_code == 422 and f'value="{other}"' in refused.get_data(as_text=True)


def test_a_refund_naming_no_payment_is_refused_in_the_admins_language(admin):
    """Said under the form's heading of the choice (its fields' names are the API's)."""
    from oro_invoices import i18n
    inv = _posted_unpaid(admin)
    admin.service.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "5.00"})
    view = f"/admin/invoices/{inv.id}"
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "full", "settlement": "refund:first"}, headers={"Accept-Language": "de"})
    assert resp.status_code == 422
    page = text_of(resp.get_data(as_text=True))
    said = i18n.translate("de", "%(field)s: %(problem)s", field=i18n.translate("de", "Money already paid"),
                          problem=i18n.translate("de", "That payment does not exist."))
    assert said in page                                      # under the form's heading, in German
    assert "That payment does not exist." not in page and "Transaction id" not in page
    assert admin.service.get(inv.id).amount_credited == 0


def _seeded(admin: ShopClient, number: str):
    return next(i for i in admin.service.list_invoices({"organization_id": 1, "status": "posted"}, limit=100).items
                if i.invoice_number == number)


def test_a_credit_on_a_partly_paid_invoice_says_it_is_partly_paid(admin):
    inv = _seeded(admin, "INV-2026-12-00002")          # 316.06 EUR, 158.03 paid; line 1: 40 pairs of gloves
    view = f"/admin/invoices/{inv.id}"
    first = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", "qty_1": "10"})
    assert first.status_code == 303                      # within what is unpaid: no settlement asked
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", "qty_1": "30"})
    assert resp.status_code == 422
    said = text_of(re.search(r'role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S).group(1))
    assert said.startswith(f"Money already paid: Invoice {inv.invoice_number} is partly paid (€158.03 of "
                           "€259.53): this credit leaves €89.95 to pay, so it gives €68.08 back to the customer.")
    assert "is paid:" not in said


def _zero_rated(admin: ShopClient):
    """A posted EUR invoice: line 1, 9 × 120.00 and line 2, 5 × 100.00, both at 0 %."""
    return posted_for_seeded_customer(admin.service, currency="EUR", lines=[
        {"description": "Export pallet", "quantity": "9", "unit_price": "120.00", "tax_rate": "0"},
        {"description": "Export crate", "quantity": "5", "unit_price": "100.00", "tax_rate": "0"}])


def _alert(resp) -> str:
    return text_of(re.search(r'role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S).group(1))


def test_the_form_shows_what_amounts_credited_at_a_rate_leave_of_its_lines(admin):
    inv = _zero_rated(admin)
    view = f"/admin/invoices/{inv.id}"
    done = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", "amount_0": "600.00"})
    assert done.status_code == 303
    # 980.00 remain at 0 %: 8 pallets (960.00) and all 5 crates (500.00) still fit, one at a time
    rows = text_of(admin.get(f"{view}/credit-notes/new").get_data(as_text=True))
    assert "1 Export pallet 0% 9 €120.00 8 (€960.00)" in rows
    assert "2 Export crate 0% 5 €100.00 5 (€500.00)" in rows
    assert "At 0% tax (up to €980.00)" in rows
    # 9 pallets: refused under the line, saying why
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", "qty_1": "9"})
    assert resp.status_code == 422
    assert _alert(resp) == ("Line 1 (Export pallet): at most 8 of 9 remain creditable, as amounts credited at 0% "
                            "tax leave €980.00 (net) at that rate; 9 asked.")
    # each line fits, both together do not: the refusal is under the quantity typed, not "Amounts"
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "8", "qty_2": "5"})
    assert resp.status_code == 422
    said = _alert(resp)
    assert said == ("Quantity of line 2 to credit: At 0% tax at most €980.00 (net) remain creditable; this credit "
                    "note would take €1,460.00.")
    assert "Amounts" not in said
    assert len(admin.service.credit_notes_of(inv.id)) == 1
    ok = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes", {"mode": "partial", "qty_1": "8"})
    assert ok.status_code == 303
    assert admin.service.get(inv.id).amount_credited == Decimal("1560.00")


def test_the_credit_note_form_takes_the_buyers_reference_the_credit_note_states(admin):
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    form = admin.get(f"{view}/credit-notes/new").get_data(as_text=True)
    assert '<label class="oi-label" for="oi-credit-buyer-reference">Buyer reference</label>' in form
    assert "The buyer's reference (BT-10) the credit note's e-invoice states" in text_of(form)
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "reason": "Returned", "buyer_reference": "x" * 256})
    assert resp.status_code == 422
    assert "Buyer reference: At most 255 characters." in text_of(resp.get_data(as_text=True))
    assert admin.service.credit_notes_of(inv.id) == []
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "reason": "Returned", "buyer_reference": "PO-4471"})
    assert resp.status_code == 303
    [note] = admin.service.credit_notes_of(inv.id)
    assert admin.service.get(note.id).buyer.reference == "PO-4471"


@pytest.mark.parametrize("reference,character", [("\u200b", "U+200B ZERO WIDTH SPACE"),
                                                 ("PO-44\u00ad71", "U+00AD SOFT HYPHEN"),
                                                 ("PO-4471\u2028", "U+2028 LINE SEPARATOR")])
def test_a_buyers_reference_with_an_invisible_character_is_refused_naming_it(admin, reference, character):
    """A zero-width space alone was stated as the credit note's BT-10: Peppol's R003 met by nothing."""
    inv = _posted_unpaid(admin)
    view = f"/admin/invoices/{inv.id}"
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "reason": "Returned", "buyer_reference": reference})
    assert resp.status_code == 422
    assert (f"Buyer reference: Must not contain {character}: an invisible character, which the e-invoice would "
            "state without anyone seeing it.") in text_of(resp.get_data(as_text=True))
    assert admin.service.credit_notes_of(inv.id) == []
