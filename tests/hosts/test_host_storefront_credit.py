"""A customer user applies their customer's credit on an invoice's payment page, then pays the rest."""
from __future__ import annotations

import re
from decimal import Decimal

from support.days import after_seeded_invoices, shown
from support.payloads import invoice_payload
from test_host_payments import configure, customer, doc_of

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import text_of


def acme_credit(client, amount: str) -> None:
    """Acme's credit: what a bank transfer brought over its partly paid invoice's amount due."""
    partial = doc_of(client, "ERP-SO-1002-2")
    client.service.record_received_payment(partial.id, amount=str(partial.amount_due + Decimal(amount)),
                                           method="bank_transfer", received_on=after_seeded_invoices(), actor="admin",
                                           request_key="k" * 24, keep_surplus=True)


def credit_form(html: str) -> tuple[str, dict[str, str]]:
    section = html.split('id="oi-apply-credit"', 1)[1].split("</section>", 1)[0]
    action = re.search(r'<form method="post" action="([^"]+)"', section).group(1)
    return action, dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', section))


def test_a_department_user_applies_the_credit_then_pays_the_rest(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "50.00")
    doc = doc_of(client, "ERP-SO-1003-3")                                   # €261.84 due
    html = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    text = text_of(html)
    assert "Your credit with us: €50.00. Apply €50.00 of it to this invoice Once it is applied, pay the rest here." in text
    action, fields = credit_form(html)
    done = client.client.post(action, data=fields)
    assert done.status_code in (302, 303) and done.headers["Location"].endswith(f"/customer/invoices/{doc.id}/payment")
    after = client.service.get(doc.id)
    assert (after.amount_due, after.payment_status) == (Decimal("211.84"), PaymentStatus.PAID_PARTIALLY)
    shown = text_of(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert "€50.00 of your credit was applied to invoice" in shown and "Amount Due €211.84" in shown
    assert "Your credit with us" not in shown                                # spent
    assert client.client.post(action, data=fields).status_code in (302, 303)   # the same form again: once
    assert client.service.get(doc.id).amount_due == Decimal("211.84")
    [applied] = [a for a in client.service.activities(doc.id)
                 if a.actor == "ben.ortiz@acme.example" and a.kind == "payment"]
    assert "50.00" in str(applied.summary)                                  # who applied it, in the activity


def test_credit_larger_than_the_invoice_pays_it_and_leads_to_the_invoice(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "300.00")
    doc = doc_of(client, "ERP-SO-1003-3")
    html = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert "Apply €261.84 of it to this invoice" in text_of(html) and "pay the rest here" not in text_of(html)
    action, fields = credit_form(html)
    done = client.client.post(action, data=fields)
    assert done.headers["Location"].endswith(f"/customer/invoices/{doc.id}")
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert client.service.customer_credit.available(client.service.get(doc.id)) == Decimal("38.16")


def test_the_same_form_sent_again_after_it_paid_the_invoice_says_it_was_applied_before(shop):
    """A double click on Apply: the first paid the invoice in full; the second is told the credit was
    applied before, not that the invoice can no longer be paid."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "300.00")
    doc = doc_of(client, "ERP-SO-1003-3")
    action, fields = credit_form(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    client.client.post(action, data=fields)
    again = client.client.post(action, data=fields, follow_redirects=True)
    text = text_of(again.get_data(as_text=True))
    assert "This credit was applied before; it was not applied again." in text
    assert "can no longer be paid here" not in text
    assert client.service.customer_credit.available(client.service.get(doc.id)) == Decimal("38.16")


def test_who_may_not_apply_the_credit_sees_none_and_is_refused(shop):
    settings = configure(shop[0])
    ben = customer(shop, "ben.ortiz@acme.example")
    acme_credit(ben, "50.00")
    doc = doc_of(ben, "ERP-SO-1003-3")
    action, fields = credit_form(ben.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    # Carla sees her own invoices only: not the customer's account, so not its credit
    carla = customer(shop, "carla.nguyen@acme.example")
    assert "Your credit with us" not in carla.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert carla.client.post(action, data={**fields, "csrf_token": carla_token(carla, doc)}).status_code == 403
    # the guest link never shows it
    guest = ben.service.pay_link(ben.service.get(doc.id)).replace("http://localhost", "")
    assert "Your credit with us" not in ben.client.get(guest).get_data(as_text=True)
    # no CSRF token: refused
    without = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert ben.client.post(action, data=without).status_code in (400, 403)
    # switched off: nothing shown, nothing applied
    settings.set("oro_invoices.customer_credit.customers_apply", False)
    assert "Your credit with us" not in ben.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert ben.client.post(action, data=fields).status_code == 403
    assert ben.service.get(doc.id).amount_due == Decimal("261.84")


def carla_token(client, doc) -> str:
    html = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_no_credit_is_applied_to_an_invoice_paid_on_the_sellers_own_page(shop):
    """An invoice with an external payment URL is paid there for its whole amount: credit applied
    here would have the customer pay twice."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "50.00")
    mine = doc_of(client, "ERP-SO-1002-2")                                   # Ben's own: his customer
    payload = invoice_payload(external_id="ERP-EXT-1", currency="EUR", organization_id=mine.organization_id,
                              customer_id=mine.customer_id, customer_user_id=mine.customer_user_id,
                              customer_user_email=mine.customer_user_email, customer_name=mine.customer_name,
                              order_id=None, order_identifier=None, external_payment_url="https://pay.example/x")
    doc = client.service.post(client.service.create(payload, actor="erp").id, actor="erp")
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert "Your credit with us" not in page                                  # not offered
    open_ = doc_of(client, "ERP-SO-1003-3")
    action, fields = credit_form(client.get(f"/customer/invoices/{open_.id}/payment").get_data(as_text=True))
    answer = client.client.post(action.replace(f"/{open_.id}/", f"/{doc.id}/"), data=fields)
    assert answer.status_code in (302, 303)
    shown = text_of(client.get(answer.headers["Location"]).get_data(as_text=True))
    assert "is paid on the seller's payment page, so credit cannot be applied to it here." in shown
    assert client.service.get(doc.id).amount_due == doc.amount_due


def test_a_corporate_user_applies_a_sub_customers_credit_to_its_invoice_and_sees_it_in_the_balance(shop):
    configure(shop[0])
    amanda = customer(shop, "amanda.cole@acme.example")                    # corporate: Acme and its branch
    paid = doc_of(amanda, "ERP-SO-1005-5")                                  # the Berlin branch's
    fields = {name: getattr(paid, name) for name in ("customer_id", "customer_user_id", "customer_user_email",
                                                     "customer_name", "organization_id", "website_id", "currency")}
    doc = amanda.service.post(amanda.service.create(invoice_payload(
        external_id="ERP-BERLIN-2", order_id=None, order_identifier="", **fields), actor="erp").id, actor="erp")
    amanda.service.record_received_payment(paid.id, amount=str(paid.amount_due + Decimal("40.00")),
                                           method="bank_transfer", received_on=after_seeded_invoices(),
                                           actor="admin", request_key="b" * 24, keep_surplus=True)
    listing = text_of(amanda.get("/customer/invoices").get_data(as_text=True))
    assert "Credit of Acme Industries – Berlin Branch with us: €40.00 (not yet applied to an invoice)." in listing
    assert "Your credit with us" not in listing                              # Acme itself holds none
    html = amanda.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert "Credit of Acme Industries – Berlin Branch with us: €40.00. Apply €40.00 of it to this invoice" in text_of(html)
    due = doc.amount_due
    action, form = credit_form(html)
    assert amanda.client.post(action, data=form).status_code in (302, 303)
    assert amanda.service.get(doc.id).amount_due == due - Decimal("40.00")
    assert amanda.service.customer_credit.available(doc) == 0
    # Ben sees Acme's own account only: not the branch's invoice, nor its credit
    ben = customer(shop, "ben.ortiz@acme.example")
    assert ben.get(f"/customer/invoices/{doc.id}/payment").status_code == 404
    assert "Berlin Branch with us" not in text_of(ben.get("/customer/invoices").get_data(as_text=True))


def test_the_invoice_page_dates_a_payment_by_its_day_received_and_says_what_of_it_became_credit(shop):
    """A transfer keyed in today that arrived some days before, €50 over what was due."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "50.00")
    partial = doc_of(client, "ERP-SO-1002-2")
    text = text_of(client.get(f"/customer/invoices/{partial.id}").get_data(as_text=True))
    payments = text.split("Payments", 1)[1]
    assert f"{shown(after_seeded_invoices())} Bank transfer" in payments
    assert "€50.00 of it over the amount due: kept as your credit with us" in payments
