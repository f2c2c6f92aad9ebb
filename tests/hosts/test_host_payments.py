"""Paying invoices in the reference shop: Pay, the payment page, the hosted page's answer, the
result pages, the guest payment link, and Refund in the back-office."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import update
from support.admins import admin_with
from support.payloads import invoice_payload
from support.pdfs import pdf_lines
from support.view_page import dialog_notice

from oro_invoices import i18n
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.hosted_page.signing import sign_response
from oro_invoices.persistence.models import PaymentTransaction
from oro_invoices.persistence.outbox import Attachment

SECRET = "hpp-shared-secret"
HPP_URL = "http://hpp.test/pay"


def configure(app, *, partial: bool = False, minimum: str = "0") -> Settings:
    settings = Settings(app.extensions["oro_reference_host"].config)
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       "oro_invoices.storefront_base_url": "http://localhost",
                       "oro_invoices.partial_payments_enabled": partial,
                       "oro_invoices.partial_payment_minimum": minimum,
                       oropay.MERCHANT_ID: "NorthwindTest", oropay.SHARED_SECRET: SECRET,
                       oropay.HPP_URL: HPP_URL, oropay.REBATE_PASSWORD: "rebate"}.items():
        settings.set(key, value)
    return settings


def customer(shop, email: str) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer(email)
    return client


def doc_of(client, external_id: str):
    return client.service.get(client.service.find_id(external_id=external_id))


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def proceed(client: ShopClient, page_url: str, amount: str | None = None):
    """Open the payment page and press Proceed with Payment; the hand-over page."""
    page = client.get(page_url).get_data(as_text=True)
    data = hidden_fields(page)
    if amount is not None:
        data["amount"] = amount
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    return client.client.post(action, data=data)


def hpp_answer(client: ShopClient, handover: str, *, result: str = "00", secret: str = SECRET,
               amount: str | None = None):
    """What the hosted page posts back to the response URL for the hand-over page's request."""
    request = {k.replace("&amp;", "&"): v for k, v in hidden_fields(handover).items()}
    answer = {"TIMESTAMP": "20261130120500", "MERCHANT_ID": request["MERCHANT_ID"],
              "ACCOUNT": request["ACCOUNT"], "ORDER_ID": request["ORDER_ID"], "RESULT": result,
              "MESSAGE": "[ test system ] Authorised" if result == "00" else "[ test system ] Declined",
              "PASREF": f"PAS-{request['ORDER_ID']}", "AUTHCODE": "12345" if result == "00" else "",
              "AMOUNT": amount or request["AMOUNT"]}
    path = request["MERCHANT_RESPONSE_URL"].replace("http://localhost", "")
    return client.client.post(path, data=sign_response(answer, secret)), request


def follow(client: ShopClient, reply):
    """The result page the answer page continues to."""
    link = re.search(r'id="oi-payment-continue" href="([^"]+)"', reply.get_data(as_text=True)) or \
        re.search(r'href="([^"]+)" id="oi-payment-continue"', reply.get_data(as_text=True))
    return client.get(link.group(1).replace("http://localhost", "").replace("&amp;", "&"))


# -- Pay visibility ----------------------------------------------------------------------------

