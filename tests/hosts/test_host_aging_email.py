"""The Aging Report by email in the reference shop: **Email** drafts the report of the page's
filters and day to Aging Report Recipients, queues it once with its PDF and CSV, lists it under
**Aging Reports Sent** with its page and attachments; only an admin who may send, and only their
organization's messages."""
from __future__ import annotations

import csv
import html as html_lib
import io
import re

from support.admins import admin_with
from support.api import shop_api_call as api_call
from support.days import last_month_end, shown
from support.pdfs import pdf_text
from support.variant import inline_jobs_only

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport

#: A month-end the seeded shop's first invoices were owed on (dated 40 and 33 days back).
MONTH_END = last_month_end()
PAGE = f"/admin/invoices/aging?currency=EUR&as_of={MONTH_END}"
ACTION = f"/admin/invoices/aging/email?currency=EUR&as_of={MONTH_END}"


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return html_lib.unescape(found.group(1)) if found else ""


def body_of(html: str) -> str:
    return html_lib.unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def mail_of(shop):
    return shop[0].extensions["oro_invoices"].mail


@inline_jobs_only  # it runs the outbox itself
def test_email_sends_the_report_of_the_pages_filters_and_day_with_its_pdf_and_csv(shop, admin, smtp_server):
    Settings(shop[0].extensions["oro_reference_host"].config).set(
        "oro_invoices.aging.recipients", "books@northwind.example", "organization", 1)
    page = admin.get(PAGE).get_data(as_text=True)
    assert f'id="oi-aging-email" href="?currency=EUR&amp;as_of={MONTH_END}&amp;dialog=email"' in page
    assert "No Aging Report has been sent by email." in text_of(page.split('id="emails"')[1])
    dialog = admin.get(PAGE + "&dialog=email").get_data(as_text=True)
    assert field(dialog, "to") == "books@northwind.example"
    assert field(dialog, "subject").startswith("Aging Report of ") and field(dialog, "subject").endswith(
        f" on {shown(MONTH_END)}")
    body = body_of(dialog)
    assert body.startswith(f"Attached is the Aging Report on {shown(MONTH_END)}") and "Due in EUR:" in body
    assert "Due in USD" not in body                                          # the page's currency only

    sent = admin.submit(PAGE + "&dialog=email", ACTION, {
        "to": "books@northwind.example", "cc": "cfo@northwind.example", "subject": field(dialog, "subject"),
        "body": body, "form_token": field(dialog, "form_token")})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(PAGE + "#emails")
    after = admin.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The Aging Report to books@northwind.example was queued for delivery." in text_of(after)
    listed = text_of(after.split('id="emails"')[1])
    assert "books@northwind.example" in listed and "Queued" in listed
    assert f"aging-{MONTH_END}.pdf, aging-{MONTH_END}.csv" in listed

    mail = mail_of(shop)
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    assert sorted(received.rcpt_tos) == ["books@northwind.example", "cfo@northwind.example"]
    pdf, table = list(received.message.iter_attachments())
    report = admin.service.receivables_aging({"organization_id": 1, "currency": "EUR"},
                                             today=MONTH_END)
    assert report.lines                                                      # the shop's customers owed then
    rows = list(csv.reader(io.StringIO(table.get_content())))
    assert [row[1] for row in rows[1:-1]] == [line.customer_name for line in report.lines]
    assert rows[-1][:3] == ["", "Total", "EUR"] and rows[-1][-1] == format(report.totals[0].total, "f")
    assert report.lines[0].customer_name in pdf_text(pdf.get_content())
    assert "Sent" in text_of(admin.get(PAGE).get_data(as_text=True).split('id="emails"')[1])


