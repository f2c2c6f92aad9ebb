"""An amount typed that is no number is told how to write one with the decimals of the invoice's
currency ("1,234" in JPY, "1,234.500" in BHD), in every dialog and page that reads one."""
from __future__ import annotations

import re

import pytest
from support.payloads import posted_for_seeded_customer
from test_host_payments import configure, customer, hidden_fields, hpp_answer, proceed
from test_host_record_payment import errors_beside, record_form
from test_host_remittance import PAYMENT, form_of, query

from oro_invoices.hosts.reference.testing import text_of

LINES = {"JPY": "12345", "BHD": "123.456", "KWD": "123.456", "USD": "123.45"}
EXAMPLES = {"JPY": "1,234", "BHD": "1,234.500", "KWD": "1,234.500", "USD": "1,234.50"}


def posted_in(service, currency: str):
    return posted_for_seeded_customer(service, currency=currency,
                                      lines=[{"description": "x", "quantity": "1", "unit_price": LINES[currency]}])


@pytest.mark.parametrize("currency", ["JPY", "BHD", "KWD", "USD"])
def test_record_payment_says_how_to_write_an_amount_of_the_invoices_currency(admin, currency):
    doc = posted_in(admin.service, currency)
    view = f"/admin/invoices/{doc.id}"
    refused = admin.submit(view, f"{view}/payments", {**record_form(admin, view), "amount": "abc"})
    assert refused.status_code == 422
    assert errors_beside(refused.get_data(as_text=True))["amount"] == \
        f"'abc' is not a decimal number: write it like {EXAMPLES[currency]}."


@pytest.mark.parametrize("currency", ["JPY", "BHD"])
def test_the_refund_dialog_and_the_partial_payment_say_how_to_write_an_amount(shop, admin, currency):
    configure(shop[0], partial=True, minimum="1")
    doc = posted_in(admin.service, currency)
    buyer = customer(shop, doc.customer_user_email)
    page = f"/customer/invoices/{doc.id}/payment"
    form = hidden_fields(buyer.get(page).get_data(as_text=True))
    refused = buyer.client.post(page, data={**form, "amount": "abc"})
    said = text_of(re.search(r'id="oi-payment-error">(.*?)</div>', refused.get_data(as_text=True), re.S).group(1))
    assert refused.status_code == 422 and said.endswith(
        f"'abc' is not a decimal number: write it like {EXAMPLES[currency]}."), said

    hpp_answer(buyer, proceed(buyer, page).get_data(as_text=True))
    [charge] = admin.service.transactions(doc.id)
    dialog = f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}"
    refused = admin.submit(dialog, f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund",
                           {"amount": "abc", "notes": ""})
    assert refused.status_code == 422
    assert f"Amount: 'abc' is not a decimal number: write it like {EXAMPLES[currency]}." in \
        text_of(refused.get_data(as_text=True))


def test_record_payment_of_several_invoices_says_how_to_write_an_amount_of_their_currency(admin):
    first, second = posted_in(admin.service, "JPY"), posted_in(admin.service, "JPY")
    spread = admin.get(PAYMENT + query([first.id, second.id], received="lots"))
    assert spread.status_code == 422
    said = re.search(r'data-oi-error="received">(.*?)</span>', spread.get_data(as_text=True), re.S).group(1)
    assert text_of(said) == "'lots' is not a decimal number: write it like 1,234."
    form = form_of(admin.get(PAYMENT + query([first.id, second.id])).get_data(as_text=True))
    refused = admin.client.post(PAYMENT, data={**form, f"amount-{first.id}": "abc"})
    assert refused.status_code == 422
    errors = {name: text_of(message) for name, message in
              re.findall(r'data-oi-error="([a-z_0-9-]+)">(.*?)</span>', refused.get_data(as_text=True), re.S)}
    assert errors[f"amount-{first.id}"] == "'abc' is not a decimal number: write it like 1,234."