def test_with_payments_off_nothing_offers_to_pay(shop):
    client = customer(shop, "ben.ortiz@acme.example")
    listing = client.get("/customer/invoices").get_data(as_text=True)
    assert "data-oi-pay>" not in listing
    doc = doc_of(client, "ERP-SO-1003-3")
    assert "data-oi-pay>" not in client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    text = text_of(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert f"Invoice #{doc.invoice_number} cannot be paid online." in text
    assert "billing@northwind.example" in text


def test_pay_is_offered_only_while_the_invoice_can_be_paid(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    listing = client.get("/customer/invoices").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-invoice-id="(\d+)">(.*?)</tr>', listing, re.S))
    paid, partial, open_ = (doc_of(client, e) for e in ("ERP-SO-1001-1", "ERP-SO-1002-2", "ERP-SO-1003-3"))
    assert "data-oi-pay>" not in rows[str(paid.id)]
    assert "data-oi-pay>" in rows[str(partial.id)] and "data-oi-pay>" in rows[str(open_.id)]
    assert f'href="/customer/invoices/{open_.id}/payment"' in rows[str(open_.id)]
    view = client.get(f"/customer/invoices/{paid.id}").get_data(as_text=True)
    assert "data-oi-pay>" not in view and "Paid in full" in text_of(view)


def test_the_payment_page_and_a_successful_payment(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    page = client.get(f"/customer/invoices/{doc.id}/payment")
    text = text_of(page.get_data(as_text=True))
    assert f"Payment - Invoice #{doc.invoice_number}" in text
    assert f"Amount Due €{doc.amount_due:,.2f}" in text and "Proceed with Payment" in text
    assert 'id="oi-amount" name="amount"' not in page.get_data(as_text=True)   # not editable
    assert 'for="oi-amount"' not in page.get_data(as_text=True)                # so no label points at text
    assert f"Amount to Pay (EUR) €{doc.amount_due:,.2f}" in text
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment")
    html = handover.get_data(as_text=True)
    assert handover.status_code == 200 and f'action="{HPP_URL}"' in html
    assert "form-action 'self' http://hpp.test" in handover.headers["Content-Security-Policy"]
    assert "script-src 'self';" in handover.headers["Content-Security-Policy"]  # its layout: no inline script
    fields = hidden_fields(html)
    assert fields["AMOUNT"] == str(int(doc.amount_due * 100)) and fields["CURRENCY"] == "EUR"
    assert fields["MERCHANT_RESPONSE_URL"] == "http://localhost/invoices/pay/notify/oropay"
    reply, _ = hpp_answer(client, html)
    assert reply.status_code == 200
    assert (f"Payment received Your payment for invoice #{doc.invoice_number} was received. Continue"
            in text_of(reply.get_data(as_text=True)))
    result = follow(client, reply)
    text = text_of(result.get_data(as_text=True))
    assert f"Payment Successful - Invoice #{doc.invoice_number}" in text
    assert f"Payment Successful! Invoice #{doc.invoice_number} was successfully processed." in text
    assert re.search(rf"Amount paid: €{doc.amount_due:,.2f}(?!\.)", text)   # no full stop of one language
    assert "Back to Invoice Page" in text
    [charged] = client.service.transactions(doc.id)
    receipt = f"/customer/invoices/{doc.id}/payments/{charged.id}/receipt"
    assert f'href="{receipt}" download>Receipt (PDF)</a>' in result.get_data(as_text=True)
    assert client.get(receipt).content_type == "application/pdf"
    paid = client.service.get(doc.id)
    assert paid.payment_status is PaymentStatus.PAID_IN_FULL
    view = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert "Paid in full" in text_of(view) and "data-oi-pay>" not in view
    payments = text_of(view.split('id="oi-payments"')[1].split(">", 1)[1].split("</section>")[0])   # what the customer paid
    assert payments.startswith("Payments Date Payment Method Amount")
    assert f"OroPay €{doc.amount_due:,.2f}" in payments
    # the answer posted again changes nothing
    hpp_answer(client, html)
    assert len(client.service.transactions(doc.id)) == 1


def test_a_payment_arriving_after_the_invoice_was_voided_says_it_is_kept_as_credit_in_true_words(shop):
    """The seller voided the invoice while the customer was on the hosted page: the money taken is
    kept as credit, and the result page does not claim the invoice was paid meanwhile."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    html = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    client.service.void(doc.id, reason="wrong order", actor="admin")
    reply, _ = hpp_answer(client, html)
    text = text_of(follow(client, reply).get_data(as_text=True))
    assert (f"€{doc.amount_due:,.2f} of it was over what was still due (paid or credited meanwhile): it is kept "
            "as your credit for your next invoices.") in text
    assert "(paid meanwhile)" not in text


def test_a_declined_card_shows_the_error_page_and_pay_stays(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    reply, _ = hpp_answer(client, proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True),
                          result="101")
    said = text_of(reply.get_data(as_text=True))         # the page the hosted page shows the payer first
    assert f"Payment Error Your payment for invoice #{doc.invoice_number} was not accepted. Continue" in said
    assert "received" not in said
    assert re.search(r"<title>Payment Error - Invoice #", reply.get_data(as_text=True))
    text = text_of(follow(client, reply).get_data(as_text=True))
    assert f"Payment Error - Invoice #{doc.invoice_number}" in text
    assert f"Payment Error! Invoice #{doc.invoice_number}" in text
    assert ("We are sorry, but your payment could not be processed. Please check your payment "
            "details and try again.") in text
    assert "Back to Payment Page" in text and "Back to Invoice Page" in text
    assert client.service.get(doc.id).payment_status is PaymentStatus.DECLINED
    assert "data-oi-pay>" in client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    # in French the flash names the invoice as the title does ("Facture n° …"), not "Facture #…"
    link = re.search(r'id="oi-payment-continue" href="([^"]+)"', reply.get_data(as_text=True)) or \
        re.search(r'href="([^"]+)" id="oi-payment-continue"', reply.get_data(as_text=True))
    french = client.get(link.group(1).replace("http://localhost", "").replace("&amp;", "&"),
                        headers={"Accept-Language": "fr"}).get_data(as_text=True)
    flash = text_of(re.search(r'role="alert">(.*?)</div>', french, re.S).group(1))
    named = i18n.translate("fr", "Invoice #%(number)s", number=doc.invoice_number)
    assert flash.split() == f"{i18n.translate('fr', 'Payment Error!')} {named}".split()


def test_a_wrongly_signed_answer_records_nothing(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    reply, _ = hpp_answer(client, proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True),
                          secret="not-the-secret")
    assert reply.status_code == 400
    assert f"Payment Error! Invoice #{doc.invoice_number}" in text_of(reply.get_data(as_text=True))
    assert client.service.transactions(doc.id) == []
    assert client.service.get(doc.id).payment_status is PaymentStatus.PENDING


def test_an_answer_with_another_amount_is_refused(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    reply, _ = hpp_answer(client, proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True),
                          amount="1")
    assert reply.status_code == 400
    assert "answer could not be accepted, so nothing was recorded" in text_of(reply.get_data(as_text=True))
    assert "received" not in text_of(reply.get_data(as_text=True))
    assert "Payment Error!" in text_of(reply.get_data(as_text=True))
    assert client.service.transactions(doc.id) == []


def test_a_copy_with_another_amount_does_not_block_the_genuine_answer(shop):
    """AMOUNT is not signed, and the answer comes back through the payer's browser: a copy with
    AMOUNT changed is refused, and the genuine answer that follows is still recorded."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    wanted = hidden_fields(handover)["AMOUNT"]
    tampered, request = hpp_answer(client, handover, amount=str(int(wanted) + 1))
    assert "Payment Error!" in text_of(tampered.get_data(as_text=True)) and tampered.status_code == 400
    genuine, _ = hpp_answer(client, handover)
    assert genuine.status_code == 200
    text = text_of(follow(client, genuine).get_data(as_text=True))
    assert f"Payment Successful! Invoice #{doc.invoice_number} was successfully processed." in text
    [charged] = client.service.transactions(doc.id)
    assert charged.amount == doc.amount_due and charged.successful
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    hpp_answer(client, handover, amount=str(int(wanted) + 1))      # the copy again changes nothing
    assert len(client.service.transactions(doc.id)) == 1


REFUSED = "The payment provider's answer could not be accepted, so nothing was recorded from it."


def test_a_reposted_answer_with_a_changed_amount_is_refused_and_says_nothing_was_recorded(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    genuine, _ = hpp_answer(client, handover)
    assert genuine.status_code == 200
    wanted = hidden_fields(handover)["AMOUNT"]
    for amount in (str(int(wanted) + 1), "1", "\u00b2"):
        tampered, _ = hpp_answer(client, handover, amount=amount)
        text = text_of(tampered.get_data(as_text=True))
        assert tampered.status_code == 400
        assert f"Payment Error - Invoice #{doc.invoice_number}" in text and REFUSED in text
        assert "Successful" not in text and "received" not in text
    [charged] = client.service.transactions(doc.id)
    assert charged.amount == doc.amount_due and charged.successful
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    # the genuine answer again still shows the payment's result
    again, _ = hpp_answer(client, handover)
    assert again.status_code == 200
    assert f"Payment Successful! Invoice #{doc.invoice_number} was successfully processed." in text_of(
        follow(client, again).get_data(as_text=True))
    assert len(client.service.transactions(doc.id)) == 1


def test_a_changed_amount_before_the_genuine_answer_is_refused_and_the_genuine_one_records_once(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    tampered, _ = hpp_answer(client, handover, amount=str(int(hidden_fields(handover)["AMOUNT"]) - 1))
    text = text_of(tampered.get_data(as_text=True))
    assert tampered.status_code == 400 and REFUSED in text and "Successful" not in text
    assert client.service.transactions(doc.id) == []
    for _ in range(2):
        genuine, _ = hpp_answer(client, handover)
        assert genuine.status_code == 200
    assert len(client.service.transactions(doc.id)) == 1
    assert client.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_an_amount_in_other_digits_is_refused_as_not_a_number(shop, caplog):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    for amount in ("\u00b2", "\u0661\u0662", "\uff11"):
        with caplog.at_level("WARNING", logger="oro_invoices.payments"):
            reply, _ = hpp_answer(client, handover, amount=amount)
        assert reply.status_code == 400
        assert f"AMOUNT {amount!r} is not a number of minor units" in caplog.text
    assert "failed to read a notification" not in caplog.text and "Traceback" not in caplog.text
    assert client.service.transactions(doc.id) == []


def test_partial_amounts_are_checked_and_paid(shop):
    configure(shop[0], partial=True, minimum="10")
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert 'id="oi-amount" name="amount"' in page
    assert f"From €10.00 up to €{doc.amount_due:,.2f}." in text_of(page)
    too_much = proceed(client, f"/customer/invoices/{doc.id}/payment", amount=str(doc.amount_due + 1))
    assert too_much.status_code == 422
    assert f"Amount: Must be between €10.00 and €{doc.amount_due:,.2f}." in text_of(too_much.get_data(as_text=True))
    handover = proceed(client, f"/customer/invoices/{doc.id}/payment", amount="25.00")
    hpp_answer(client, handover.get_data(as_text=True))
    part = client.service.get(doc.id)
    assert part.payment_status is PaymentStatus.PAID_PARTIALLY and part.amount_paid == Decimal("25.00")


@pytest.mark.parametrize("accept, typed, example", [("de-DE", "1,000.50", "1.234,50"), ("fr-FR", "1.000,50", "1\u202f234,50"),
                                                     ("en", "1.000,50", "1,234.50")])
def test_an_amount_that_is_no_number_is_said_in_the_pages_number_format(shop, accept, typed, example):
    """The page reads the amount in its own format ("1.000,50" in German): its message shows that
    format, not the API's "write it like "19.99" … decimal point, no … digit separators"."""
    configure(shop[0], partial=True, minimum="10")
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    page = f"/customer/invoices/{doc.id}/payment"
    form = hidden_fields(client.get(page, headers={"Accept-Language": accept}).get_data(as_text=True))
    refused = client.client.post(page, data={**form, "amount": typed}, headers={"Accept-Language": accept})
    said = text_of(re.search(r'id="oi-payment-error">(.*?)</div>', refused.get_data(as_text=True), re.S).group(1))
    assert refused.status_code == 422 and f"'{typed}'" in said
    assert said.replace("\u202f", " ").endswith(f" {example}.".replace("\u202f", " ")), said
    assert "19.99" not in said and "ASCII" not in said


@pytest.mark.parametrize("partial", [True, False])
def test_a_huge_amount_is_refused_on_the_amount_field(shop, partial):
    """An amount of 27 digits and more is out of bounds like any other, on the customer's page
    and the guest link (with partial payments off the amount is a hidden field a payer can edit)."""
    configure(shop[0], partial=partial, minimum="10")
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    expected = (f"Amount: Must be between €10.00 and €{doc.amount_due:,.2f}." if partial else
                f"Amount: Must be €{doc.amount_due:,.2f}: partial payments are not accepted for this invoice.")
    for page in (f"/customer/invoices/{doc.id}/payment", f"/invoices/pay/{doc.payment_token}"):
        for huge in ("9" * 29, "1" + "0" * 40 + ".5", "-" + "9" * 30):
            refused = proceed(client, page, amount=huge)
            assert refused.status_code == 422, (page, huge)
            assert expected in text_of(refused.get_data(as_text=True))
    assert client.service.get(doc.id).amount_paid == doc.amount_paid


def test_a_german_customer_types_the_amount_with_a_decimal_comma(shop):
    """The amount field is in the page's language both ways: offered as "261,84", read as typed."""
    configure(shop[0], partial=True, minimum="10")
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    german = {"Accept-Language": "de"}
    url = f"/customer/invoices/{doc.id}/payment"

    def pay(amount: str):
        page = client.get(url, headers=german).get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
        return page, client.client.post(action, data={**hidden_fields(page), "amount": amount}, headers=german)

    page, wrong = pay("12,5,0")
    assert f'name="amount" value="{doc.amount_due:.2f}"'.replace(".", ",") in page
    assert "Von 10,00 € bis {} €.".format(f"{doc.amount_due:.2f}".replace(".", ",")) in text_of(page)
    assert wrong.status_code == 422 and "'12,5,0'" in text_of(wrong.get_data(as_text=True))
    _, handover = pay("12,50")
    assert handover.status_code == 200 and hidden_fields(handover.get_data(as_text=True))["AMOUNT"] == "1250"
    _, plain = pay("12.50")                                   # the plain form is read too
    assert plain.status_code == 200 and hidden_fields(plain.get_data(as_text=True))["AMOUNT"] == "1250"


def test_a_customer_pays_only_invoices_their_role_lets_them_see(shop):
    configure(shop[0])
    carla = customer(shop, "carla.nguyen@acme.example")                  # own
    bens = doc_of(carla, "ERP-SO-1002-2")
    assert carla.get(f"/customer/invoices/{bens.id}/payment").status_code == 404
    token = form_token(carla.get("/customer/invoices").get_data(as_text=True))
    resp = carla.client.post(f"/customer/invoices/{bens.id}/payment", data={"csrf_token": token})
    assert resp.status_code == 404 and carla.service.transactions(bens.id)[0].method == "bank_transfer"
    assert ShopClient(shop[0]).get(f"/customer/invoices/{bens.id}/payment").status_code == 302  # sign in


def test_the_pay_form_needs_its_csrf_token(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    resp = client.client.post(f"/customer/invoices/{doc.id}/payment", data={"amount": "1"})
    assert resp.status_code == 400
    guest = ShopClient(shop[0]).client.post(f"/invoices/pay/{doc.payment_token}", data={"amount": "1"})
    assert guest.status_code == 400


def test_below_the_minimum_no_method_is_available(shop):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    Settings(shop[0].extensions["oro_reference_host"].config).set(oropay.MERCHANT_ID, "")   # not set up
    text = text_of(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert "No payment methods are available, please contact us to proceed." in text
    assert "Proceed with Payment" not in text


def test_an_external_payment_url_asks_first(shop):
    configure(shop[0])
    client = customer(shop, "gina.park@globex.example")
    doc = doc_of(client, "ERP-SO-1007-7")
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    assert doc.external_payment_url not in page
    confirm = client.get(f"/customer/invoices/{doc.id}/payment?confirm=1").get_data(as_text=True)
    assert "You are leaving this site to pay at pay.example.com" in text_of(confirm)
    assert f'href="{doc.external_payment_url}"' in confirm


# -- the guest payment link --------------------------------------------------------------------

def test_the_guest_link_pays_exactly_that_invoice(shop):
    configure(shop[0])
    guest = ShopClient(shop[0])
    doc = doc_of(guest, "ERP-SO-1003-3")
    opened = guest.get(f"/invoices/pay/{doc.payment_token}")
    assert opened.headers["Cache-Control"] == "private, no-store"   # the link's token is in it: kept by no cache
    page = opened.get_data(as_text=True)
    assert f"Payment - Invoice #{doc.invoice_number}" in text_of(page)
    assert 'id="h-account-menu"' not in page and "Back to Invoice Page" not in text_of(page)
    handover = proceed(guest, f"/invoices/pay/{doc.payment_token}")
    reply, request = hpp_answer(guest, handover.get_data(as_text=True))
    result = follow(guest, reply)
    text = text_of(result.get_data(as_text=True))
    assert f"Payment Successful! Invoice #{doc.invoice_number} was successfully processed." in text
    assert "Back to Invoice Page" not in text and result.headers["Cache-Control"] == "private, no-store"
    assert guest.service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL
    # the payer's receipt, behind the link's token and the payment's id like the result page
    receipt = f"/invoices/pay/{doc.payment_token}/result/{request['ORDER_ID']}/receipt"
    assert f'href="{receipt}" download>Receipt (PDF)</a>' in result.get_data(as_text=True)
    got = guest.get(receipt)
    assert (got.status_code, got.content_type) == (200, "application/pdf") and got.data.startswith(b"%PDF-")
    [charged] = guest.service.transactions(doc.id)
    assert got.headers["Content-Disposition"] == f'attachment; filename="receipt-{doc.invoice_number}-R{charged.id}.pdf"'
    other = doc_of(guest, "ERP-SO-1001-1")                          # another posted invoice's link
    assert other.is_posted and other.payment_token and guest.get(f"/invoices/pay/{other.payment_token}").status_code == 200
    assert guest.get(f"/invoices/pay/{other.payment_token}/result/{request['ORDER_ID']}/receipt").status_code == 404
    assert guest.get(f"/invoices/pay/{doc.payment_token}/result/not-an-attempt-id-x/receipt").status_code == 404
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    again = guest.get(f"/invoices/pay/{doc.payment_token}/result/{request['ORDER_ID']}").get_data(as_text=True)
    assert "Payment Successful!" in again and "Receipt (PDF)" not in again
    assert guest.get(receipt).status_code == 404
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", True)
    # once paid, the link says so, with the seller's contact: never a 404
    after = guest.get(f"/invoices/pay/{doc.payment_token}")
    assert after.status_code == 200
    text = text_of(after.get_data(as_text=True))
    assert f"Invoice #{doc.invoice_number} is paid. Nothing is due on this invoice." in text
    assert "Contact the seller" not in text and "billing@northwind.example" not in text
    assert guest.get(f"/invoices/pay/{doc.payment_token}/result/{request['ORDER_ID']}").status_code == 200
    assert guest.get(f"/invoices/pay/{doc.payment_token}/result/not-an-attempt-id-x").status_code == 404


def test_the_guest_link_of_an_invoice_of_nothing_says_nothing_is_due_without_sending_to_the_seller(shop):
    configure(shop[0])
    guest = ShopClient(shop[0])
    carlas = doc_of(guest, "ERP-SO-1003-3")
    free = guest.service.create(invoice_payload(
        customer_id=carlas.customer_id, customer_user_id=carlas.customer_user_id, customer_name=carlas.customer_name,
        customer_user_email=carlas.customer_user_email, website_id=carlas.website_id,
        organization_id=carlas.organization_id, order_id=None, order_identifier="", currency=carlas.currency,
        lines=[{"description": "Replacement part under warranty", "quantity": "1", "unit_price": "0",
                "tax_rate": "0.19"}]), actor="test")
    doc = guest.service.post(free.id, actor="test")
    page = guest.get(f"/invoices/pay/{doc.payment_token}")
    shown = text_of(page.get_data(as_text=True))
    assert page.status_code == 200
    assert f"Nothing is due on invoice #{doc.invoice_number}. Its total is zero: there is nothing to pay." in shown
    assert "Contact the seller" not in shown and "paying it" not in shown and "Proceed with Payment" not in shown


def test_the_payment_page_adds_up_after_a_credit_note(shop):
    """Total, Credited, Amount Paid and Amount Due, as on the invoice page."""
    configure(shop[0])
    guest = ShopClient(shop[0])
    doc = doc_of(guest, "ERP-SO-1003-3")
    guest.service.create_credit_note(doc.id, {"lines": [{"line": 1, "quantity": "1"}], "reason": "Returned"},
                                     actor="admin")
    doc = guest.service.get(doc.id)
    assert doc.amount_credited > 0
    page = guest.get(f"/invoices/pay/{doc.payment_token}").get_data(as_text=True)
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", page))
    amount = {"EUR": "€", "USD": "$"}[doc.currency] + "{:,}"
    assert shown == {"Total": amount.format(doc.total_amount), "Credited": amount.format(doc.amount_credited),
                     "Amount Paid": amount.format(doc.amount_paid), "Amount Due": amount.format(doc.amount_due)}
    assert doc.amount_due == doc.total_amount - doc.amount_credited


def test_the_guest_link_expires_as_configured(shop, monkeypatch):
    app = shop[0]
    configure(app)
    guest = ShopClient(app)
    doc = doc_of(guest, "ERP-SO-1002-2")
    Settings(app.extensions["oro_reference_host"].config).set(
        "oro_invoices.payment_link_ttl_days", 30, "organization", doc.organization_id)
    services = app.extensions["oro_invoices"].service.context  # its clock: the pages' and emails' alike
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=29))
    assert "Proceed with Payment" in text_of(guest.get(f"/invoices/pay/{doc.payment_token}").get_data(as_text=True))
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=31))
    expired = guest.get(f"/invoices/pay/{doc.payment_token}")
    assert expired.status_code == 410
    text = text_of(expired.get_data(as_text=True))
    assert "This payment link has expired." in text and "billing@northwind.example" in text
    assert "Proceed with Payment" not in text


def test_an_expired_guest_link_is_no_longer_shown_on_the_invoice_page(shop, monkeypatch):
    """The customer's invoice page hands out the guest link only while it works; Pay stays."""
    app = shop[0]
    configure(app)
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1002-2")
    Settings(app.extensions["oro_reference_host"].config).set(
        "oro_invoices.payment_link_ttl_days", 30, "organization", doc.organization_id)
    services = app.extensions["oro_invoices"].service.context  # its clock: the pages' and emails' alike
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=29))
    assert f"/invoices/pay/{doc.payment_token}" in client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    monkeypatch.setattr(services, "clock", lambda: doc.posted_at + dt.timedelta(days=31))
    page = client.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert f"/invoices/pay/{doc.payment_token}" not in page and "Invoice Guest Payment Link" not in text_of(page)
    assert "data-oi-pay>" in page


def test_unknown_links_and_drafts_are_not_found(shop):
    guest = ShopClient(shop[0])
    assert guest.get("/invoices/pay/not-a-real-token-at-all").status_code == 404
    draft = doc_of(guest, "ERP-SO-1004-4")
    assert guest.get(f"/invoices/pay/{draft.payment_token}").status_code == 404


def test_a_forged_notification_for_no_attempt_is_refused(shop):
    configure(shop[0])
    resp = ShopClient(shop[0]).client.post("/invoices/pay/notify/oropay", data={"ORDER_ID": "x" * 20})
    assert resp.status_code == 400
    assert ShopClient(shop[0]).client.post("/invoices/pay/notify/nope", data={}).status_code == 404


def test_a_notification_for_an_unknown_method_quotes_only_the_start_of_its_name(shop):
    configure(shop[0])
    resp = ShopClient(shop[0]).client.get("/invoices/pay/notify/" + "Call us now " * 250)
    assert resp.status_code == 404
    page = text_of(resp.get_data(as_text=True))
    assert "There is no payment method 'Call us now Call us now Call us now Call…'." in page
    assert page.count("Call us") == 3


# -- the back-office -----------------------------------------------------------------------------

def _paid_through_the_shop(shop, external_id="ERP-SO-1003-3"):
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, external_id)
    hpp_answer(client, proceed(client, f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    return doc


def test_with_receipts_on_the_customer_is_emailed_a_receipt_the_admin_sees(shop, admin):
    settings = configure(shop[0])
    settings.set("oro_invoices.mail.payment_receipts", True)
    doc = _paid_through_the_shop(shop)
    view = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    emails = text_of(view.split('id="oi-emails"')[1].split("</section>")[0])
    assert f"Payment received for invoice {doc.invoice_number}" in emails
    [receipt] = admin.app.extensions["oro_invoices"].mail.emails(doc.id)
    # to the invoice's customer user; the colleague who paid it gets a copy
    assert (receipt.to, receipt.cc) == ((doc.customer_user_email,), ("ben.ortiz@acme.example",))
    text = admin.app.extensions["oro_invoices"].mail.email_bodies(receipt.id)[2]
    assert (f"ben.ortiz@acme.example paid €{doc.amount_due:,.2f} for invoice {doc.invoice_number}; a copy of this "
            "receipt went to them.") in text
    assert "Payment method: OroPay" in text and f"Invoice {doc.invoice_number} is now paid in full." in text
    assert "The receipt is attached as a PDF." in text
    # the email's page lists the receipt PDF it carries: the receipt the Payments section gives
    [payment] = admin.service.transactions(doc.id)
    page = admin.get(f"/admin/invoices/{doc.id}/emails/{receipt.id}").get_data(as_text=True)
    attachment = f"/admin/invoices/{doc.id}/emails/{receipt.id}/attachments/1"
    assert f'href="{attachment}" download>receipt-{doc.invoice_number}-R{payment.id}.pdf</a>' in page
    assert admin.get(attachment).data == admin.get(f"/admin/invoices/{doc.id}/transactions/{payment.id}/receipt").data


def test_a_receipt_left_to_the_delivery_is_listed_as_made_when_the_email_is_sent(shop, admin):
    """With background jobs the receipt email's PDF is made by the delivery job; until then the
    email's page says so, with no link to a file that does not exist yet."""
    doc = _paid_through_the_shop(shop)
    [payment] = admin.service.transactions(doc.id)
    mail = admin.app.extensions["oro_invoices"].mail
    name = f"receipt-{doc.invoice_number}-R{payment.id}.pdf"
    queued = mail.send(doc.id, to="amanda.cole@acme.example", subject="Payment received", text="Thank you.",
                       attach_pdf=False, actor="receipts", extra_attachments=(Attachment.pending_receipt(name, payment.id),))
    page = admin.get(f"/admin/invoices/{doc.id}/emails/{queued.id}").get_data(as_text=True)
    assert f"{name} (made when the email is sent)" in text_of(page)
    assert f"/emails/{queued.id}/attachments/1" not in page


def test_receipts_of_a_payment_in_the_storefront_and_the_back_office(shop, admin):
    doc = _paid_through_the_shop(shop)
    [payment] = admin.service.transactions(doc.id)
    buyer = customer(shop, "ben.ortiz@acme.example")
    payments = buyer.get(f"/customer/invoices/{doc.id}").get_data(as_text=True).split('id="oi-payments"')[1]
    url = f"/customer/invoices/{doc.id}/payments/{payment.id}/receipt"
    assert f'href="{url}" download>Receipt (PDF)</a>' in payments.split("</section>")[0]
    got = buyer.get(url)
    assert (got.status_code, got.content_type) == (200, "application/pdf")
    name = f"receipt-{doc.invoice_number}-R{payment.id}.pdf"
    assert got.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    text = pdf_lines(got.data)
    assert "Payment receipt" in text and f"Amount paid €{doc.amount_due:,.2f}" in text and "OroPay" in text
    assert f"Invoice number {doc.invoice_number}" in text
    # the admin's link gives the same receipt; an admin of another organization gets none
    view = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    admin_url = f"/admin/invoices/{doc.id}/transactions/{payment.id}/receipt"
    assert f'href="{admin_url}" download>Receipt (PDF)</a>' in view
    assert admin.get(admin_url).data == got.data
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    assert sakura.get(admin_url).status_code == 404
    # another customer's user, another invoice's path, and a number no id can be: 404, no PDF
    other = customer(shop, "gina.park@globex.example")
    assert other.get(url).status_code == 404
    mine = doc_of(buyer, "ERP-SO-1001-1")
    for wrong in (f"/customer/invoices/{mine.id}/payments/{payment.id}/receipt",
                  f"/customer/invoices/{doc.id}/payments/99999999999999999999999/receipt",
                  f"/admin/invoices/{mine.id}/transactions/{payment.id}/receipt"):
        answer = (admin if wrong.startswith("/admin") else buyer).get(wrong)
        assert answer.status_code == 404 and answer.content_type != "application/pdf", wrong
    # with PDF download off in the storefront: no link, and the URL answers 404
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    assert "Receipt (PDF)" not in buyer.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    assert buyer.get(url).status_code == 404


class RebateApi:
    """The hosted page's XML API, answering rebates as approved (or with ``result`` and ``message``)."""

    def __init__(self, result: str = "00", message: str = "Refunded"):
        self.calls = 0
        self.result, self.message = result, message

    def __call__(self, url, body):
        import xml.etree.ElementTree as ET

        from oro_invoices.integration.hosted_page.signing import sha1_hash
        self.calls += 1
        root = ET.fromstring(body)
        values = [root.get("timestamp"), root.find("merchantid").text, root.find("orderid").text,
                  self.result, self.message, f"RB-{self.calls}", ""]
        return (f'<response timestamp="{values[0]}"><merchantid>{values[1]}</merchantid><orderid>{values[2]}'
                f"</orderid><result>{self.result}</result><message>{self.message}</message><pasref>RB-{self.calls}"
                f"</pasref><authcode></authcode><sha1hash>{sha1_hash(values, SECRET)}</sha1hash></response>").encode()


def test_a_refund_the_provider_declines_is_flashed_as_one_sentence(shop, admin):
    doc = _paid_through_the_shop(shop)
    method = shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay")
    method.transport = RebateApi(result="101", message="Declined by the bank.")
    [charge] = admin.service.transactions(doc.id)
    view = f"/admin/invoices/{doc.id}"
    done = admin.submit(view, f"{view}/transactions/{charge.id}/refund", {"amount": "1.00", "notes": ""},
                        follow_redirects=True)
    text = text_of(done.get_data(as_text=True))
    assert "The refund of €1.00 was not made: Declined by the bank." in text and "bank.." not in text
    assert [t.action for t in admin.service.transactions(doc.id) if t.successful] == ["charge"]


@pytest.fixture
def rebates(shop):
    api = RebateApi()
    method = shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay")
    method.transport = api
    return api


class LostRebateAnswers(RebateApi):
    """The XML API making each rebate but losing its answer (the connection drops after the request)."""

    def __call__(self, url, body):
        from oro_invoices.integration.payment_methods import OutcomeUnknown
        super().__call__(url, body)
        raise OutcomeUnknown("The payment provider did not answer.", detail="timed out")


def test_a_refund_whose_answer_is_lost_is_reserved_and_not_sent_again(shop, admin):
    """OroPay's rebates carry no idempotency key: a rebate sent again is a second refund. One whose
    answer is lost keeps its amount reserved, says to check at OroPay, and is not sent again."""
    doc = _paid_through_the_shop(shop)
    api = LostRebateAnswers()
    shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay").transport = api
    [charge] = admin.service.transactions(doc.id)
    view = f"/admin/invoices/{doc.id}"
    action = f"{view}/transactions/{charge.id}/refund"
    money = f"€{charge.amount:,.2f}"
    lost = text_of(admin.submit(view, action, {"amount": str(charge.amount), "notes": ""},
                                follow_redirects=True).get_data(as_text=True))
    assert (f"OroPay did not answer whether it carried out the refund of {money} (timed out). It may have been "
            "made: its amount stays reserved until you check the payment at OroPay and confirm on the invoice's "
            "payment whether it was made. Do not ask for it again: a request sent again is a new one there.") in lost
    assert "did not go through" not in lost
    assert admin.service.transaction_actions(doc.id)[charge.id].refundable == 0
    again = admin.submit(view, action, {"amount": str(charge.amount), "notes": ""}, follow_redirects=True)
    assert (f"OroPay did not answer whether it carried out the refund of {money} (asked ") in \
        text_of(again.get_data(as_text=True))
    assert api.calls == 1                                 # one rebate at OroPay, never a second
    assert [t.action for t in admin.service.transactions(doc.id)] == ["charge"]


def test_the_xml_api_says_whether_a_request_may_have_been_carried_out(tmp_path):
    """A request that never got there (refused) changed nothing; one whose answer was lost (the
    connection dropped after the request, a time-out) may have been carried out."""
    import socket
    import threading

    from oro_invoices.integration.hosted_page import remote
    from oro_invoices.integration.payment_methods import OutcomeUnknown, ProviderError
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def drop_after_reading() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()
    threading.Thread(target=drop_after_reading, daemon=True).start()
    with pytest.raises(OutcomeUnknown):
        remote.http_transport(f"http://127.0.0.1:{port}/api", b"<request/>")
    listener.close()
    with pytest.raises(ProviderError) as refused:
        remote.http_transport(f"http://127.0.0.1:{port}/api", b"<request/>")
    assert not isinstance(refused.value, OutcomeUnknown)


def test_refund_from_the_back_office(shop, admin, rebates):
    doc = _paid_through_the_shop(shop)
    view = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    [charge] = admin.service.transactions(doc.id)
    row = re.search(rf'<tr data-transaction-id="{charge.id}">(.*?)</tr>', view, re.S).group(1)
    assert "OroPay" in row and "Charge" in row and "Yes" in row and charge.provider_reference in row
    assert "Refund" in row and 'id="oi-refunded-due"' not in view           # paid: nothing reads as due
    dialog = admin.get(f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}").get_data(as_text=True)
    money = f"€{charge.amount:,.2f}"
    text = text_of(dialog)
    assert "Refund Payment" in text
    assert f"The {money} payment will be refunded. Are you sure you want to continue?" in text
    assert "Amount" in text and "Notes" in text and "Yes, Refund Payment" in text
    action = f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund"
    too_much = admin.submit(f"/admin/invoices/{doc.id}", action, {"amount": str(charge.amount + 1), "notes": ""})
    assert too_much.status_code == 422 and "what remains of the payment" in text_of(too_much.get_data(as_text=True))
    assert rebates.calls == 0
    done = admin.submit(f"/admin/invoices/{doc.id}", action, {"amount": str(charge.amount), "notes": "Returned"},
                        follow_redirects=True)
    text = text_of(done.get_data(as_text=True))
    assert f"The payment of {money} has been refunded successfully." in text
    assert admin.service.get(doc.id).payment_status is PaymentStatus.REFUNDED
    hint = re.search(r'id="oi-refunded-due">(.*?)</p>', done.get_data(as_text=True), re.S).group(1)
    assert (f"After the refund {money} is due again: the customer's statement, balance and aging count it, and it "
            "is overdue after its due date, but it is not offered for payment online or reminded. Record the payment "
            "when it arrives; if it is not to be collected, create a credit note for it.") in text_of(hint)
    assert f'href="/admin/invoices/{doc.id}/credit-notes/new"' in hint
    # the customer is sent to the seller about it, not told that nothing is due
    buyer = customer(shop, "ben.ortiz@acme.example")
    shown = text_of(buyer.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert (f"Invoice #{doc.invoice_number} cannot be paid online. Its payment status is Refunded: please "
            "contact the seller about paying it.") in shown and "billing@northwind.example" in shown
    view = buyer.get(f"/customer/invoices/{doc.id}").get_data(as_text=True)
    payments = text_of(view.split('id="oi-payments"')[1].split(">", 1)[1].split("</section>")[0])
    assert f"OroPay {money}" in payments and f"OroPay Refund of {money}" in payments
    html = done.get_data(as_text=True)
    ids = re.findall(r'<tr data-transaction-id="(\d+)">', html)
    refund = next(t for t in admin.service.transactions(doc.id) if t.action == "refund")
    assert ids == [str(refund.id), str(charge.id)]                        # the refund row above the charge
    assert "Refund of" in text and "Returned" in text                     # in the activity
    assert f"?dialog=refund&amp;transaction={charge.id}" not in html     # nothing left to refund
    stale = admin.get(f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}")   # a kept link
    assert stale.status_code == 200 and 'role="dialog"' not in stale.get_data(as_text=True)
    assert "This payment can no longer be refunded." in dialog_notice(stale)
    # the credit note the hint suggests settles the invoice, and the hint goes
    admin.service.create_credit_note(doc.id, {"full": True, "reason": "Returned"}, actor="admin")
    settled = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    assert admin.service.get(doc.id).payment_status is PaymentStatus.CREDITED
    assert 'id="oi-refunded-due"' not in settled


def test_a_resubmitted_refund_dialog_refunds_once(shop, admin, rebates):
    doc = _paid_through_the_shop(shop)
    [charge] = admin.service.transactions(doc.id)
    dialog_url = f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}"
    dialog = admin.get(dialog_url).get_data(as_text=True)
    key = re.search(r'name="request_key" value="([^"]+)"', dialog).group(1)
    action = f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund"
    form = {"amount": "1.00", "notes": "Damaged box", "request_key": key}
    first = admin.submit(dialog_url, action, form, follow_redirects=True)
    assert "has been refunded successfully" in text_of(first.get_data(as_text=True))
    again = admin.submit(dialog_url, action, form, follow_redirects=True)   # Back, then Yes again
    text = text_of(again.get_data(as_text=True))
    assert "This refund of €1.00 was already requested" in text and "it was not requested again" in text
    assert rebates.calls == 1
    assert [t.amount for t in admin.service.transactions(doc.id) if t.action == "refund"] == [Decimal("1.00")]
    fresh = admin.get(dialog_url).get_data(as_text=True)                     # a new dialog: a new key
    assert re.search(r'name="request_key" value="([^"]+)"', fresh).group(1) != key


def test_a_german_admin_refunds_an_amount_typed_with_a_decimal_comma(shop, admin, rebates):
    doc = _paid_through_the_shop(shop)
    [charge] = admin.service.transactions(doc.id)
    german = {"Accept-Language": "de"}
    dialog_url = f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}"
    dialog = admin.get(dialog_url, headers=german).get_data(as_text=True)
    assert f'name="amount" value="{charge.amount:.2f}"'.replace(".", ",") in dialog   # offered as German writes it
    done = admin.submit(dialog_url, f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund",
                        {"amount": "1,50", "notes": ""}, headers=german, follow_redirects=True)
    assert "Die Zahlung über 1,50 € wurde erfolgreich erstattet." in text_of(done.get_data(as_text=True))
    assert [t.amount for t in admin.service.transactions(doc.id) if t.action == "refund"] == [Decimal("1.50")]


def test_a_huge_refund_amount_shows_the_dialog_again_with_the_reason(shop, admin, rebates):
    doc = _paid_through_the_shop(shop)
    [charge] = admin.service.transactions(doc.id)
    dialog_url = f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}"
    action = f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund"
    for huge in ("9" * 30, "1" + "0" * 40 + ".5"):
        refused = admin.submit(dialog_url, action, {"amount": huge, "notes": ""})
        assert refused.status_code == 422
        assert (f"Amount: Must be more than 0 and at most €{charge.amount:,.2f}, what remains of the payment."
                in text_of(refused.get_data(as_text=True)))
    german = admin.submit(dialog_url, action, {"amount": "1" + "0" * 40 + ",5", "notes": ""},
                          headers={"Accept-Language": "de"})
    assert german.status_code == 422
    assert "höchstens {} €".format(f"{charge.amount:.2f}".replace(".", ",")) in text_of(german.get_data(as_text=True))
    assert rebates.calls == 0


