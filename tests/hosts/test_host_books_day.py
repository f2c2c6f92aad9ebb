"""The organization owns the day of its books: where a website sets a time zone of its own, its
invoices are judged overdue, aged, balanced and put on statements on the organization's today,
so that the storefront list's Overdue, its badges and its balance agree with the invoice's page,
the API and the statements."""
from __future__ import annotations

import datetime as dt
import inspect
import re

import pytest
from support.api import shop_api_call

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.web.grid_rows import grid_rows
from oro_invoices.web.storefront_rows import storefront_rows

#: Noon UTC on January 15th: already the 16th on Kiritimati (UTC+14), still the 15th in Pago Pago (UTC-11).
NOON = dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC)
WEBSITE_DAY, BOOKS_DAY = dt.date(2031, 1, 15), dt.date(2031, 1, 16)
AMANDA = "amanda.cole@acme.example"        # Acme: invoices of the Northwind EU Store


def due_on_the_websites_today(shop, monkeypatch):
    """An invoice of Amanda's on the EU store due on January 15th, the clock at ``NOON``, the
    organization on Kiritimati and the EU store in Pago Pago: the website's today is its due
    date, the organization's is the day after. Returns (service, invoice, website)."""
    app, _ = shop
    service = app.extensions["oro_invoices"].service
    monkeypatch.setattr(service.context, "clock", lambda: NOON)
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    settings = app.extensions["oro_invoices"].settings
    settings.set("oro_invoices.timezone", "Pacific/Kiritimati", "organization", model.organization_id)
    settings.set("oro_invoices.timezone", "Pacific/Pago_Pago", "website", model.website_id)
    invoice = service.create({
        "invoice_date": "2031-01-02", "due_date": WEBSITE_DAY.isoformat(), "currency": model.currency,
        "organization_id": model.organization_id, "website_id": model.website_id,
        "customer_id": model.customer_id, "customer_user_id": model.customer_user_id, "external_id": "BOOKS-1",
        "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Zone widget", "quantity": "1", "unit_price": "70.00"}]}, actor="test")
    invoice = service.post(invoice.id, actor="test")
    assert service.today(invoice) == WEBSITE_DAY and service.books_today(invoice) == BOOKS_DAY
    return service, invoice, model.website_id


def on_the_website(shop, website_id: int) -> ShopClient:
    """Amanda's client on the storefront of ``website_id``."""
    client = ShopClient(shop[0])
    client.login_customer(AMANDA)
    resp = client.submit("/customer/account", "/website", {"website_id": str(website_id), "next": "/customer/account"})
    assert resp.status_code == 302
    return client


def test_the_storefront_lists_badges_and_balances_overdue_on_the_organizations_day(shop, monkeypatch):
    service, invoice, website = due_on_the_websites_today(shop, monkeypatch)
    client = on_the_website(shop, website)
    page = client.get("/customer/invoices").get_data(as_text=True)
    link = re.search(r'<a class="oi-balance__overdue" href="([^"]+)">', page).group(1)
    overdue = client.get("/customer/invoices" + link).get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{invoice.id}">.*?</tr>', overdue, re.S)
    assert row is not None, "the Overdue filter leaves out an invoice the balance counts overdue"
    assert "Overdue" in text_of(row.group(0))
    listed = [service.get(int(i)) for i in re.findall(r'<tr data-invoice-id="(\d+)">', overdue)]
    shown = text_of(re.search(r'data-oi-balance="overdue">(.*?)</dd>', page, re.S).group(1))
    assert shown == f"€{sum(doc.amount_due for doc in listed):,.2f}"


def test_the_invoices_page_api_and_statement_judge_it_on_the_organizations_day(shop, admin, monkeypatch):
    service, invoice, website = due_on_the_websites_today(shop, monkeypatch)
    assert "Overdue · 1 day" in text_of(admin.get(f"/admin/invoices/{invoice.id}").get_data(as_text=True))
    api = shop_api_call(shop, "GET", f"/invoices/{invoice.id}").get_json()
    assert (api["overdue"], api["days_overdue"]) == (True, 1)
    on_website = InvoiceFilter(organization_id=invoice.organization_id, website_id=website,
                               customer_id=invoice.customer_id)
    statement = service.customer_statement(on_website)
    assert statement.as_of == BOOKS_DAY
    item = next(i for s in statement.sections for i in s.items if i.invoice_id == invoice.id)
    assert item.days_overdue == 1
    overdue = service.list_invoices(InvoiceFilter(organization_id=invoice.organization_id, website_id=website,
                                                   overdue=True), limit=100).items
    assert invoice.id in {i.id for i in overdue}

def test_a_day_of_the_organizations_books_is_past_for_a_websites_statement(shop, monkeypatch):
    """On the organization's January 16th, its 15th is past (ended at midnight on Kiritimati)
    for a statement narrowed to the website, though the website is still on the 15th."""
    service, invoice, website = due_on_the_websites_today(shop, monkeypatch)
    on_website = InvoiceFilter(organization_id=invoice.organization_id, website_id=website,
                               customer_id=invoice.customer_id)
    past = service.customer_statement(on_website, today=WEBSITE_DAY)
    assert past.as_of == WEBSITE_DAY
    assert invoice.id in {i.invoice_id for s in past.sections for i in s.items}   # owed at the end of that day
    activity = on_the_website(shop, website).get("/customer/invoices/activity?from=2031-01-01&to=2031-01-16")
    assert activity.status_code == 200                                            # not a day to come
    assert "oi-error-summary" not in activity.get_data(as_text=True)


@pytest.mark.parametrize("rows", [grid_rows, storefront_rows], ids=["grid", "storefront"])
def test_the_lists_rows_are_judged_on_a_day_their_page_gives(rows):
    """The grid's and the storefront list's rows have no day of their own to fall back on (the
    global time zone's would badge a row on another day than its page's Overdue filter): their
    page names the day, by keyword."""
    today = inspect.signature(rows).parameters["today"]
    assert (today.kind, today.default) == (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty)


def test_the_grid_badges_it_overdue_on_the_organizations_day(shop, admin, monkeypatch):
    service, invoice, _website = due_on_the_websites_today(shop, monkeypatch)
    grid = admin.get("/admin/invoices?overdue=yes").get_data(as_text=True)
    row = re.search(rf'<tr[^>]*data-invoice-id="{invoice.id}".*?</tr>', grid, re.S)
    assert row is not None, "the grid's Overdue filter leaves out an invoice overdue on the organization's day"
    assert "Overdue" in text_of(row.group(0))
