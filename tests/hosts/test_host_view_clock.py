"""The view page and the emails sent from it judge "today" by one clock, the services': with a
fixed clock the page's guest payment link, its Overdue badge and the email dialog's body agree,
whatever the machine's own time."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.integration.hosted_page import method as oropay
from oro_invoices.integration.links import STOREFRONT_BASE_URL


def body_of_email_dialog(html: str) -> str:
    return unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def posted_payable(app) -> object:
    """Carla's draft posted, payable at the storefront through the guest link."""
    service = app.extensions["oro_invoices"].service
    settings = app.extensions["oro_invoices"].settings
    for key, value in {"oro_invoices.payments_enabled": True, "oro_invoices.payment_method": "oropay",
                       STOREFRONT_BASE_URL: "https://shop.example", oropay.MERCHANT_ID: "Northwind",
                       oropay.SHARED_SECRET: "shared-secret", oropay.HPP_URL: "https://pay.example/hpp",
                       oropay.API_URL: "https://pay.example/api"}.items():
        settings.set(key, value)
    return service.post(service.find_id(external_id="ERP-SO-1004-4"), actor="test")


def test_with_a_fixed_clock_the_page_and_its_email_agree_whether_the_link_expired(shop, admin, monkeypatch):
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    doc = posted_payable(app)
    link = service.payment_url(doc)
    assert link and doc.posted_at is not None
    # the services' clock a day before the 90-day link lifetime ends: the page and the email give it
    monkeypatch.setattr(service.context, "clock", lambda: doc.posted_at + dt.timedelta(days=89))
    page = admin.get(f"/admin/invoices/{doc.id}?dialog=email").get_data(as_text=True)
    assert 'id="oi-payment-link"' in page and link in body_of_email_dialog(page)
    # a day after it ends (the machine's own clock still says the link is fresh): neither gives it
    monkeypatch.setattr(service.context, "clock", lambda: doc.posted_at + dt.timedelta(days=91))
    page = admin.get(f"/admin/invoices/{doc.id}?dialog=email").get_data(as_text=True)
    assert 'id="oi-payment-link"' not in page and link not in body_of_email_dialog(page)
    assert "Guest Payment Link This payment link has expired." in text_of(page)


def test_with_a_fixed_clock_the_page_and_the_reminder_email_agree_on_days_overdue(shop, admin, monkeypatch):
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    doc = posted_payable(app)
    assert doc.due_date is not None
    # the services' clock ten days past the due date, just before midnight UTC
    ten_days = dt.datetime.combine(doc.due_date + dt.timedelta(days=10), dt.time(23, 59, 30), dt.UTC)
    monkeypatch.setattr(service.context, "clock", lambda: ten_days)
    page = admin.get(f"/admin/invoices/{doc.id}?dialog=email&template=invoice_reminder_template"
                     ).get_data(as_text=True)
    assert "Overdue · 10 days" in text_of(page)
    assert "10 days" in body_of_email_dialog(page)


def test_with_a_fixed_clock_a_note_and_its_activity_entry_show_the_clock_time(shop, admin, monkeypatch):
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    invoice_id = service.find_id(external_id="ERP-SO-1004-4")
    # years away from the machine's own time, so a record stamped by the machine's clock shows
    fixed = dt.datetime(2031, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    monkeypatch.setattr(service.context, "clock", lambda: fixed)
    service.add_note(invoice_id, "Call the buyer back", actor="alice")
    html = admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True)
    note = text_of(re.search(r'<section class="oi-card" id="notes".*?</section>', html, re.S).group(0))
    activity = text_of(re.search(r'<section class="oi-card" id="activity".*?</section>', html, re.S).group(0))
    assert "Mar 4, 2031, 5:06 AM" in note
    assert re.search(r"Call the buyer back .{0,40}Mar 4, 2031, 5:06 AM", activity)
    assert activity.count("2031") == 1


def test_with_a_fixed_clock_an_order_the_shop_writes_is_placed_on_the_services_day(shop, admin, monkeypatch):
    """The shop stamps its own new rows (an order the kit's seeder adds) with the services' clock,
    not the machine's: on a fixed clock the Orders list shows the day the add-on judges on."""
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    host = app.extensions["oro_reference_host"]
    monkeypatch.setattr(service.context, "clock", lambda: dt.datetime(2031, 4, 1, 9, 0, tzinfo=dt.UTC))
    host.add_order(identifier="SO-CLOCKED", currency="EUR", organization_id=1)
    rows = re.findall(r"<tr>(.*?)</tr>", admin.get("/admin/orders").get_data(as_text=True), re.S)
    [row] = [text_of(row) for row in rows if "SO-CLOCKED" in row]
    assert "Apr 1, 2031" in row