def test_refund_needs_the_manage_payments_permission(shop, rebates):
    doc = _paid_through_the_shop(shop)
    viewer = admin_with(shop)
    [charge] = viewer.service.transactions(doc.id)
    assert "?dialog=refund" not in viewer.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    link = viewer.get(f"/admin/invoices/{doc.id}?dialog=refund&transaction={charge.id}")
    assert "Your role may not refund, capture, cancel or re-authorize payments." in dialog_notice(link)
    assert 'role="dialog"' not in link.get_data(as_text=True)
    resp = viewer.submit(f"/admin/invoices/{doc.id}", f"/admin/invoices/{doc.id}/transactions/{charge.id}/refund",
                         {"amount": "1"})
    assert resp.status_code == 403 and rebates.calls == 0


def test_an_authorization_its_method_cannot_capture_offers_only_cancel(shop, admin):
    doc = _paid_through_the_shop(shop)
    [payment] = admin.service.transactions(doc.id)
    with admin.service.db.engine.begin() as conn:  # OroPay charges at once; as if it had authorized
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.id == payment.id).values(action="authorize"))
    view = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
    assert "?dialog=cancel-authorization" in view and "?dialog=capture" not in view
    link = admin.get(f"/admin/invoices/{doc.id}?dialog=capture&transaction={payment.id}")
    assert dialog_notice(link) == "OroPay authorizations are captured at OroPay, not from here."
    resp = admin.submit(f"/admin/invoices/{doc.id}", f"/admin/invoices/{doc.id}/transactions/{payment.id}/capture", {})
    shown = text_of(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert "OroPay cannot capture an authorization from here; capture it at OroPay, which then reports it." in shown
    assert [t.action for t in admin.service.transactions(doc.id)] == ["authorize"]


def test_an_authorization_says_until_when_it_is_held_and_when_that_has_passed(shop, admin):
    doc = _paid_through_the_shop(shop)
    [payment] = admin.service.transactions(doc.id)

    def held_until(when: str) -> str:
        with admin.service.db.engine.begin() as conn:
            conn.execute(update(PaymentTransaction).where(PaymentTransaction.id == payment.id).values(
                action="authorize", data={"capture_before": when}))
        page = admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True)
        row = page.split(f'data-transaction-id="{payment.id}"')[1].split("</tr>")[0]
        return text_of(row.split("data-held-until>")[1])

    assert held_until("2099-01-05T10:00:00+00:00") == "Capture by Jan 5, 2099, 10:00 AM UTC"
    assert held_until("2026-01-05T10:00:00+00:00") == (
        "Held until Jan 5, 2026, 10:00 AM UTC: the provider may have released it.")


