"""The days a document is given are its organization's books' day, whatever its website's: where a
website's time zone is ahead of its organization's or behind it, a payment recorded by hand is
received by the books' today at the latest (and on it by default), and is on the activity
statement of that day; an invoice from an order and a credit note are dated the books' today."""
from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pypdf
import pytest
from support.api import shop_api_call
from support.days import shown
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.testing import text_of

#: Noon UTC on January 15th: already the 16th on Kiritimati (UTC+14), still the 15th in Pago Pago (UTC-11).
NOON = dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC)
EARLY, LATE = dt.date(2031, 1, 15), dt.date(2031, 1, 16)

#: (organization's zone, website's zone, the books' day, the website's day)
ZONES = [
    pytest.param("Pacific/Pago_Pago", "Pacific/Kiritimati", EARLY, LATE, id="website-ahead"),
    pytest.param("Pacific/Kiritimati", "Pacific/Pago_Pago", LATE, EARLY, id="website-behind"),
]


def zoned(shop, monkeypatch, organization_zone: str, website_zone: str):
    """Northwind in ``organization_zone``, its EU store in ``website_zone``, the clock at ``NOON``.
    Returns (service, a posted invoice of Acme's on the EU store)."""
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    monkeypatch.setattr(service.context, "clock", lambda: NOON)
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    settings = app.extensions["oro_invoices"].settings
    settings.set("oro_invoices.timezone", organization_zone, "organization", model.organization_id)
    settings.set("oro_invoices.timezone", website_zone, "website", model.website_id)
    invoice = service.create({
        "invoice_date": "2031-01-02", "due_date": "2031-02-01", "currency": model.currency,
        "organization_id": model.organization_id, "website_id": model.website_id,
        "customer_id": model.customer_id, "customer_user_id": model.customer_user_id, "external_id": "DAYS-1",
        "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Zone widget", "quantity": "1", "unit_price": "80.00"}]}, actor="test")
    return service, service.post(invoice.id, actor="test")


@pytest.mark.parametrize("organization_zone, website_zone, books_day, website_day", ZONES)
def test_a_payment_is_received_by_the_books_today_and_is_on_its_statement(
        shop, admin, monkeypatch, organization_zone, website_zone, books_day, website_day):
    service, invoice = zoned(shop, monkeypatch, organization_zone, website_zone)
    view = f"/admin/invoices/{invoice.id}"
    dialog = admin.get(f"{view}?dialog=record-payment").get_data(as_text=True)
    received = re.search(r'<input type="date" id="oi-record-received-on"[^>]*>', dialog).group(0)
    assert f'value="{books_day.isoformat()}"' in received and f'max="{books_day.isoformat()}"' in received

    def record(day: dt.date, reference: str):
        return admin.submit(view, f"{view}/payments", {"amount": "30.00", "method": "bank_transfer",
                                                       "received_on": day.isoformat(), "reference": reference,
                                                       "notes": ""}, follow_redirects=True)

    later = record(books_day + dt.timedelta(days=1), "DAY-0")
    assert f"The payment cannot be received after today ({shown(books_day)})." in text_of(later.get_data(as_text=True))
    if website_day > books_day:      # the website's today is a day the books have not reached
        refused = record(website_day, "DAY-0")
        assert "The payment cannot be received after today" in text_of(refused.get_data(as_text=True))
    api = shop_api_call(shop, "POST", "/receivables/payments", {
        "method": "bank_transfer", "received_on": max(website_day, books_day + dt.timedelta(days=1)).isoformat(),
        "reference": "DAY-0", "amount": "30.00", "invoices": [{"id": invoice.id}]})
    assert api.status_code == 422 and [e["field"] for e in api.get_json()["errors"]] == ["received_on"]
    done = record(books_day, "DAY-1")
    assert done.status_code == 200, text_of(done.get_data(as_text=True))[:500]
    activity = shop_api_call(shop, "GET", f"/receivables/activity?customer_id={invoice.customer_id}"
                                          f"&from={books_day.isoformat()}&to={books_day.isoformat()}")
    assert activity.status_code == 200, activity.get_json()
    payments = [(e["date"], e["amount"], e["reference"]) for s in activity.get_json()["sections"]
                for e in s["entries"] if e["kind"] == "payment" and e["invoice_id"] == invoice.id]
    assert payments == [(books_day.isoformat(), "-30.00", "DAY-1")]


