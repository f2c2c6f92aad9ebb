"""Overdue in the reference shop: the grid's filter and badge, the view page, the storefront list,
and the reminders an invoice was sent."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from support.list_pages import grid_numbers as grid_rows
from support.pdfs import pdf_text

from oro_invoices.domain.overdue import days_overdue
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.reminders import send_due_reminders


def grid_numbers(html: str) -> set[str]:
    return set(grid_rows(html))


def overdue_invoice(client: ShopClient, days: int) -> int:
    """A posted invoice of Acme (the seeded customer of ERP-SO-1001-1), ``days`` past its due date."""
    service = client.service
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    today = service.today()
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
    service, today = admin.service, admin.service.today()
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


def storefront_balance(client: ShopClient, currency: str) -> tuple[Decimal, Decimal]:
    """(Open, Overdue) of Account > Invoices' balance in ``currency``."""
    page = client.get("/customer/invoices").get_data(as_text=True)
    block = re.search(rf'<dl class="oi-balance__currency" data-currency="{currency}">(.*?)</dl>', page, re.S).group(1)
    return tuple(Decimal(re.sub(r"[^\d.]", "", text_of(re.search(rf'data-oi-balance="{kind}">(.*?)</dd>', block,
                                                                  re.S).group(1))))
                 for kind in ("open", "overdue"))


def test_an_invoice_whose_rest_is_authorized_is_owed_but_not_overdue_nor_reminded(shop, admin):
    """Paid in part by bank transfer and authorized by card for the rest, ten days past its due date:
    the grid, the view page and the storefront say "Payment authorized" instead of Overdue, the
    filters leave it out of Overdue, the storefront balance owes it but not as overdue, and no
    reminder is sent. Authorized for part only, the rest is overdue and reminded."""
    service = admin.service
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    currency = service.get(service.find_id(external_id="ERP-SO-1001-1")).currency
    before = storefront_balance(client, currency)
    held, partly = overdue_invoice(admin, 10), overdue_invoice(admin, 12)
    service.record_payment(held, {"method": "bank", "action": "charge", "amount": "30.00"})
    service.record_payment(held, {"method": "stripe", "action": "authorize", "amount": "50.00",
                                  "provider_reference": "pi_rest_held"})
    service.record_payment(partly, {"method": "stripe", "action": "authorize", "amount": "20.00",
                                    "provider_reference": "pi_part_held"})
    numbers = {invoice_id: service.get(invoice_id).invoice_number for invoice_id in (held, partly)}

    yes = admin.get("/admin/invoices?overdue=yes").get_data(as_text=True)
    assert numbers[partly] in grid_numbers(yes) and numbers[held] not in grid_numbers(yes)
    no = admin.get("/admin/invoices?overdue=no").get_data(as_text=True)
    assert numbers[held] in grid_numbers(no)
    row = text_of(re.search(rf'<tr data-invoice-id="{held}">.*?</tr>', no, re.S).group(0))
    assert "Paid partially Payment authorized" in row and "Overdue" not in row
    row = text_of(re.search(rf'<tr data-invoice-id="{partly}">.*?</tr>', yes, re.S).group(0))
    assert "Payment authorized partially Overdue · 12 days" in row
    html = admin.get(f"/admin/invoices/{held}").get_data(as_text=True)
    heading = text_of(re.search(r'<div class="oi-head__title">.*?</div>', html, re.S).group(0))
    assert "Paid partially Payment authorized" in heading and "Overdue" not in heading

    listed = client.get("/customer/invoices?overdue=yes").get_data(as_text=True)
    assert numbers[partly] in listed and numbers[held] not in listed
    view = text_of(client.get(f"/customer/invoices/{held}").get_data(as_text=True))
    assert "Paid partially Payment authorized" in view and "Overdue ·" not in view
    open_, overdue = storefront_balance(client, currency)
    # both still owe all that is due (50.00 and 80.00); of it overdue only what no card holds (60.00)
    assert (open_ - before[0], overdue - before[1]) == (Decimal("130.00"), Decimal("60.00"))

    Settings(service.settings.store).set("oro_invoices.reminders.enabled", True)
    extension = shop[0].extensions["oro_invoices"]
    report = send_due_reminders(extension.service, extension.mail)
    assert partly in {r.invoice_id for r in report.queued}
    assert held not in {r.invoice_id for r in report.queued}


