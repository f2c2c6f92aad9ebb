"""A customer's statement in the reference shop: opened from the Aging Report, it lists exactly the
customer's invoices that can still be paid with what each owes, adds up to the report's line, and
downloads as PDF and CSV; the storefront's balance offers the statement of what the user sees."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from decimal import Decimal

import pytest
from support.admins import admin_with
from support.api import shop_api_call as api_call
from support.list_pages import ROLES, customer
from support.payloads import posted_for_seeded_customer
from support.pdfs import pdf_text
from support.variant import inline_jobs_only

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.statuses import is_owed
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport
from oro_invoices.services.reminders import send_due_reminders


def open_invoices(service, **filters) -> dict[str, Decimal]:
    """The amount due of each invoice the grid lists for ``filters`` that can still be paid, by number."""
    return {item.invoice_number: item.amount_due
            for item in service.list_invoices({"status": "posted", **filters}, limit=500).items
            if item.document_type.value == "invoice" and is_owed(item.payment_status, item.amount_due)}


def statement_rows(page: str, currency: str) -> dict[str, list[str]]:
    """The statement's rows in ``currency``: its cells (as read) by invoice number."""
    table = re.search(rf'<table class="oi-table" id="oi-statement-{currency}".*?</table>', page, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = [[text_of(c) for c in re.findall(r"<t[hd]\b.*?</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr\b.*?</tr>", body, re.S)]
    return {row[0]: row[1:] for row in rows}


def test_the_aging_reports_customer_opens_their_statement(admin):
    service = admin.service
    late = posted_for_seeded_customer(service, due_date="2026-01-15", invoice_date="2026-01-01")
    service.record_payment(late.id, {"method": "bank", "action": "charge", "amount": "10.00"})
    aging = admin.get("/admin/invoices/aging").get_data(as_text=True)
    link = re.search(rf'<tr data-customer-id="{late.customer_id}">.*?<a class="oi-statement-link" href="([^"]+)"',
                     aging, re.S).group(1)
    resp = admin.get(html_lib.unescape(link))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"Statement of {late.customer_name}" in text_of(page)
    for currency in ("EUR", "USD"):
        expected = open_invoices(service, organization_id=1, customer_id=late.customer_id, currency=currency)
        if not expected:
            assert f'id="oi-statement-{currency}"' not in page
            continue
        rows = statement_rows(page, currency)
        assert {number: Decimal(cells[-1].replace(",", "")) for number, cells in rows.items()} == expected
        shown_total = re.search(rf'id="oi-statement-{currency}".*?data-total>([^<]+)<', page, re.S).group(1)
        assert Decimal(shown_total.replace(",", "")) == sum(expected.values())
    row = statement_rows(page, late.currency)[late.invoice_number]
    assert row[2] and int(row[2]) > 90 and row[4] == "10.00"            # days overdue; paid
    assert f'href="/admin/invoices/{late.id}"' in page                   # each invoice opens its view page


def test_the_statement_downloads_as_pdf_and_csv(admin):
    late = posted_for_seeded_customer(admin.service, due_date="2026-01-15", invoice_date="2026-01-01")
    query = f"?customer={late.customer_id}"
    pdf = admin.get("/admin/invoices/statement.pdf" + query)
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    assert re.fullmatch(rf'attachment; filename="statement-{late.customer_id}-\d{{4}}-\d{{2}}-\d{{2}}\.pdf"',
                        pdf.headers["Content-Disposition"])
    text = pdf_text(pdf.get_data())
    assert "Statement of account" in text and late.invoice_number in text and late.customer_name in text
    resp = admin.get("/admin/invoices/statement.csv" + query)
    assert resp.status_code == 200 and resp.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    expected = open_invoices(admin.service, organization_id=1, customer_id=late.customer_id)
    assert {r["invoice_number"]: Decimal(r["due"]) for r in rows} == expected



def test_the_pdf_asks_to_pay_only_what_no_payment_authorization_holds(admin):
    service, today = admin.service, admin.service.today()
    due = (today + dt.timedelta(days=10)).isoformat()
    held, open_ = (posted_for_seeded_customer(service, currency="CHF", due_date=due, lines=[
        {"description": "x", "quantity": "1", "unit_price": price}]) for price in ("300.00", "45.50"))
    service.record_payment(held.id, {"method": "bank", "action": "authorize", "amount": "300.00"})
    query = f"?customer={held.customer_id}"
    text = " ".join(pdf_text(admin.get("/admin/invoices/statement.pdf" + query).get_data()).split())
    assert "CHF45.50 is due: please pay each invoice by its due date" in text
    service.record_payment(open_.id, {"method": "bank", "action": "authorize", "amount": "45.50"})
    text = " ".join(pdf_text(admin.get("/admin/invoices/statement.pdf" + query).get_data()).split())
    assert "CHF345.50 is due" not in text and "CHF45.50 is due" not in text
    assert "CHF345.50 is held by your payment authorizations: we collect it, there is nothing to pay." in text

def test_a_month_ends_statement_opens_from_that_days_aging_with_what_was_open_then(admin):
    service = admin.service
    today = service.today()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    late = posted_for_seeded_customer(service, invoice_date=(month_end - dt.timedelta(days=40)).isoformat(),
                                      due_date=(month_end - dt.timedelta(days=10)).isoformat())
    service.record_received_payment(late.id, amount=late.amount_due, method="bank_transfer", received_on=today,
                                    actor="admin", request_key="statement-month-end-01")
    assert late.invoice_number not in admin.get(f"/admin/invoices/statement?customer={late.customer_id}").get_data(
        as_text=True)                                                        # paid today
    aging = admin.get(f"/admin/invoices/aging?as_of={month_end.isoformat()}").get_data(as_text=True)
    link = re.search(rf'<tr data-customer-id="{late.customer_id}">.*?<a class="oi-statement-link" href="([^"]+)"',
                     aging, re.S).group(1)
    query = f"?customer={late.customer_id}&as_of={month_end.isoformat()}"
    assert html_lib.unescape(link) == "/admin/invoices/statement" + query
    page = admin.get(html_lib.unescape(link)).get_data(as_text=True)
    assert "could still pay at the end of" in text_of(page) and f'value="{month_end.isoformat()}"' in page
    row = statement_rows(page, late.currency)[late.invoice_number]
    assert row[2] == "10" and row[4] == "0.00"                              # 10 days late then, nothing paid then
    assert "data-oi-record-payment" not in page                             # a past day's invoices: nothing to record
    assert f'href="/admin/invoices/statement/activity?customer={late.customer_id}&amp;to={month_end.isoformat()}"' \
        in page
    pdf = admin.get("/admin/invoices/statement.pdf" + query)
    assert pdf.headers["Content-Disposition"] == \
        f'attachment; filename="statement-{late.customer_id}-{month_end.isoformat()}.pdf"'
    assert late.invoice_number in pdf_text(pdf.get_data())
    rows = list(csv.DictReader(io.StringIO(admin.get("/admin/invoices/statement.csv" + query).get_data(as_text=True))))
    assert late.invoice_number in {r["invoice_number"] for r in rows}
    bad = admin.get(f"/admin/invoices/statement?customer={late.customer_id}&as_of=last-month")
    assert bad.status_code == 422 and "As of: Must be a day written YYYY-MM-DD." in text_of(bad.get_data(as_text=True))


def test_only_the_customers_of_the_admins_organization_have_a_statement_there(shop, admin):
    late = posted_for_seeded_customer(admin.service)
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    for url in ("/admin/invoices/statement", "/admin/invoices/statement.pdf", "/admin/invoices/statement.csv"):
        refused = sakura.get(f"{url}?customer={late.customer_id}")
        assert refused.status_code == 404 and late.invoice_number not in refused.get_data(as_text=True)
    for bad in ("", "?customer=", "?customer=abc", "?customer=999999"):
        resp = admin.get("/admin/invoices/statement" + bad)
        assert resp.status_code == 404 and "That customer does not exist." in text_of(resp.get_data(as_text=True))


def test_the_statement_needs_the_view_permission_and_a_login(shop):
    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1, permissions=[])
    clerk = ShopClient(shop[0])
    clerk.login_admin("clerk", "clerk1234")
    for url in ("/admin/invoices/statement?customer=1", "/admin/invoices/statement.pdf?customer=1"):
        assert clerk.get(url).status_code == 403
        anonymous = ShopClient(shop[0]).get(url)
        assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_a_customer_who_owes_nothing_has_an_empty_statement(admin):
    service = admin.service
    late = posted_for_seeded_customer(service)
    for number in open_invoices(service, organization_id=1, customer_id=late.customer_id):
        doc = service.get(service.find_id(invoice_number=number, organization_id=1))
        service.record_payment(doc.id, {"method": "bank", "action": "charge", "amount": str(doc.amount_due)})
    page = admin.get(f"/admin/invoices/statement?customer={late.customer_id}").get_data(as_text=True)
    assert f"{late.customer_name} owes nothing on a posted invoice." in text_of(page)
    assert "Nothing is owed on your invoices" in pdf_text(
        admin.get(f"/admin/invoices/statement.pdf?customer={late.customer_id}").get_data())


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_storefront_statement_lists_what_the_users_list_shows_as_open(shop, role):
    client = customer(shop, ROLES[role])
    page = client.get("/customer/invoices?per_page=100").get_data(as_text=True)
    href = html_lib.unescape(re.search(r'<a id="oi-statement" href="([^"]+)"', page).group(1))
    resp = client.get(href)
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    text = pdf_text(resp.get_data())
    service = client.service
    listed = [service.get(int(i)) for i in re.findall(r'<tr data-invoice-id="(\d+)">', page)]
    open_ = {doc.invoice_number for doc in listed if not doc.is_credit_note
             and is_owed(doc.payment_status, doc.amount_due)}
    assert open_, role
    printed = set(re.findall(r"\bINV-\d{4}-\d{2}-\d{5}\b", text))
    assert printed == open_, role


def test_the_storefront_statement_follows_the_pdf_download_setting(shop):
    client = customer(shop, ROLES["department"])
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.storefront_pdf_download", False)
    page = client.get("/customer/invoices").get_data(as_text=True)
    assert 'id="oi-statement"' not in page and 'id="oi-balance"' in page
    assert client.get("/customer/invoices/statement.pdf").status_code == 404


def test_the_grid_of_one_customer_and_a_posted_invoice_link_to_the_statement(admin):
    late = posted_for_seeded_customer(admin.service)
    expected = f'href="/admin/invoices/statement?customer={late.customer_id}"'
    grid = admin.get(f"/admin/invoices?customer={late.customer_id}").get_data(as_text=True)
    assert f'id="oi-customer-statement" {expected}' in grid
    assert 'id="oi-customer-statement"' not in admin.get("/admin/invoices").get_data(as_text=True)
    assert 'id="oi-customer-statement"' not in admin.get("/admin/invoices?customer=Acme").get_data(as_text=True)
    view = admin.get(f"/admin/invoices/{late.id}").get_data(as_text=True)
    assert re.search(rf'<a class="oi-statement-link" id="oi-customer-statement" {re.escape(expected)}', view)
    statement = admin.get(f"/admin/invoices/statement?customer={late.customer_id}").get_data(as_text=True)
    assert late.invoice_number in statement


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return html_lib.unescape(found.group(1)) if found else ""


def body_of(html: str) -> str:
    return html_lib.unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', html, re.S).group(1))


@inline_jobs_only  # it runs the outbox itself
def test_send_to_customer_emails_the_statement_pdf(shop, admin, smtp_server):
    service = admin.service
    late = posted_for_seeded_customer(service, due_date="2026-01-15", invoice_date="2026-01-01")
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    page = admin.get(page_url).get_data(as_text=True)
    assert f'id="oi-statement-send" href="{page_url}&amp;dialog=email"' in page
    assert "No statement has been sent to this customer by email." in text_of(page)
    dialog = admin.get(page_url + "&dialog=email").get_data(as_text=True)
    assert field(dialog, "to") == late.customer_user_email
    assert field(dialog, "subject").startswith("Statement of account from ")
    body = body_of(dialog)
    assert "please find attached your statement of account" in body and late.invoice_number in body
    user = shop[0].extensions["oro_reference_host"].customers.get_customer_user(late.customer_user_id)
    assert body.startswith(f"Hello {user.name},")                        # the person it is addressed to

    sent = admin.submit(page_url + "&dialog=email", f"/admin/invoices/statement/email?customer={late.customer_id}",
                        {"to": field(dialog, "to"), "cc": "ap@acme.example", "subject": field(dialog, "subject"),
                         "body": body, "form_token": field(dialog, "form_token")})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{page_url}#emails")
    after = admin.get(sent.headers["Location"]).get_data(as_text=True)
    assert f"The statement to {late.customer_user_email} was queued for delivery." in text_of(after)
    listed = text_of(after.split('id="emails"')[1])
    assert late.customer_user_email in listed and "Queued" in listed and ".pdf" in listed
    # the invoice's own emails and activity are not the statement's
    assert service.history(late.id).emails == []

    mail = shop[0].extensions["oro_invoices"].mail
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    assert sorted(received.rcpt_tos) == sorted([late.customer_user_email, "ap@acme.example"])
    message = received.message
    assert message["Subject"] == field(dialog, "subject")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().startswith("statement-")
    text = pdf_text(attachment.get_content())
    assert "Statement of account" in text and late.invoice_number in text
    shown = text_of(admin.get(page_url).get_data(as_text=True).split('id="emails"')[1])
    assert "Sent" in shown


def test_the_statement_email_dialog_names_what_is_wrong_and_sends_nothing(shop, admin):
    late = posted_for_seeded_customer(admin.service)
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    action = f"/admin/invoices/statement/email?customer={late.customer_id}"
    resp = admin.submit(page_url, action, {"to": "buyer@acme", "subject": "", "body": "Hi", "form_token": "t1"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="oi-email-dialog"' in page
    assert field(page, "to") == "buyer@acme"                             # what was typed is kept
    assert "buyer@acme" in text_of(page.split('role="alert"')[1].split("</div>")[0])
    mail = shop[0].extensions["oro_invoices"].mail
    assert mail.statements.emails(1, late.customer_id) == []
    again = {"to": "ap@acme.example", "subject": "Statement", "body": "Hi", "form_token": "t2"}
    assert admin.submit(page_url, action, again).status_code == 303
    assert admin.submit(page_url, action, again).status_code == 303     # the same form again: sent once
    assert len(mail.statements.emails(1, late.customer_id)) == 1


def test_sending_a_statement_needs_the_send_permission(shop):
    viewer = admin_with(shop)
    page_url = "/admin/invoices/statement?customer=1"
    page = viewer.get(page_url + "&dialog=email").get_data(as_text=True)
    assert 'id="oi-statement-send"' not in page and 'id="oi-email-dialog"' not in page
    resp = viewer.submit(page_url, "/admin/invoices/statement/email?customer=1",
                         {"to": "ap@acme.example", "subject": "S", "body": "B"})
    assert resp.status_code == 403
    assert shop[0].extensions["oro_invoices"].mail.statements.emails(1, 1) == []


@inline_jobs_only  # it runs the outbox itself
def test_a_refused_statement_email_is_shown_and_can_be_sent_again(shop, admin, smtp_server):
    mail = shop[0].extensions["oro_invoices"].mail
    late = posted_for_seeded_customer(admin.service)
    queued = mail.statements.send(admin.service.statement_of(late.customer_id, organization_id=1),
                                  to="ap@acme.example", subject="Your statement", text="Attached.", actor="test")
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    smtp_server.handler.refuse.append("554 5.7.1 Message rejected by policy")
    assert mail.deliver_pending().failed == 1
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    page = admin.get(page_url).get_data(as_text=True)
    assert "Message rejected by policy" in text_of(page) and ">Send again</button>" in page
    other = next(c for c in shop[1]["organizations"][0]["customers"] if c != late.customer_id)   # same organization
    assert admin.get(f"/admin/invoices/statement?customer={other}").status_code == 200
    elsewhere = admin.submit(page_url, f"/admin/invoices/statement/emails/{queued.id}?customer={other}",
                             {"decision": "requeue"})
    assert elsewhere.status_code == 404                                   # not that customer's message
    resp = admin.submit(page_url, f"/admin/invoices/statement/emails/{queued.id}?customer={late.customer_id}",
                        {"decision": "requeue"})
    assert resp.status_code == 303
    assert "The email to ap@acme.example will be sent again." in text_of(admin.get(resp.headers["Location"]).get_data(
        as_text=True))
    assert mail.deliver_pending().sent == 1
    assert [e.status for e in mail.statements.emails(1, late.customer_id)] == ["sent"]


def test_the_api_emails_a_customer_their_statement_once_per_key(shop, admin):
    late = posted_for_seeded_customer(admin.service)
    path = f"/receivables/statement/email?customer_id={late.customer_id}"
    resp = api_call(shop, "POST", path, headers={"Idempotency-Key": "month-end-1"})
    assert resp.status_code == 201, resp.get_json()
    sent = resp.get_json()
    assert sent["to"] == [late.customer_user_email] and sent["status"] == "queued"
    assert sent["subject"].startswith("Statement of account") and sent["customer_id"] == late.customer_id
    assert [a["filename"] for a in sent["attachments"]] == [f"statement-{admin.service.today()}.pdf"]
    again = api_call(shop, "POST", path, headers={"Idempotency-Key": "month-end-1"})
    assert again.status_code == 201 and again.get_json()["id"] == sent["id"]            # the key: sent once
    mail = shop[0].extensions["oro_invoices"].mail
    assert [e.id for e in mail.statements.emails(1, late.customer_id)] == [sent["id"]]
    page = admin.get(f"/admin/invoices/statement?customer={late.customer_id}").get_data(as_text=True)
    assert late.customer_user_email in text_of(page.split('id="emails"')[1])        # listed on the page

    own = api_call(shop, "POST", path, {"to": ["ap@acme.example"], "subject": "Your statement", "text": "Attached."})
    assert own.status_code == 201 and own.get_json()["to"] == ["ap@acme.example"]
    bodies = mail.email_bodies(own.get_json()["id"])
    assert bodies[1:] == ("<p>Attached.</p>\n", "Attached.")                  # text and simple HTML


@pytest.mark.parametrize("body, field", [({"to": "ap@acme.example"}, "to"), ({"to": ["not an address"]}, "to"),
                                         ({"subject": 5}, "subject"), ({"from": "x@y.example"}, "from")])
def test_the_api_names_what_is_wrong_in_a_statement_email_and_sends_nothing(shop, admin, body, field):
    late = posted_for_seeded_customer(admin.service)
    resp = api_call(shop, "POST", f"/receivables/statement/email?customer_id={late.customer_id}", body)
    assert resp.status_code == 422 and field in [e["field"] for e in resp.get_json()["errors"]]
    assert shop[0].extensions["oro_invoices"].mail.statements.emails(1, late.customer_id) == []


def test_a_statement_email_opens_with_its_bodies_and_its_pdf(shop, admin):
    mail = shop[0].extensions["oro_invoices"].mail
    late = posted_for_seeded_customer(admin.service)
    queued = mail.statements.send(admin.service.statement_of(late.customer_id, organization_id=1),
                                  to="ap@acme.example", subject="Your statement", text="Attached is your statement.",
                                  actor="test")
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    listed = admin.get(page_url).get_data(as_text=True)
    link = html_lib.unescape(re.search(r'<a href="([^"]+)" data-oi-open-email>Your statement</a>', listed).group(1))
    assert link == f"/admin/invoices/statement/emails/{queued.id}?customer={late.customer_id}"
    page = admin.get(link).get_data(as_text=True)
    text = text_of(page)
    assert "Your statement" in text and "ap@acme.example" in text and "Attached is your statement." in text
    assert f'href="{page_url}#emails"' in page and "Back to the statement" in text
    href = html_lib.unescape(re.search(r'<a href="([^"]+)" download>statement-', page).group(1))
    pdf = admin.get(href)
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    assert late.invoice_number in pdf_text(pdf.get_data())
    other = next(c for c in shop[1]["organizations"][0]["customers"] if c != late.customer_id)
    assert admin.get(f"/admin/invoices/statement/emails/{queued.id}?customer={other}").status_code == 404
    assert admin.get(f"/admin/invoices/statement/emails/{queued.id}/attachments/1?customer={other}").status_code == 404


def test_the_statement_goes_to_a_user_who_may_see_the_whole_account(shop, admin):
    """Acme's latest invoice is Carla's, who sees her own invoices only: the statement lists
    her colleagues' invoices too, so it is addressed to Ben (department), the latest user of
    Acme's invoices who sees them all. Initech's only user gets Initech's, all of it theirs; a
    customer whose users each see only their own gets no recipient until an admin types one."""
    app = shop[0]
    service, statements = admin.service, app.extensions["oro_invoices"].mail.statements
    customers = {c["name"]: c["id"] for c in shop[1]["customers"]}
    acme = service.customer_statement({"organization_id": 1, "customer_id": customers["Acme Industries AG"]})
    assert service.get(acme.latest_invoice_id).customer_user_email == "carla.nguyen@acme.example"
    assert statements.prepare(acme).to == ("ben.ortiz@acme.example",)
    dialog = admin.get(f"/admin/invoices/statement?customer={customers['Acme Industries AG']}&dialog=email")
    assert field(dialog.get_data(as_text=True), "to") == "ben.ortiz@acme.example"
    initech = service.customer_statement({"organization_id": 1, "customer_id": customers["Initech GmbH"]})
    assert statements.prepare(initech).to == ("peter.gibbons@initech.example",)

    berlin = customers["Acme Industries – Berlin Branch"]
    records = app.extensions["oro_reference_host"].records
    colleague = records.add_customer_user(berlin, "erika.lang@acme.example", "Erika Lang")      # own invoices
    posted_for_seeded_customer(service, customer_id=berlin, customer_name="Acme Industries – Berlin Branch",
                               customer_user_id=colleague, customer_user_email="erika.lang@acme.example",
                               currency="EUR")
    draft = statements.prepare(service.customer_statement({"organization_id": 1, "customer_id": berlin}))
    assert draft.to == () and not draft.text.startswith("Hello Erika")


def reminders_card(page: str) -> str:
    """The statement's Payment Reminders card, as read."""
    return text_of(re.search(r'<section class="oi-card" id="oi-statement-reminders".*?</section>', page, re.S).group(0))


def test_an_admin_stops_a_customers_payment_reminders_from_their_statement(shop, admin):
    late = posted_for_seeded_customer(admin.service)
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.reminders.enabled", True, "organization", 1)
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    action = f"/admin/invoices/statement/reminders?customer={late.customer_id}"
    card = reminders_card(admin.get(page_url).get_data(as_text=True))
    assert "gets payment reminders where Send Payment Reminders is on" in card and "Stop Payment Reminders" in card
    resp = admin.submit(page_url, action, {"reminders": "off"})
    assert resp.status_code == 303
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Payment reminders to {late.customer_name} are stopped." in text_of(page)
    card = reminders_card(page)
    assert (f"Stopped for this customer: the reminder runs send {late.customer_name} no payment reminders." in card
            and "Resume Payment Reminders" in card)
    # the invoice's page says why no reminder goes out, and the reminder run skips the customer
    view = text_of(admin.get(f"/admin/invoices/{late.id}").get_data(as_text=True))
    assert "Payment reminders are stopped for this customer: the reminder runs send none for this invoice." in view
    settings.set("oro_invoices.reminders.enabled", False, "organization", 1)       # off for everyone: not theirs alone
    view = text_of(admin.get(f"/admin/invoices/{late.id}").get_data(as_text=True))
    assert "Payment reminders are stopped for this customer" not in view
    settings.set("oro_invoices.reminders.enabled", True, "organization", 1)
    addon = shop[0].extensions["oro_invoices"]
    report = send_due_reminders(addon.service, addon.mail, dry_run=True,
                                today=late.due_date + dt.timedelta(days=7))
    assert (1, late.customer_id) in report.opted_out and late.id not in [r.invoice_id for r in report.queued]
    assert admin.submit(page_url, action, {"reminders": "on"}).status_code == 303
    card = reminders_card(admin.get(page_url).get_data(as_text=True))
    assert "gets payment reminders where Send Payment Reminders is on" in card
    view = text_of(admin.get(f"/admin/invoices/{late.id}").get_data(as_text=True))
    assert "Payment reminders are stopped for this customer" not in view


def test_switching_a_customers_reminders_needs_the_configure_permission_and_a_known_choice(shop, admin):
    late = posted_for_seeded_customer(admin.service)
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    action = f"/admin/invoices/statement/reminders?customer={late.customer_id}"
    viewer = admin_with(shop)
    page = viewer.get(page_url).get_data(as_text=True)
    assert 'id="oi-statement-reminders"' in page and 'id="oi-statement-reminders-form"' not in page
    assert viewer.submit(page_url, action, {"reminders": "off"}).status_code == 403
    bad = admin.submit(page_url, action, {"reminders": "maybe"})
    assert bad.status_code == 422 and 'Must be "on" or "off".' in text_of(bad.get_data(as_text=True))
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    assert sakura.submit(page_url, action, {"reminders": "off"}).status_code in (403, 404)
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    assert settings.resolve("oro_invoices.reminders.enabled",
                            ScopeContext(organization_id=1, customer_id=late.customer_id)).scope != "customer"


def test_a_statement_whose_delivery_job_cannot_be_queued_is_queued_and_the_page_says_so(shop, admin, monkeypatch):
    """The host's job queue raises once the statement is queued: it is queued all the same, and a
    warning says the mail sweep sends it."""
    from support.held_jobs import BrokenJobs
    jobs = BrokenJobs()
    monkeypatch.setattr(shop[0].extensions["oro_invoices"].mail, "jobs", jobs)
    late = posted_for_seeded_customer(admin.service, due_date="2026-01-15", invoice_date="2026-01-01")
    page_url = f"/admin/invoices/statement?customer={late.customer_id}"
    dialog = admin.get(page_url + "&dialog=email").get_data(as_text=True)
    sent = admin.submit(page_url + "&dialog=email", f"/admin/invoices/statement/email?customer={late.customer_id}",
                        {"to": field(dialog, "to"), "subject": field(dialog, "subject"), "body": body_of(dialog),
                         "form_token": field(dialog, "form_token")})

    assert sent.status_code == 303
    after = text_of(admin.get(sent.headers["Location"]).get_data(as_text=True))
    assert f"The statement to {late.customer_user_email} was queued for delivery." in after
    assert ("The email is queued, but a background job that followed (oro_invoices.deliver_email) could not be "
            "handed to the job queue; the periodic mail sweep sends it, so there is nothing to do.") in after
    assert jobs.tried == ["oro_invoices.deliver_email"]
    assert "Queued" in text_of(admin.get(page_url).get_data(as_text=True).split('id="emails"')[1])
