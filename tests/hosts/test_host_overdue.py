"""Overdue in the reference shop: the grid's filter and badge, the view page, the storefront list,
and the reminders an invoice was sent."""
from __future__ import annotations

import datetime as dt
import re

from support.list_pages import grid_numbers as grid_rows

from oro_invoices.domain.overdue import days_overdue, local_today
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.reminders import send_due_reminders


def grid_numbers(html: str) -> set[str]:
    return set(grid_rows(html))


def overdue_invoice(client: ShopClient, days: int) -> int:
    """A posted invoice of Acme (the seeded customer of ERP-SO-1001-1), ``days`` past its due date."""
    service = client.service
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    today = local_today(service.clock())
    invoice = service.create({
        "invoice_date": (today - dt.timedelta(days=days + 30)).isoformat(),
        "due_date": (today - dt.timedelta(days=days)).isoformat(), "currency": model.currency,
        "organization_id": model.organization_id, "customer_id": model.customer_id,
        "customer_user_id": model.customer_user_id, "external_id": f"LATE-{days}",
        "bill_to": model.bill_to.as_dict(),
        "lines": [{"description": "Late widget", "quantity": "1", "unit_price": "80.00"}]},
        actor="test")
    return service.post(invoice.id, actor="test").id


def test_grid_filters_overdue_and_marks_each_row(admin):
    late = admin.service.get(overdue_invoice(admin, 10))
    service, today = admin.service, local_today(admin.service.clock())
    rows = service.list_invoices({"organization_id": 1}, limit=500).items
    expected = {r.display_number for r in rows if days_overdue(r, today)}
    assert late.invoice_number in expected

    yes = admin.get("/admin/invoices?overdue=yes").get_data(as_text=True)
    assert grid_numbers(yes) == expected
    no = admin.get("/admin/invoices?overdue=no").get_data(as_text=True)
    assert grid_numbers(no) == {r.display_number for r in rows} - expected
    row = re.search(rf'<tr data-invoice-id="{late.id}">.*?</tr>', yes, re.S).group(0)
    assert "Overdue · 10 days" in text_of(row)
    assert '<option value="yes" selected>Yes</option>' in yes
    assert "Overdue ·" not in text_of(no)

    bad = admin.get("/admin/invoices?overdue=maybe")
    assert bad.status_code == 422 and "Use Yes or No." in text_of(bad.get_data(as_text=True))


def test_view_page_shows_the_badge_and_the_reminders_sent(admin, shop):
    invoice_id = overdue_invoice(admin, 8)
    html = admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True)
    heading = re.search(r'<div class="oi-head__title">.*?</div>', html, re.S).group(0)
    assert "Overdue · 8 days" in text_of(heading)
    assert "Payment Reminders" not in html

    Settings(admin.service.settings.store).set("oro_invoices.reminders.enabled", True)
    extension = shop[0].extensions["oro_invoices"]
    report = send_due_reminders(extension.service, extension.mail)
    assert invoice_id in {r.invoice_id for r in report.queued}
    text = text_of(admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    assert re.search(r"Payment Reminders Step Sent on Queued By 7 days overdue \w+ \d+, \d{4}", text)
    assert "Payment reminder (7 days overdue) queued" in text
    assert "Payment reminder: invoice" in text   # the message in Emails


def test_storefront_list_and_view_show_overdue(shop, admin):
    invoice_id = overdue_invoice(admin, 3)
    number = admin.service.get(invoice_id).invoice_number
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    listed = client.get("/customer/invoices?overdue=yes").get_data(as_text=True)
    assert number in listed and "Overdue · 3 days" in text_of(listed)
    assert number not in client.get("/customer/invoices?overdue=no").get_data(as_text=True)
    view = client.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True)
    assert "Overdue · 3 days" in text_of(view)


def test_the_email_dialog_offers_the_reminder_template(admin):
    invoice_id = overdue_invoice(admin, 12)
    html = admin.get(f"/admin/invoices/{invoice_id}?dialog=email&template=invoice_reminder_template")
    page = html.get_data(as_text=True)
    assert '<option value="invoice_reminder_template" selected>' in page
    number = admin.service.get(invoice_id).invoice_number
    assert f"Payment reminder: invoice {number} is 12 days overdue" in page