def aging_row(admin, currency: str, customer_name: str) -> list[Decimal]:
    """The Aging Report's line of ``customer_name`` in ``currency``: its amounts, Not Yet Due to Total Due."""
    page = admin.get(f"/admin/invoices/aging?currency={currency}").get_data(as_text=True)
    table = re.search(rf'<table[^>]*data-currency="{currency}".*?</table>', page, re.S).group(0)
    row = re.search(rf'<tr data-customer-id="\d+">(?:(?!</tr>).)*?{re.escape(customer_name)}.*?</tr>', table,
                    re.S).group(0)
    cells = [text_of(c) for c in re.findall(r"<td\b.*?</td>", row, re.S)]
    return [Decimal(cell.replace(",", "")) for cell in cells[1:7]]


def test_an_invoice_authorized_in_full_is_owed_on_the_statement_and_in_the_aging_but_not_overdue(shop, admin):
    """A card authorized for all of an invoice ten days past its due date, nothing captured yet: the
    customer owes it (the storefront balance's Open, their statement, the Aging Report's 1–30 days)
    until the seller captures it, but it is not overdue: the statement says "Payment authorized"
    instead of its days overdue, the Overdue filters and the balance's Overdue leave it out, and
    no reminder is sent."""
    service = admin.service
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    model = service.get(service.find_id(external_id="ERP-SO-1001-1"))
    currency, name = model.currency, model.customer_name
    before, aged = storefront_balance(client, currency), aging_row(admin, currency, name)
    authorized = overdue_invoice(admin, 10)
    service.record_payment(authorized, {"method": "stripe", "action": "authorize", "amount": "80.00",
                                        "provider_reference": "pi_authorized_in_full"})
    doc = service.get(authorized)
    assert doc.payment_status.value == "authorized"

    open_, overdue = storefront_balance(client, currency)
    assert (open_ - before[0], overdue - before[1]) == (Decimal("80.00"), Decimal("0.00"))
    pdf = " ".join(pdf_text(client.get("/customer/invoices/statement.pdf").get_data(), layout=False).split())
    # its dates, then "Payment authorized" where its days overdue would be
    assert re.search(rf"{doc.invoice_number} (\w+ \d+, \d{{4}} ){{2}}Payment authorized", pdf), pdf
    page = admin.get(f"/admin/invoices/statement?customer={doc.customer_id}").get_data(as_text=True)
    row = re.search(rf'<tr data-invoice-id="{authorized}" data-bucket="days_1_30">.*?</tr>', page, re.S).group(0)
    assert "Payment authorized" in text_of(row) and "data-payment-authorized" in row
    now = aging_row(admin, currency, name)
    assert [b - a for a, b in zip(aged, now, strict=True)] == [0, Decimal("80.00"), 0, 0, 0, Decimal("80.00")]

    assert doc.invoice_number not in grid_numbers(admin.get("/admin/invoices?overdue=yes").get_data(as_text=True))
    no = admin.get("/admin/invoices?overdue=no").get_data(as_text=True)
    row = text_of(re.search(rf'<tr data-invoice-id="{authorized}">.*?</tr>', no, re.S).group(0))
    assert "Payment authorized" in row and "Overdue" not in row
    assert doc.invoice_number not in client.get("/customer/invoices?overdue=yes").get_data(as_text=True)
    Settings(service.settings.store).set("oro_invoices.reminders.enabled", True)
    extension = shop[0].extensions["oro_invoices"]
    assert authorized not in {r.invoice_id for r in send_due_reminders(extension.service, extension.mail).queued}