# -- the configuration page --------------------------------------------------------------------

def test_secrets_are_write_only_on_the_configuration_page(shop, admin):
    from support.config_form import save
    url = "/admin/config/oro_invoices?scope=global"
    settings = configure(shop[0])
    html = admin.get(url).get_data(as_text=True)
    assert SECRET not in html and "rebate" not in re.findall(r'value="([^"]*)"', html)
    field = re.search(r'<input type="password" id="oro_invoices.oropay.shared_secret"[^>]*>', html).group(0)
    assert 'value=""' in field and "Stored (hidden)" in field
    # saving the form as shown (the secret fields empty) keeps the secrets
    assert save(admin, url, {"oro_invoices.oropay.merchant_id": "NorthwindLive"}).status_code == 302
    assert settings.value(oropay.SHARED_SECRET) == SECRET
    assert settings.value(oropay.MERCHANT_ID) == "NorthwindLive"
    # typing one replaces it; "Use default" forgets it
    assert save(admin, url, {oropay.SHARED_SECRET: "new-secret"}).status_code == 302
    assert settings.value(oropay.SHARED_SECRET) == "new-secret"
    refused = save(admin, url, {oropay.SHARED_SECRET: "bad\x01secret"})
    assert refused.status_code == 422 and "bad\x01secret" not in refused.get_data(as_text=True)
    assert save(admin, url, {oropay.SHARED_SECRET: None, f"{oropay.SHARED_SECRET}.use_default": "1"}).status_code == 302
    assert settings.value(oropay.SHARED_SECRET) == ""


