"""Pay Selected in the reference shop: ticking open invoices in Account > Invoices, the page of the
chosen invoices, one payment on the hosted page, the result, the receipt, and refunding one share."""
from __future__ import annotations

import re
from decimal import Decimal

from test_host_payments import RebateApi, configure, customer, doc_of, follow, hidden_fields, hpp_answer
from werkzeug.datastructures import MultiDict

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of

PAGE = "/customer/invoices/payment"
OPEN = ("ERP-SO-1002-2", "ERP-SO-1003-3")


def chosen(client, *external_ids):
    docs = [doc_of(client, e) for e in external_ids]
    return docs, PAGE + "?" + "&".join(f"invoice={d.id}" for d in docs)


def form_fields(page: str) -> MultiDict:
    """The hidden fields of the page's payment form (every invoice chosen, the total, the keys)."""
    form = page.split('id="oi-payment-form"', 1)[1].split("</form>", 1)[0]
    return MultiDict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def proceed(client: ShopClient, url: str):
    page = client.get(url).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    return client.client.post(action, data=form_fields(page))


def paid_together(shop, buyer="ben.ortiz@acme.example"):
    client = customer(shop, buyer)
    docs, url = chosen(client, *OPEN)
    handover = proceed(client, url)
    reply, _request = hpp_answer(client, handover.get_data(as_text=True))
    return client, docs, reply