@pytest.mark.parametrize("organization_zone, website_zone, books_day, website_day", ZONES)
def test_a_payments_receipt_says_the_day_received_and_is_dated_no_later_than_it_was_recorded(
        shop, admin, monkeypatch, organization_zone, website_zone, books_day, website_day):
    """The receipt email and PDF write the day received as it is, whatever the website's zone;
    the PDF is dated noon of that day in the books' zone, or when the payment was recorded where
    that is earlier (received today: noon there is still to come)."""
    app, _ = shop
    service, invoice = zoned(shop, monkeypatch, organization_zone, website_zone)
    app.extensions["oro_invoices"].settings.set("oro_invoices.mail.payment_receipts", True)
    mail = app.extensions["oro_invoices"].mail
    view = f"/admin/invoices/{invoice.id}"
    yesterday = books_day - dt.timedelta(days=1)
    for day in (books_day, yesterday):
        done = admin.submit(view, f"{view}/payments", {"amount": "30.00", "method": "bank_transfer",
                                                       "received_on": day.isoformat(), "reference": f"R-{day}",
                                                       "notes": ""}, follow_redirects=True)
        assert done.status_code == 200, text_of(done.get_data(as_text=True))[:500]
    emails = [e for e in reversed(mail.emails(invoice.id)) if e.template == "payment_receipt_template"]
    assert [re.search(r"Payment date: (.*)", mail.email_bodies(e.id)[2] or "").group(1) for e in emails] == [
        shown(books_day), shown(yesterday)]
    noon_yesterday = dt.datetime.combine(yesterday, dt.time(12), tzinfo=zoneinfo.ZoneInfo(organization_zone))
    for tx, day, dated in zip(service.transactions(invoice.id), (books_day, yesterday),
                              (NOON, noon_yesterday.astimezone(dt.UTC)), strict=True):
        _, pdf = service.receipt_pdf(invoice.id, tx.id)
        assert f"was received for invoice {invoice.display_number} on {shown(day)}." in pdf_words(pdf)
        assert pypdf.PdfReader(io.BytesIO(pdf)).metadata["/CreationDate"].startswith(f"D:{dated:%Y%m%d%H%M%S}")

@pytest.mark.parametrize("organization_zone, website_zone, books_day, website_day", ZONES)
def test_an_invoice_from_an_order_is_dated_the_books_today(
        shop, admin, monkeypatch, organization_zone, website_zone, books_day, website_day):
    app, info = shop
    order = info["orders"][0]
    service = app.extensions["oro_invoices"].service
    website = app.extensions["oro_invoices"].host.orders.get(order["id"]).website_id
    monkeypatch.setattr(service.context, "clock", lambda: NOON)
    settings = app.extensions["oro_invoices"].settings
    settings.set("oro_invoices.timezone", organization_zone, "organization", order["organization_id"])
    settings.set("oro_invoices.timezone", website_zone, "website", website)
    tab = admin.get(f"/admin/orders/{order['id']}?tab=oro_invoices.order_invoices").get_data(as_text=True)
    proposed = re.search(r'id="oi-order-invoice-date" name="invoice_date" value="([0-9-]+)"', tab)
    assert proposed and proposed.group(1) == books_day.isoformat()
    made = shop_api_call(shop, "POST", f"/orders/{order['id']}/invoices", {"invoice_again": True})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["invoice_date"] == books_day.isoformat()


@pytest.mark.parametrize("organization_zone, website_zone, books_day, website_day", ZONES)
def test_a_credit_note_is_dated_the_books_today(
        shop, monkeypatch, organization_zone, website_zone, books_day, website_day):
    _, invoice = zoned(shop, monkeypatch, organization_zone, website_zone)
    made = shop_api_call(shop, "POST", f"/invoices/{invoice.id}/credit-notes", {"full": True, "reason": "Returned"})
    assert made.status_code == 201, made.get_json()
    note = shop_api_call(shop, "GET", f"/invoices/{invoice.id}/credit-notes").get_json()["data"]
    assert [n["invoice_date"] for n in note] == [books_day.isoformat()]


#: Noon UTC on January 31st: already February 1st on Kiritimati, still January 31st in Pago Pago.
MONTH_END = dt.datetime(2031, 1, 31, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("organization_zone, website_zone, month", [
    pytest.param("Pacific/Pago_Pago", "Pacific/Kiritimati", "01", id="website-ahead"),
    pytest.param("Pacific/Kiritimati", "Pacific/Pago_Pago", "02", id="website-behind"),
])
def test_an_invoice_and_its_credit_note_are_numbered_in_the_books_month(
        shop, monkeypatch, organization_zone, website_zone, month):
    service, _ = zoned(shop, monkeypatch, organization_zone, website_zone)
    monkeypatch.setattr(service.context, "clock", lambda: MONTH_END)
    model = service.get(service.find_id(external_id="DAYS-1"))
    invoice = service.create({
        "invoice_date": "2031-01-30", "due_date": "2031-03-01", "currency": model.currency,
        "organization_id": model.organization_id, "website_id": model.website_id,
        "customer_id": model.customer_id, "customer_user_id": model.customer_user_id, "external_id": "DAYS-2",
        "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Month widget", "quantity": "1", "unit_price": "20.00"}]}, actor="test")
    posted = shop_api_call(shop, "POST", f"/invoices/{invoice.id}/post")
    assert posted.status_code == 200, posted.get_json()
    assert re.search(rf"-2031-{month}-\d+$", posted.get_json()["invoice_number"]), posted.get_json()["invoice_number"]
    made = shop_api_call(shop, "POST", f"/invoices/{invoice.id}/credit-notes", {"full": True})
    assert made.status_code == 201, made.get_json()
    [note] = shop_api_call(shop, "GET", f"/invoices/{invoice.id}/credit-notes").get_json()["data"]
    assert note["invoice_date"][5:7] == month and re.search(rf"-2031-{month}-\d+$", note["invoice_number"])
