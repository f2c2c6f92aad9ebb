"""Every form that starts a payment or moves money carries a one-time key: sent without it, it
is refused as damaged (422, the form shown again) and nothing is paid, refunded or applied."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import update
from support.payloads import posted_for_seeded_customer
from test_host_customer_credit import CREDIT_PAGE, dialog_fields, paid_and_credited, pay_out_fields
from test_host_payments import _paid_through_the_shop, configure, customer, doc_of, hidden_fields, rebates  # noqa: F401
from test_host_storefront_credit import acme_credit, credit_form

from oro_invoices import i18n
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.persistence.models import PaymentTransaction

DAMAGED = "The payment form is damaged; reload the page and try again."


def post_without_key(client: ShopClient, page_url: str, action: str, data: dict[str, str]):
    """POST ``data`` with the CSRF token of ``page_url`` but no ``request_key``."""
    token = form_token(client.get(page_url).get_data(as_text=True))
    return client.client.post(action, data={**{k: v for k, v in data.items() if k != "request_key"},
                                            "csrf_token": token})


def test_a_refund_form_without_its_key_is_refused_and_refunds_nothing(shop, admin, rebates):  # noqa: F811
    doc = _paid_through_the_shop(shop)
    [charge] = admin.service.transactions(doc.id)
    dialog = f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}"
    action = f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund"
    for _ in range(2):                                         # sent again: refused again
        answer = post_without_key(admin, dialog, action, {"amount": "1.00", "notes": "Damaged box"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and 'id="oi-refund-dialog"' in html
        assert DAMAGED in text_of(html) and 'name="amount" value="1.00"' in html   # the form as it was sent
        assert re.search(r'name="request_key" value="[^"]+"', html)                # with a key to send it again
    assert rebates.calls == 0
    assert [t.action for t in admin.service.transactions(doc.id)] == ["charge"]


def test_a_cancel_authorization_form_without_its_key_is_refused(shop, admin, rebates):  # noqa: F811
    doc = _paid_through_the_shop(shop)
    [payment] = admin.service.transactions(doc.id)
    with admin.service.db.engine.begin() as conn:  # OroPay charges at once; as if it had authorized
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.id == payment.id).values(action="authorize"))
    dialog = f"/admin/invoices/{doc.id}?dialog=cancel-authorization&transaction={payment.id}"
    answer = post_without_key(admin, dialog, f"/admin/invoices/{doc.id}/transactions/{payment.id}/cancel",
                              {"notes": ""})
    assert answer.status_code == 422 and 'id="oi-cancel-dialog"' in answer.get_data(as_text=True)
    assert DAMAGED in text_of(answer.get_data(as_text=True))
    assert rebates.calls == 0 and [t.action for t in admin.service.transactions(doc.id)] == ["authorize"]


def test_the_storefront_and_guest_pay_forms_without_their_key_start_nothing(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    for page in (f"/customer/invoices/{doc.id}/payment", f"/invoices/pay/{doc.payment_token}"):
        html = client.get(page).get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', html).group(1)
        fields = {k: v for k, v in hidden_fields(html).items() if k != "request_key"}
        for _ in range(2):
            answer = client.client.post(action, data=fields)
            shown = answer.get_data(as_text=True)
            assert answer.status_code == 422, page
            assert DAMAGED in text_of(shown) and 'id="oi-payment-form"' in shown   # the payment page again
            assert 'action="http://hpp.test/pay"' not in shown                      # not handed to the provider
    with client.service.db.session() as s:
        from oro_invoices.persistence.models import PaymentAttempt
        assert s.query(PaymentAttempt).filter_by(invoice_id=doc.id).count() == 0


def test_apply_credit_forms_without_their_key_apply_nothing(shop, admin):
    configure(shop[0])
    # the back-office dialog
    service = admin.service
    paid_and_credited(service)
    other = posted_for_seeded_customer(service)
    view = f"/admin/invoices/{other.id}"
    fields = dialog_fields(admin, f"{view}?dialog=apply-credit", "oi-apply-credit-dialog")
    answer = post_without_key(admin, f"{view}?dialog=apply-credit", f"{view}/apply-credit", fields)
    assert answer.status_code == 422 and 'id="oi-apply-credit-dialog"' in answer.get_data(as_text=True)
    assert DAMAGED in text_of(answer.get_data(as_text=True))
    assert service.get(other.id).amount_paid == 0
    # the storefront's Apply on the payment page
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "50.00")
    doc = doc_of(client, "ERP-SO-1003-3")
    action, fields = credit_form(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    answer = client.client.post(action, data={k: v for k, v in fields.items() if k != "request_key"})
    assert answer.status_code == 422 and DAMAGED in text_of(answer.get_data(as_text=True))
    assert "Your credit with us: €50.00." in text_of(answer.get_data(as_text=True))    # still there to apply
    assert client.service.get(doc.id).amount_paid == 0


def test_give_back_credit_without_its_key_gives_nothing_back(admin):
    kept = paid_and_credited(admin.service)
    customer_id = kept.invoice.customer_id
    page = f"{CREDIT_PAGE}?customer={customer_id}"
    answer = post_without_key(admin, page, f"{CREDIT_PAGE}/pay-out?customer={customer_id}",
                              {**pay_out_fields(admin, customer_id), "amount": "7.00"})
    assert answer.status_code == 422 and DAMAGED in text_of(answer.get_data(as_text=True))
    assert 'id="oi-pay-out-form"' in answer.get_data(as_text=True)
    balances = admin.service.customer_credit_of(customer_id, organization_id=1).balances
    assert [(b.currency, b.amount) for b in balances] == [("USD", Decimal("107.00"))]


def test_a_credit_note_form_without_its_key_is_refused(admin):
    doc = posted_for_seeded_customer(admin.service)
    form = f"/admin/invoices/{doc.id}/credit-notes/new"
    answer = post_without_key(admin, form, f"/admin/invoices/{doc.id}/credit-notes",
                              {"mode": "full", "reason": "Returned"})
    assert answer.status_code == 422
    assert "The credit note form is damaged; open Create Credit Note again." in text_of(answer.get_data(as_text=True))
    assert admin.service.get(doc.id).amount_credited == 0


def test_a_pay_form_whose_key_was_tampered_with_is_refused_in_the_pages_language(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    acme_credit(client, "50.00")
    doc = doc_of(client, "ERP-SO-1003-3")
    japanese = {"Accept-Language": "ja"}
    damaged = i18n.translate("ja", DAMAGED)
    assert damaged != DAMAGED
    html = client.get(f"/customer/invoices/{doc.id}/payment", headers=japanese).get_data(as_text=True)
    pay = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', html).group(1)
    credit_action, credit_fields = credit_form(html)
    for action, fields in ((pay, hidden_fields(html)), (credit_action, credit_fields)):
        answer = client.client.post(action, data={**fields, "request_key": "not a key!"}, headers=japanese,
                                    follow_redirects=True)
        shown = text_of(answer.get_data(as_text=True))
        assert damaged in shown and "The payment form is damaged" not in shown, action
    assert client.service.get(doc.id).amount_paid == 0
    with client.service.db.session() as s:
        from oro_invoices.persistence.models import PaymentAttempt
        assert s.query(PaymentAttempt).filter_by(invoice_id=doc.id).count() == 0