def test_the_payment_method_choices_are_the_registered_methods(admin):
    html = admin.get("/admin/config/oro_invoices?scope=global").get_data(as_text=True)
    select = re.search(r'<select id="oro_invoices.payment_method".*?</select>', html, re.S).group(0)
    registered = admin.service.payment_methods.names()
    assert "oropay" in registered
    assert re.findall(r'<option value="([^"]*)"', select) == ["", *registered]
    # each shown by its label, not its code
    shown = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))
    for method in admin.service.payment_methods:
        assert shown[method.name] == method.label
    assert shown["oropay"] != "oropay"


def test_what_an_authorization_holds_is_shown_and_not_offered_to_pay(shop):
    """An ERP reports an authorization of part of an invoice: the payment page says how much is
    held and offers only the rest; once the rest is paid by bank transfer nothing is offered."""
    configure(shop[0], partial=True)
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")                                   # €261.84 due
    client.service.record_payment(doc.id, {"method": "stripe", "action": "authorize", "amount": "200.00",
                                           "provider_reference": "pi_held_by_the_erp"})
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    text = text_of(page)
    assert "Amount Due €261.84 Of it authorized €200.00 Held by an authorized payment; the seller collects it." in text
    assert "up to €61.84" in text
    client.service.record_payment(doc.id, {"method": "manual", "action": "charge", "amount": "61.84"})
    listing = client.get("/customer/invoices").get_data(as_text=True)
    row = dict(re.findall(r'<tr data-invoice-id="(\d+)">(.*?)</tr>', listing, re.S))[str(doc.id)]
    assert "data-oi-pay>" not in row
    shown = text_of(client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True))
    assert f"Invoice #{doc.invoice_number} is paid. Your payment is authorized; the seller collects it." in shown


def test_a_colleague_paying_is_who_the_hosted_page_is_told_of_and_a_paid_form_shows_its_result(shop):
    """Ben pays Carla's invoice: the hosted page gets Ben's address, not Carla's. Sent again once
    paid, the same form shows the payment's result rather than "nothing is due"."""
    configure(shop[0])
    client = customer(shop, "ben.ortiz@acme.example")
    doc = doc_of(client, "ERP-SO-1003-3")
    assert doc.customer_user_email == "carla.nguyen@acme.example"
    page = client.get(f"/customer/invoices/{doc.id}/payment").get_data(as_text=True)
    fields = hidden_fields(page)
    action = re.search(r'<form method="post" action="([^"]+)" id="oi-payment-form"', page).group(1)
    handover = client.client.post(action, data=fields).get_data(as_text=True)
    assert hidden_fields(handover)["HPP_CUSTOMER_EMAIL"] == "ben.ortiz@acme.example"
    reply, _ = hpp_answer(client, handover)
    result = follow(client, reply)
    assert "Payment Successful" in text_of(result.get_data(as_text=True))
    again = client.client.post(action, data=fields)
    assert again.status_code in (302, 303) and again.headers["Location"] == result.request.path