def test_the_dialog_names_what_is_wrong_keeps_what_was_typed_and_sends_once(shop, admin):
    resp = admin.submit(PAGE, ACTION, {"to": "books@northwind", "subject": "", "body": "Hi", "form_token": "t1"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="oi-email-dialog"' in page
    assert field(page, "to") == "books@northwind"
    assert "books@northwind" in text_of(page.split('role="alert"')[1].split("</div>")[0])
    assert mail_of(shop).aging.emails(1) == []
    again = {"to": "books@northwind.example", "subject": "Aging", "body": "Hi", "form_token": "t2"}
    assert admin.submit(PAGE, ACTION, again).status_code == 303
    assert admin.submit(PAGE, ACTION, again).status_code == 303          # the same form again: sent once
    assert len(mail_of(shop).aging.emails(1)) == 1


def test_emailing_the_report_needs_the_send_permission(shop):
    viewer = admin_with(shop)
    page = viewer.get(PAGE + "&dialog=email").get_data(as_text=True)
    assert 'id="oi-aging-email"' not in page and 'id="oi-email-dialog"' not in page
    resp = viewer.submit(PAGE, ACTION, {"to": "books@northwind.example", "subject": "S", "body": "B"})
    assert resp.status_code == 403 and mail_of(shop).aging.emails(1) == []


@inline_jobs_only  # it runs the outbox itself
def test_a_sent_report_opens_with_its_attachments_and_a_refused_one_can_be_sent_again(shop, admin, smtp_server):
    mail = mail_of(shop)
    report = mail.aging.report(InvoiceFilter(organization_id=1))
    queued = mail.aging.send(report, 1, to="books@northwind.example", subject="Weekly aging",
                             text="Attached is the aging.", actor="test")
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    smtp_server.handler.refuse.append("554 5.7.1 Message rejected by policy")
    assert mail.deliver_pending().failed == 1
    listed = admin.get("/admin/invoices/aging").get_data(as_text=True)
    assert "Message rejected by policy" in text_of(listed) and ">Send again</button>" in listed
    link = html_lib.unescape(re.search(r'<a href="([^"]+)" data-oi-open-email>Weekly aging</a>', listed).group(1))
    assert link == f"/admin/invoices/aging/emails/{queued.id}"
    page = admin.get(link).get_data(as_text=True)
    assert "Attached is the aging." in text_of(page) and "Back to the Aging Report" in text_of(page)
    hrefs = [html_lib.unescape(h) for h in re.findall(r'<a href="([^"]+)" download>aging-', page)]
    assert [admin.get(h).content_type for h in hrefs] == ["application/pdf", "text/csv; charset=utf-8"]

    sakura = ShopClient(shop[0])                                          # another organization's admin
    sakura.login_admin("admin.jp", "admin1234")
    assert sakura.get(link).status_code == 404 and sakura.get(hrefs[0]).status_code == 404
    assert sakura.submit("/admin/invoices/aging", link, {"decision": "requeue"}).status_code == 404
    assert "Weekly aging" not in sakura.get("/admin/invoices/aging").get_data(as_text=True)

    resp = admin.submit("/admin/invoices/aging", link, {"decision": "requeue"})
    assert resp.status_code == 303
    assert mail.deliver_pending().sent == 1
    assert [e.status for e in mail.aging.emails(1)] == ["sent"]


def test_the_sent_csv_downloads_as_utf_8_so_names_read_as_written(shop, admin):
    """Without the charset a browser or spreadsheet guesses one, and garbles every name beyond ASCII."""
    mail = mail_of(shop)
    report = mail.aging.report(InvoiceFilter(organization_id=1, currency="EUR"))
    berlin = "Acme Industries – Berlin Branch"
    assert berlin in [line.customer_name for line in report.lines]
    queued = mail.aging.send(report, 1, to="books@northwind.example", subject="Aging", text="Attached.",
                             actor="test")
    page = admin.get(f"/admin/invoices/aging/emails/{queued.id}").get_data(as_text=True)
    [href] = [html_lib.unescape(h) for h in re.findall(r'<a href="([^"]+)" download>aging-[^<]*\.csv', page)]
    resp = admin.get(href)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="aging-{report.as_of}.csv"'
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8"))))
    assert berlin in [row[1] for row in rows]


def test_the_api_emails_the_aging_of_its_query_to_the_recipients_once_per_key(shop, admin):
    resp = api_call(shop, "POST", f"/receivables/aging/email?currency=EUR&as_of={MONTH_END}")
    assert resp.status_code == 422 and [e["field"] for e in resp.get_json()["errors"]] == ["to"]   # no recipient
    Settings(shop[0].extensions["oro_reference_host"].config).set(
        "oro_invoices.aging.recipients", "books@northwind.example", "organization", 1)
    path = f"/receivables/aging/email?currency=EUR&as_of={MONTH_END}"
    resp = api_call(shop, "POST", path, headers={"Idempotency-Key": "aging-1"})
    assert resp.status_code == 201, resp.get_json()
    sent = resp.get_json()
    assert sent["to"] == ["books@northwind.example"] and sent["subject"].endswith(f" on {shown(MONTH_END)}")
    assert [a["filename"] for a in sent["attachments"]] == [f"aging-{MONTH_END}.pdf", f"aging-{MONTH_END}.csv"]
    assert api_call(shop, "POST", path, headers={"Idempotency-Key": "aging-1"}).get_json()["id"] == sent["id"]
    assert [e.id for e in mail_of(shop).aging.emails(1)] == [sent["id"]]
    own = api_call(shop, "POST", path, {"to": ["cfo@northwind.example"], "text": "The month-end aging."})
    assert own.status_code == 201
    assert mail_of(shop).email_bodies(own.get_json()["id"])[1:] == ("<p>The month-end aging.</p>\n",
                                                                     "The month-end aging.")   # text and simple HTML
    for body, field in (({"to": "cfo@northwind.example"}, "to"), ({"subject": 5}, "subject"), ({"x": 1}, "x")):
        bad = api_call(shop, "POST", path, body)
        assert bad.status_code == 422 and field in [e["field"] for e in bad.get_json()["errors"]]
    assert api_call(shop, "POST", "/receivables/aging/email?sort=nope").status_code == 422
    assert len(mail_of(shop).aging.emails(1)) == 2 and mail_of(shop).aging.emails(2) == []