def test_open_invoices_can_be_ticked_and_paid_together(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    listing = client.get("/customer/invoices").get_data(as_text=True)
    assert 'id="oi-pay-selected"' in listing and "Pay Selected" in text_of(listing)
    rows = dict(re.findall(r'<tr data-invoice-id="(\d+)">(.*?)</tr>', listing, re.S))
    paid = doc_of(client, "ERP-SO-1001-1")
    docs = [doc_of(client, e) for e in OPEN]
    for doc in docs:
        assert f'name="invoice" value="{doc.id}" form="oi-pay-selected"' in rows[str(doc.id)]
        assert f'aria-label="Select invoice {doc.invoice_number} to pay"' in rows[str(doc.id)]
    assert 'name="invoice"' not in rows[str(paid.id)]          # paid: nothing to tick
    # Pay Selected follows the boxes, so that the keyboard reaches it after ticking them
    assert listing.rindex('form="oi-pay-selected"') < listing.index('id="oi-pay-selected-button"')
    page = client.get(PAGE + "?" + "&".join(f"invoice={d.id}" for d in docs))
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    total = sum((d.amount_due for d in docs), Decimal(0))
    assert "Pay Invoices" in text and f"Total to pay €{total:,.2f}" in text
    for doc in docs:
        assert f"{doc.invoice_number}" in text and f"€{doc.amount_due:,.2f}" in text
    assert "Payment method: OroPay" in text and "Each invoice is paid in full." in text


def test_one_payment_on_the_hosted_page_pays_each_invoice(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    total = sum((d.amount_due for d in docs), Decimal(0))
    handover = proceed(client, url)
    html = handover.get_data(as_text=True)
    assert handover.status_code == 200 and "Pay Invoices" in text_of(html)
    request = hidden_fields(html)
    assert request["AMOUNT"] == str(int(total * 100))
    reply, _ = hpp_answer(client, html)
    numbers = ", ".join(d.invoice_number for d in docs)
    assert f"Your payment for invoices {numbers} was received." in text_of(reply.get_data(as_text=True))
    result = follow(client, reply)
    text = text_of(result.get_data(as_text=True))
    assert f"Payment Successful! Invoices {numbers} were successfully processed." in text
    assert f"Amount paid: €{total:,.2f}" in text
    for doc in docs:
        now = client.service.get(doc.id)
        assert now.payment_status is PaymentStatus.PAID_IN_FULL and now.amount_due == 0
        assert f"€{doc.amount_due:,.2f}" in text
        [share] = [t for t in client.service.transactions(doc.id) if t.method == "oropay"]
        assert share.amount == doc.amount_due
        assert f'href="/customer/invoices/{doc.id}/payments/{share.id}/receipt" download' in \
            result.get_data(as_text=True)
    # the list offers nothing to pay any more
    listing = client.get("/customer/invoices").get_data(as_text=True)
    assert "data-oi-pay>" not in listing


def test_the_back_office_shows_each_share_and_refunds_one_on_its_own(shop, admin):
    configure(shop[0])
    api = RebateApi()
    shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay").transport = api
    _client, docs, _reply = paid_together(shop)
    first, second = docs
    view = admin.get(f"/admin/invoices/{second.id}").get_data(as_text=True)
    [share] = [t for t in admin.service.transactions(second.id) if t.method == "oropay"]
    row = text_of(re.search(rf'<tr data-transaction-id="{share.id}">(.*?)</tr>', view, re.S).group(1))
    total = first.amount_due + second.amount_due
    assert f"Share of €{total:,.2f} received for {first.invoice_number}, {second.invoice_number}" in row
    # the payment's reference at the provider, which the first invoice's share carries
    [lead] = [t for t in admin.service.transactions(first.id) if t.method == "oropay"]
    assert lead.provider_reference and f"Yes {lead.provider_reference} Share of" in row
    action = f"/admin/invoices/{second.id}/transactions/{share.id}/refund"
    done = admin.submit(f"/admin/invoices/{second.id}", action, {"amount": "10.00", "notes": "Goodwill"},
                        follow_redirects=True)
    assert "has been refunded successfully" in text_of(done.get_data(as_text=True)) and api.calls == 1
    assert admin.service.get(second.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY
    assert admin.service.get(first.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_each_customer_user_is_emailed_the_receipt_of_their_invoice_and_the_payer_a_copy(shop, admin):
    """Ben pays his own invoice and Carla's together: each invoice's customer user gets its receipt,
    and Ben, who paid, is copied on Carla's."""
    configure(shop[0]).set("oro_invoices.mail.payment_receipts", True)
    _client, docs, _reply = paid_together(shop)
    mail = admin.app.extensions["oro_invoices"].mail
    bens, carlas = docs
    [own] = mail.emails(bens.id)
    [theirs] = mail.emails(carlas.id)
    assert (own.to, own.cc) == (("ben.ortiz@acme.example",), ())
    assert (theirs.to, theirs.cc) == (("carla.nguyen@acme.example",), ("ben.ortiz@acme.example",))
    text = mail.email_bodies(theirs.id)[2]
    assert (f"ben.ortiz@acme.example paid €{carlas.amount_due:,.2f} for invoice {carlas.invoice_number}; a copy "
            "of this receipt went to them.") in text
    assert "thank you for your payment" not in text           # Carla did not pay it
    assert "thank you for your payment of" in mail.email_bodies(own.id)[2]
    assert f"Invoice {carlas.invoice_number} is now paid in full." in text


def test_a_declined_payment_leaves_the_invoices_open_and_leads_back(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    reply, _ = hpp_answer(client, proceed(client, url).get_data(as_text=True), result="101")
    assert "was not accepted" in text_of(reply.get_data(as_text=True))
    result = follow(client, reply)
    html = result.get_data(as_text=True)
    assert "Payment Error!" in text_of(html) and "could not be processed" in text_of(html)
    assert f'href="{url.replace("&", "&amp;")}"' in html             # Back to Payment Page: the same invoices
    for doc in docs:
        assert client.service.get(doc.id).payment_status is not PaymentStatus.PAID_IN_FULL


def test_what_cannot_be_paid_together_is_said_before_anything_starts(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, "ERP-SO-1001-1", "ERP-SO-1003-3")      # the first is paid
    html = client.get(url).get_data(as_text=True)
    text = text_of(html)
    assert "Some of the chosen invoices cannot be paid online now." in text
    assert f"Invoice {docs[0].invoice_number} cannot be paid: nothing is due (Paid in full)." in text
    assert 'id="oi-payment-form"' not in html
    # nothing chosen; one chosen goes to its own page (where part can be paid)
    none = client.get(PAGE)
    assert "Choose the invoices to pay" in text_of(none.get_data(as_text=True))
    one = client.get(f"{PAGE}?invoice={docs[1].id}")
    assert one.status_code in (302, 303) and one.headers["Location"].endswith(f"/customer/invoices/{docs[1].id}/payment")


def test_only_invoices_the_role_shows_can_be_chosen(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    mine = doc_of(client, "ERP-SO-1003-3")
    other = customer(shop, "gina.park@globex.example")
    theirs = [i for i in other.service.list_invoices({"customer_id": None}, limit=200).items
              if i.customer_name.startswith("Globex")]
    assert theirs
    for query in (f"invoice={mine.id}&invoice={theirs[0].id}", f"invoice={mine.id}&invoice=abc",
                  f"invoice={mine.id}&invoice=99999999999999999999999"):
        assert client.get(f"{PAGE}?{query}").status_code == 404, query
    # nor can a posted form name them
    page = client.get(f"{PAGE}?invoice={mine.id}&invoice={doc_of(client, 'ERP-SO-1002-2').id}").get_data(as_text=True)
    fields = MultiDict([(k, str(theirs[0].id) if (k, v) == ("invoice", str(mine.id)) else v)
                        for k, v in form_fields(page).items(multi=True)])
    assert client.client.post(PAGE, data=fields).status_code == 404


def test_the_form_needs_its_csrf_token_and_the_pay_permission(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    fields = form_fields(client.get(url).get_data(as_text=True))
    fields.pop("csrf_token")
    assert client.client.post(PAGE, data=fields).status_code in (400, 403)
    assert all(client.service.transactions(d.id) == [] or d.amount_paid for d in docs)


def test_a_total_changed_meanwhile_is_said_and_nothing_starts(shop, admin):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    fields = form_fields(client.get(url).get_data(as_text=True))
    admin.service.record_payment(docs[1].id, {"method": "manual", "action": "charge", "amount": "1.00"})
    answer = client.client.post(PAGE, data=fields)
    assert answer.status_code == 409
    assert "What is due on these invoices changed meanwhile" in text_of(answer.get_data(as_text=True))


def test_with_a_method_that_pays_one_invoice_at_a_time_nothing_can_be_ticked(shop):
    configure(shop[0])
    method = shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay")
    method.pays_several = lambda config: False
    client = customer(shop, "ben.ortiz@acme.example")
    listing = client.get("/customer/invoices").get_data(as_text=True)
    assert 'id="oi-pay-selected"' not in listing and 'form="oi-pay-selected"' not in listing
    _docs, url = chosen(client, *OPEN)
    assert "OroPay takes one invoice at a time here" in text_of(client.get(url).get_data(as_text=True))


def test_a_posted_form_is_checked_as_the_page_made_it(shop):
    """One invoice goes to its own page; a form without its total or key is damaged; ids written
    twice count once."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    fields = form_fields(client.get(url).get_data(as_text=True))
    one = MultiDict([(k, v) for k, v in fields.items(multi=True) if not (k == "invoice" and v == str(docs[1].id))])
    answer = client.client.post(PAGE, data=one)
    assert answer.status_code in (302, 303) and answer.headers["Location"].endswith(f"/customer/invoices/{docs[0].id}/payment")
    for missing in ("total", "request_key"):
        damaged = MultiDict([(k, v) for k, v in fields.items(multi=True) if k != missing])
        answer = client.client.post(PAGE, data=damaged)
        assert answer.status_code == 422, missing
        assert "The payment form is damaged; reload the page and try again." in text_of(answer.get_data(as_text=True))
    assert all(client.service.transactions(d.id) == [] or d.amount_paid for d in docs)
    twice = client.get(f"{PAGE}?invoice={docs[0].id}&invoice=0{docs[0].id}&invoice={docs[1].id}").get_data(as_text=True)
    assert twice.count(f'<tr data-invoice-id="{docs[0].id}"') == 1
    too_many = client.get(PAGE + "?" + "&".join(f"invoice={n}" for n in range(1, 502)))
    assert too_many.status_code == 422
    assert "Invoices: One payment pays at most 50 invoices; 501 were chosen." in text_of(too_many.get_data(as_text=True))


def test_when_one_was_paid_meanwhile_the_others_can_still_be_paid(shop, admin):
    configure(shop[0])
    client = customer(shop, "amanda.cole@acme.example")
    docs, url = chosen(client, "ERP-SO-1002-2", "ERP-SO-1003-3", "ERP-SO-1005-5")
    admin.service.record_payment(docs[0].id, {"method": "manual", "action": "charge",
                                              "amount": str(docs[0].amount_due)})
    html = client.get(url).get_data(as_text=True)
    link = re.search(r'id="oi-pay-the-rest" href="([^"]+)"', html)
    assert "Pay the 2 invoices that can be paid" in text_of(html)
    assert link.group(1).replace("&amp;", "&") == f"{PAGE}?invoice={docs[1].id}&invoice={docs[2].id}"


def test_money_over_what_was_due_is_said_on_the_result_page(shop, admin):
    """The customer pays two invoices; one is paid by bank transfer while they are at the hosted page:
    the payment is recorded, and the result page says what of it is kept as their credit."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    handover = proceed(client, url).get_data(as_text=True)
    admin.service.record_payment(docs[1].id, {"method": "manual", "action": "charge",
                                              "amount": str(docs[1].amount_due)})
    reply, _ = hpp_answer(client, handover)
    text = text_of(follow(client, reply).get_data(as_text=True))
    assert (f"€{docs[1].amount_due:,.2f} of it was over what was still due (paid or credited meanwhile): it is "
            "kept as your credit for your next invoices.") in text


def test_what_an_authorization_holds_is_left_out_of_the_payment(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, *OPEN)
    client.service.record_payment(docs[1].id, {"method": "stripe", "action": "authorize", "amount": "100.00",
                                               "provider_reference": "pi_held_by_the_erp"})
    html = client.get(url).get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{docs[1].id}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    rest = docs[1].amount_due - 100
    assert f"€{rest:,.2f}" in text_of(row)
    assert f"Total to pay €{docs[0].amount_due + rest:,.2f}" in text_of(html)


def test_the_hosted_page_is_told_who_pays_and_a_paid_form_sent_again_shows_its_result(shop):
    """Ben pays Carla's invoice and his own: the hosted page gets Ben's address. The same form sent
    again once paid shows the payment's result, not a refusal."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    docs, url = chosen(client, "ERP-SO-1003-3", "ERP-SO-1002-2")            # Carla's first
    page = client.get(url).get_data(as_text=True)
    fields = form_fields(page)
    handover = client.client.post(PAGE, data=fields).get_data(as_text=True)
    request = hidden_fields(handover)
    assert request["HPP_CUSTOMER_EMAIL"] == "ben.ortiz@acme.example"
    reply, _ = hpp_answer(client, handover)
    result = follow(client, reply)
    again = client.client.post(PAGE, data=fields)
    assert again.status_code in (302, 303) and again.headers["Location"] == result.request.path
