""""Today" is the date in the invoice's configured time zone (``oro_invoices.timezone``), not the
UTC date: just after midnight in Tokyo, while it is still the day before in UTC, an invoice due
"yesterday" in Tokyo is overdue on its page, the grid, its reminder email and the API, and a payment
can be recorded as received on Tokyo's today."""
from __future__ import annotations

import datetime as dt
import logging
import re
from html import unescape

from support.api import shop_api_call
from support.days import shown

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.services.context import DocumentScope
from oro_invoices.web import mounting
from oro_invoices.web.sessions import SessionCsrf

DUE = dt.date(2031, 3, 4)
#: 16:30 UTC on the due date: 01:30 the next day in Tokyo (UTC+9)
MOMENT = dt.datetime(2031, 3, 4, 16, 30, tzinfo=dt.UTC)


def due_on_the_eve(shop, admin, monkeypatch, zone: str) -> int:
    """A posted invoice of Northwind due on ``DUE``, the clock at ``MOMENT``, the organization in ``zone``."""
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    app.extensions["oro_invoices"].settings.set("oro_invoices.timezone", zone, "organization", model.organization_id)
    monkeypatch.setattr(service.context, "clock", lambda: MOMENT)
    invoice = service.create({
        "invoice_date": (DUE - dt.timedelta(days=30)).isoformat(), "due_date": DUE.isoformat(),
        "currency": model.currency, "organization_id": model.organization_id, "customer_id": model.customer_id,
        "customer_user_id": model.customer_user_id, "external_id": "EVE-1", "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Late widget", "quantity": "1", "unit_price": "80.00"}]}, actor="test")
    return service.post(invoice.id, actor="test").id


def reminder_body(admin, invoice_id: int) -> str:
    page = admin.get(f"/admin/invoices/{invoice_id}?dialog=email&template=invoice_reminder_template").get_data(as_text=True)
    return unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_east_of_utc_after_local_midnight_the_invoice_is_overdue_everywhere(shop, admin, monkeypatch):
    invoice_id = due_on_the_eve(shop, admin, monkeypatch, "Asia/Tokyo")
    view = text_of(admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    assert "Overdue · 1 day" in view
    grid = admin.get("/admin/invoices?overdue=yes").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{invoice_id}">.*?</tr>', grid, re.S)
    assert row and "Overdue · 1 day" in text_of(row.group(0))
    assert "1 day" in reminder_body(admin, invoice_id)
    api = shop_api_call(shop, "GET", f"/invoices/{invoice_id}").get_json()
    assert (api["overdue"], api["days_overdue"]) == (True, 1)
    listed = shop_api_call(shop, "GET", "/invoices?overdue=true&limit=100").get_json()
    assert [(r["overdue"], r["days_overdue"]) for r in listed["data"] if r["id"] == invoice_id] == [(True, 1)]


def test_in_utc_the_same_moment_is_still_the_due_date(shop, admin, monkeypatch):
    invoice_id = due_on_the_eve(shop, admin, monkeypatch, "UTC")
    assert "Overdue ·" not in text_of(admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    grid = admin.get("/admin/invoices?overdue=yes").get_data(as_text=True)
    assert f'<tr data-invoice-id="{invoice_id}">' not in grid
    api = shop_api_call(shop, "GET", f"/invoices/{invoice_id}").get_json()
    assert (api["overdue"], api["days_overdue"]) == (False, 0)


def test_a_payment_can_be_recorded_as_received_on_the_local_today(shop, admin, monkeypatch):
    invoice_id = due_on_the_eve(shop, admin, monkeypatch, "Asia/Tokyo")
    view = f"/admin/invoices/{invoice_id}"
    dialog = admin.get(f"{view}?dialog=record-payment").get_data(as_text=True)
    tokyo_today = DUE + dt.timedelta(days=1)
    received = re.search(r'<input type="date" id="oi-record-received-on"[^>]*>', dialog).group(0)
    assert f'value="{tokyo_today.isoformat()}"' in received and f'max="{tokyo_today.isoformat()}"' in received
    done = admin.submit(view, f"{view}/payments", {"amount": "40.00", "method": "bank_transfer",
                                                   "received_on": tokyo_today.isoformat(), "reference": "TT-1",
                                                   "notes": ""}, follow_redirects=True)
    assert done.status_code == 200, text_of(done.get_data(as_text=True))[:500]
    payments = re.search(r'<section class="oi-card" id="payments".*?</section>', done.get_data(as_text=True), re.S)
    assert re.search(rf"{re.escape(shown(tokyo_today))} recorded Mar 5, 2031, 1:30\sAM", text_of(payments.group(0)))
    # a day later than Tokyo's today is refused, naming that day
    later = admin.submit(view, f"{view}/payments", {"amount": "1.00", "method": "bank_transfer",
                                                    "received_on": (tokyo_today + dt.timedelta(days=1)).isoformat(),
                                                    "reference": "TT-2", "notes": ""})
    assert f"The payment cannot be received after today ({shown(tokyo_today)})." in text_of(later.get_data(as_text=True))


def test_a_time_zone_given_to_the_web_context_gives_way_to_the_setting(shop, caplog):
    """Pages write a moment in the configured zone, as the emails do, whatever zone the host passes."""
    extension = shop[0].extensions["oro_invoices"]
    extension.settings.set("oro_invoices.timezone", "Europe/Berlin", "organization", 1)
    with caplog.at_level(logging.WARNING, logger="oro_invoices.web.context"):
        ctx = mounting.build_context(extension.services, extension.host, csrf=SessionCsrf(),
                                     url_builder=extension.url_for, static_url=extension.static_url,
                                     timezone="Asia/Tokyo")
    assert "The time zone 'Asia/Tokyo' given to the web context is ignored" in caplog.text
    page = ctx.formatters.for_page(ScopeContext(organization_id=1)).datetime(MOMENT)
    assert re.fullmatch(r"Mar 4, 2031, 5:30\sPM GMT\+01:00", page), page
    email = extension.mail.renderer_for(DocumentScope(1)).text_env.filters["datetime"](MOMENT)
    assert email == page


#: 23:30 UTC on the last day of a month: already the 1st in Tokyo
MONTH_EVE = dt.datetime(2031, 3, 31, 23, 30, tzinfo=dt.UTC)


def test_downloads_are_named_by_the_admins_today_in_their_organizations_zone(shop, admin, monkeypatch):
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    northwind = service.get(service.find_id(external_id="ERP-SO-1001-1")).organization_id
    app.extensions["oro_invoices"].settings.set("oro_invoices.timezone", "Asia/Tokyo", "organization", northwind)
    monkeypatch.setattr(service.context, "clock", lambda: MONTH_EVE)
    for url, name in (("/admin/invoices/export.csv", "invoices-2031-04-01.csv"),
                      ("/admin/invoices/export-totals.csv", "invoice-totals-2031-04-01.csv"),
                      ("/admin/invoices/export-pdfs.zip?status=posted", "invoice-pdfs-2031-04-01.zip")):
        resp = admin.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        resp.get_data()
