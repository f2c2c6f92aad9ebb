"""A customer's Activity in the reference shop: the activity statement (balance forward) of a
period, as a page and a CSV, opened from the customer's statement."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from support.admins import admin_with
from support.api import shop_api_call
from support.days import days_ago, shown, today
from support.payloads import invoice_payload
from support.pdfs import pdf_words
from support.variant import inline_jobs_only

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.services.mail.smtp import SmtpConfig, SmtpTransport

PAGE = "/admin/invoices/statement/activity"


def acme(admin: ShopClient) -> int:
    """Acme Industries AG's customer id (the demo's invoices ERP-SO-1001 to -1004)."""
    customer_id = admin.service.get(admin.service.find_id(external_id="ERP-SO-1002-2")).customer_id
    assert customer_id is not None
    return customer_id


def period(admin: ShopClient) -> tuple[dt.date, dt.date, str]:
    """From the day after Acme's first invoice (owed then: the opening balance) to today (a period
    cannot end later), and the query of that period."""
    first = admin.service.get(admin.service.find_id(external_id="ERP-SO-1001-1"))
    start, end = first.invoice_date + dt.timedelta(days=1), today()
    return start, end, f"from={start.isoformat()}&to={end.isoformat()}"


def lines(page: str, currency: str = "EUR") -> list[tuple[str, str, str]]:
    """Each row of the currency's table: its kind, its text and its balance."""
    table = page.split(f'id="oi-activity-{currency}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1].split("</tbody>")[0]
    return [(kind, text_of(cells), text_of(re.search(r"data-balance>(.*?)</td>", cells, re.S).group(1)))
            for kind, cells in re.findall(r'<tr data-oi-line="([a-z_]+)"[^>]*>(.*?)</tr>', body, re.S)]


def test_the_statement_opens_the_customers_activity_with_a_running_balance(admin):
    customer = acme(admin)
    statement = admin.get(f"/admin/invoices/statement?customer={customer}").get_data(as_text=True)
    assert f'id="oi-statement-activity" href="{PAGE}?customer={customer}"' in statement
    resp = admin.get(f"{PAGE}?customer={customer}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    today = dt.datetime.now(dt.UTC).date()
    assert f'name="to" value="{today.isoformat()}"' in page               # by default: up to today
    numbers = {e: admin.service.get(admin.service.find_id(external_id=e)).invoice_number
               for e in ("ERP-SO-1001-1", "ERP-SO-1002-2", "ERP-SO-1003-3")}
    rows = lines(page)
    assert rows[0][0] == "opening" and [kind for kind, _, _ in rows[1:]] == \
        ["invoice", "invoice", "invoice", "payment", "payment"]
    assert f"Invoice {numbers['ERP-SO-1001-1']}" in rows[1][1] and f"Payment for {numbers['ERP-SO-1002-2']}" in rows[5][1]
    assert "Bank transfer" in rows[4][1]
    running = Decimal(rows[0][2].replace(",", ""))
    for kind, text, balance in rows[1:]:     # each balance is the one before plus a charge, or less a credit
        amount = Decimal(re.findall(r"[\d,]+\.\d\d", text)[0].replace(",", ""))
        running += amount if kind == "invoice" else -amount
        assert Decimal(balance.replace(",", "")) == running
    closing = text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))
    open_total = sum(admin.service.get(admin.service.find_id(external_id=e)).amount_due
                     for e in ("ERP-SO-1002-2", "ERP-SO-1003-3"))
    assert Decimal(closing.replace(",", "")) == open_total                 # what the open-item statement says is due


def test_a_later_period_starts_from_what_was_owed_before_it(admin):
    customer = acme(admin)
    first = admin.service.get(admin.service.find_id(external_id="ERP-SO-1001-1"))
    start = first.invoice_date + dt.timedelta(days=1)
    rows = lines(admin.get(f"{PAGE}?customer={customer}&from={start.isoformat()}").get_data(as_text=True))
    balance = f"{first.total_amount:,.2f}"
    assert rows[0] == ("opening", f"{start:%b} {start.day}, {start.year} Opening balance {balance}", balance)
    assert f"Invoice {first.invoice_number}" not in " ".join(text for _, text, _ in rows)


def test_payments_on_the_day_received_reversals_left_out_credit_notes_and_refunds(admin):
    customer = acme(admin)
    pending = admin.service.find_id(external_id="ERP-SO-1003-3")
    received = admin.service.get(pending).invoice_date + dt.timedelta(days=10)
    paid = admin.service.record_received_payment(pending, amount="100.00", method="check",
                                                 received_on=received, reference="CHK 4411", actor="t",
                                                 request_key="activity-0000000001").transaction
    wrong = admin.service.record_received_payment(pending, amount="20.00", method="cash",
                                                  received_on=received + dt.timedelta(days=1), actor="t",
                                                  request_key="activity-0000000002").transaction
    admin.service.reverse_received_payment(pending, wrong.id, reason="Entered twice", actor="t")
    admin.service.record_payment(pending, {"method": "check", "action": "refund", "amount": "30.00",
                                           "parent_id": paid.id})
    credit = admin.service.create_credit_note(pending, {"amounts": [{"tax_rate": "0.19", "amount": "10.00"}]},
                                              actor="t").credit_note
    rows = lines(admin.get(f"{PAGE}?customer={customer}&{period(admin)[2]}").get_data(as_text=True))
    texts = [text for _, text, _ in rows]
    [check] = [t for t in texts if "CHK 4411" in t]
    assert check.startswith(f"{shown(received)} Payment for") and "Check · CHK 4411" in check and "100.00" in check
    assert not any("20.00" in t and "Cash" in t for t in texts)                     # reversed: no money moved
    number = admin.service.get(pending).invoice_number
    assert any(f"Refund for {number} Check" in t and "30.00" in t for t in texts)          # money given back
    assert any(f"Credit note {credit.invoice_number}" in t and f"{credit.total_amount:,.2f}" in t for t in texts)


def test_an_invoice_marked_paid_from_outside_is_settled_on_that_day_for_what_it_still_owed(admin):
    customer = acme(admin)
    pending = admin.service.get(admin.service.find_id(external_id="ERP-SO-1003-3"))
    admin.service.force_payment_status(pending.id, "paid_in_full", actor="erp")
    query = f"customer={customer}&{period(admin)[2]}"
    page = admin.get(f"{PAGE}?{query}").get_data(as_text=True)
    rows = lines(page)
    [(kind, text, _balance)] = [row for row in rows if f"Settled elsewhere: {pending.invoice_number}" in row[1]]
    assert kind == "settled" and "(Paid in full)" in text and f"{pending.amount_due:,.2f}" in text
    assert text.startswith(shown(today()))                                # the day it was set
    closing = text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))
    still = admin.service.get(admin.service.find_id(external_id="ERP-SO-1002-2")).amount_due
    assert Decimal(closing.replace(",", "")) == still                      # as the open-item statement says
    csv_rows = admin.get(f"{PAGE}.csv?{query}").get_data(as_text=True).splitlines()
    settled = f"Settled elsewhere: {pending.invoice_number} (Paid in full)"
    assert any(row.startswith(f"EUR,{today().isoformat()},settled,{settled},{pending.invoice_number},Paid in full,,")
               for row in csv_rows)
    pdf = " ".join(pdf_words(admin.get(f"{PAGE}.pdf?{query}").get_data()).split())
    assert f"Settled elsewhere: {pending.invoice_number} (Paid in full)" in pdf


def test_every_currency_has_its_own_balance_and_the_csv_says_the_same(admin):
    customer = acme(admin)
    start, end, dates = period(admin)
    day = start + dt.timedelta(days=20)
    dollars = admin.service.post(admin.service.create(invoice_payload(
        customer_id=customer, customer_user_id=None, customer_user_email=None, customer_name="Acme Industries AG",
        currency="USD", invoice_date=day.isoformat(), due_date=(day + dt.timedelta(days=30)).isoformat(),
        order_id=None, order_identifier=""), actor="t").id, actor="t")
    page = admin.get(f"{PAGE}?customer={customer}&{dates}").get_data(as_text=True)
    usd = lines(page, "USD")
    assert usd[0][2] == "0.00" and usd[1][0] == "invoice" and usd[1][2] == f"{dollars.total_amount:,.2f}"
    csv = admin.get(f"{PAGE}.csv?customer={customer}&{dates}")
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"] == f'attachment; filename="activity-{customer}-{start}-{end}.csv"'
    text = csv.get_data(as_text=True).splitlines()
    assert text[0] == "currency,date,kind,entry,number,reference,charges,credits,balance"
    assert f"USD,{day.isoformat()},invoice,Invoice {dollars.invoice_number},{dollars.invoice_number},," \
        f"{dollars.total_amount},,{dollars.total_amount}" in text
    assert [row.split(",")[2] for row in text if row.startswith("USD")] == ["opening_balance", "invoice",
                                                                             "closing_balance"]


@pytest.mark.parametrize("query, field, said", [
    (f"&from={days_ago(5)}&to={days_ago(35)}", "to", "The period ends before it starts."),
    ("&from=abc", "from", "Enter the first day of the period as YYYY-MM-DD."),
    ("&to=2026-02-30", "to", "Enter the last day of the period as YYYY-MM-DD."),
    (f"&from={days_ago(1200)}&to={days_ago(1)}", "to", "A statement covers at most three years."),
    (f"&from={days_ago(5)}&to={today() + dt.timedelta(days=1)}", "to",
     f"Choose a day up to today ({shown(today())}): the period cannot end in the future."),
    (f"&from={today() + dt.timedelta(days=1)}&to={today() + dt.timedelta(days=30)}", "from",
     f"Choose a day up to today ({shown(today())}): the period cannot start in the future."),
])
def test_a_period_that_cannot_be_shown_is_said_beside_its_field(admin, query, field, said):
    resp = admin.get(f"{PAGE}?customer={acme(admin)}{query}")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert re.search(rf'data-oi-error="{field}">{re.escape(said)}<', page)
    assert "Activity of Acme Industries AG" in text_of(page) and 'id="oi-activity-EUR"' not in page
    for download in (".csv", ".pdf"):          # a download of a bad period shows the same form
        resp = admin.get(f"{PAGE}{download}?customer={acme(admin)}{query}")
        assert resp.status_code == 422 and resp.content_type.startswith("text/html"), download
        assert re.search(rf'data-oi-error="{field}">{re.escape(said)}<', resp.get_data(as_text=True)), download


def test_only_an_admin_of_the_customers_organization_with_view_sees_it(shop, admin):
    customer = acme(admin)
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    for url in (PAGE, PAGE + ".csv"):
        assert sakura.get(f"{url}?customer={customer}").status_code == 404
        assert admin.get(f"{url}?customer=999999").status_code == 404
    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1, permissions=[])
    clerk = ShopClient(shop[0])
    clerk.login_admin("clerk", "clerk1234")
    assert clerk.get(f"{PAGE}?customer={customer}").status_code == 403


ENGLISH = ("Activity of", "Opening balance", "Closing balance", "Payment for", "Charges", "Credits", "Show Activity",
           "Every invoice")


@pytest.mark.parametrize("language", ["de", "fr", "ja"])
def test_the_activity_speaks_the_admins_language(admin, language):
    resp = admin.get(f"{PAGE}?customer={acme(admin)}&{period(admin)[2]}", headers={"Accept-Language": language})
    assert resp.status_code == 200 and f'<html lang="{language}"' in resp.get_data(as_text=True)
    text = text_of(resp.get_data(as_text=True).split('id="oi-activity"')[1])
    assert [phrase for phrase in ENGLISH if phrase in text] == []


@pytest.mark.parametrize("language, entries", [
    ("en", ("Opening balance", "Invoice {number}", "Payment for {number}", "Bank transfer", "Closing balance")),
    ("de", ("Anfangssaldo", "Rechnung {number}", "Zahlung für {number}", "Banküberweisung", "Endsaldo")),
])
def test_the_csv_names_each_entry_as_the_page_does_in_its_language_and_keeps_its_kind(admin, language, entries):
    """A spreadsheet reads the entries in the admin's language (the page's words: "Zahlung für
    INV-…"), a payment's method too; the kind column keeps the codes programs read."""
    customer = acme(admin)
    query = f"?customer={customer}&from=2026-10-01"
    number = admin.service.get(admin.service.find_id(external_id="ERP-SO-1002-2")).invoice_number
    rows = list(csv.DictReader(io.StringIO(admin.get(f"{PAGE}.csv{query}", headers={
        "Accept-Language": language}).get_data(as_text=True))))
    page = admin.get(f"{PAGE}{query}", headers={"Accept-Language": language}).get_data(as_text=True)
    shown = [text for _kind, text, _balance in lines(page)]
    kinds = [row["kind"] for row in rows if row["currency"] == "EUR"]
    assert kinds[0] == "opening_balance" and kinds[-1] == "closing_balance" and "payment" in kinds
    opening, invoice, payment, method, closing = (entry.format(number=number) for entry in entries)
    assert (rows[0]["entry"], rows[-1]["entry"]) == (opening, closing)
    [paid] = [row for row in rows if row["kind"] == "payment" and row["number"] == number]
    assert paid["entry"] == payment and paid["reference"].startswith(method)
    assert any(row["entry"] == invoice for row in rows if row["kind"] == "invoice")
    for row in rows[1:-1]:                      # each entry reads as the page's row of it
        assert any(row["entry"] in text for text in shown), (row, shown)


def test_the_api_gives_the_same_activity(shop, admin):
    customer = acme(admin)
    start, end, dates = period(admin)
    resp = shop_api_call(shop, "GET", f"/receivables/activity?customer_id={customer}&{dates}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["customer_id"], body["customer_name"], body["from"], body["to"]) == \
        (customer, "Acme Industries AG", start.isoformat(), end.isoformat())
    [eur] = body["sections"]
    first = admin.service.get(admin.service.find_id(external_id="ERP-SO-1001-1"))
    assert eur["opening_balance"] == f"{first.total_amount}" and eur["currency"] == "EUR"
    assert [e["kind"] for e in eur["entries"]] == ["invoice", "invoice", "payment", "payment"]
    assert eur["entries"][-1]["balance"] == eur["closing_balance"]
    assert Decimal(eur["opening_balance"]) + Decimal(eur["charges"]) - Decimal(eur["credits"]) == \
        Decimal(eur["closing_balance"])
    page = admin.get(f"{PAGE}?customer={customer}&{dates}").get_data(as_text=True)
    closing = text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))
    assert Decimal(closing.replace(",", "")) == Decimal(eur["closing_balance"])


PAST = f"from={days_ago(35)}&to={days_ago(1)}"


@pytest.mark.parametrize("query, field", [
    (PAST, "customer_id"),
    (f"customer_id={{customer}}&to={days_ago(1)}", "from"),
    (f"customer_id={{customer}}&from={days_ago(1)}&to={days_ago(35)}", "to"),
    (f"customer_id={{customer}}&{PAST}&currency=euro", "currency"),
    (f"customer_id={{customer}}&{PAST}&since=1", "since"),
    (f"customer_id={{customer}}&from={days_ago(5)}&to={today() + dt.timedelta(days=1)}", "to"),
    (f"customer_id={{customer}}&from={today() + dt.timedelta(days=1)}&to={today() + dt.timedelta(days=2)}", "from"),
])
def test_the_api_names_what_is_wrong_with_its_query(shop, admin, query, field):
    resp = shop_api_call(shop, "GET", "/receivables/activity?" + query.format(customer=acme(admin)))
    assert resp.status_code == 422 and field in {e["field"] for e in resp.get_json()["errors"]}
    other = shop_api_call(shop, "GET", f"/receivables/activity?customer_id={acme(admin)}&{PAST}",
                          organization=1)
    assert other.status_code == 404                              # another organization's customer


def test_the_activity_downloads_as_a_pdf_to_send_the_customer(admin):
    customer = acme(admin)
    start, end, dates = period(admin)
    page = admin.get(f"{PAGE}?customer={customer}&{dates}").get_data(as_text=True)
    link = re.search(r'id="oi-activity-pdf" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    resp = admin.get(link)
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="activity-{customer}-{start}-{end}.pdf"'
    text = " ".join(pdf_words(resp.get_data()).split())
    first = admin.service.get(admin.service.find_id(external_id="ERP-SO-1001-1"))
    pending = admin.service.get(admin.service.find_id(external_id="ERP-SO-1003-3"))
    assert "Account activity" in text and "Acme Industries AG" in text and f"{shown(start)} – {shown(end)}" in text
    assert "Opening balance" in text and f"€{first.total_amount:,.2f}" in text and "Closing balance" in text
    assert f"Invoice {pending.invoice_number}" in text and "Bank transfer" in text
    closing = admin.service.get(admin.service.find_id(external_id="ERP-SO-1002-2")).amount_due + pending.amount_due
    assert f"On {shown(end)} you owe €{closing:,.2f}." in text
    assert admin.get(f"{PAGE}.pdf?customer={customer}&from={end}&to={start}").status_code == 422


def test_the_api_gives_the_pdf_too(shop, admin):
    customer = acme(admin)
    resp = shop_api_call(shop, "GET", f"/receivables/activity.pdf?customer_id={customer}&{period(admin)[2]}")
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    assert "Account activity" in pdf_words(resp.get_data())
    assert shop_api_call(shop, "GET", f"/receivables/activity.pdf?customer_id={customer}").status_code == 422


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return unescape(found.group(1)) if found else ""


@inline_jobs_only  # it runs the outbox itself
def test_send_to_customer_emails_the_activity_pdf(shop, admin, smtp_server):
    customer = acme(admin)
    start, end, dates = period(admin)
    query = f"?customer={customer}&{dates}"
    page = admin.get(PAGE + query).get_data(as_text=True)
    assert f'id="oi-activity-send" href="{PAGE}{query.replace("&", "&amp;")}&amp;dialog=email"' in page
    dialog = admin.get(PAGE + query + "&dialog=email").get_data(as_text=True)
    assert field(dialog, "subject") == f"Account activity from Northwind Supply GmbH, {shown(start)} – {shown(end)}"
    body = unescape(re.search(r'<textarea id="oi-email-body"[^>]*>(.*?)</textarea>', dialog, re.S).group(1))
    assert f"please find attached your account activity from {shown(start)} to {shown(end)}" in body
    closing = sum(admin.service.get(admin.service.find_id(external_id=e)).amount_due
                  for e in ("ERP-SO-1002-2", "ERP-SO-1003-3"))
    assert f"€{closing:,.2f} owed on {shown(end)}" in body
    form = {"to": "ap@acme.example", "subject": field(dialog, "subject"), "body": body,
            "form_token": field(dialog, "form_token")}
    sent = admin.submit(PAGE + query + "&dialog=email", f"{PAGE}/email{query}", form)
    assert sent.status_code == 303 and unescape(sent.headers["Location"]).endswith(PAGE + query)
    assert "The account activity to ap@acme.example was queued for delivery." in \
        text_of(admin.get(sent.headers["Location"]).get_data(as_text=True))
    again = admin.submit(PAGE + query + "&dialog=email", f"{PAGE}/email{query}", form)   # the same form again
    assert again.status_code == 303
    statement = admin.get(f"/admin/invoices/statement?customer={customer}").get_data(as_text=True)
    assert text_of(statement.split('id="emails"')[1]).count("Account activity from") == 1   # listed, sent once

    mail = shop[0].extensions["oro_invoices"].mail
    mail.deliverer.transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_server.port, timeout=5))
    assert mail.deliver_pending().sent == 1
    [received] = smtp_server.handler.received
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == f"activity-{start}-{end}.pdf"
    assert "Account activity" in pdf_words(attachment.get_content())


def test_the_activity_email_names_what_is_wrong_and_needs_the_send_permission(shop, admin):
    customer = acme(admin)
    query = f"?customer={customer}&{period(admin)[2]}"
    bad = admin.submit(PAGE + query + "&dialog=email", f"{PAGE}/email{query}",
                       {"to": "not an address", "subject": "", "body": "x", "form_token": "activity-form-0001"})
    assert bad.status_code == 422 and 'id="oi-email-dialog"' in bad.get_data(as_text=True)
    assert shop[0].extensions["oro_invoices"].mail.statements.emails(1, customer) == []
    viewer = admin_with(shop, ["oro_invoices.view"])
    assert 'id="oi-activity-send"' not in viewer.get(PAGE + query).get_data(as_text=True)
    assert viewer.submit(PAGE + query, f"{PAGE}/email{query}", {"to": "ap@acme.example", "subject": "x",
                                                                 "body": "x"}).status_code == 403


def test_a_period_ending_after_today_is_refused_on_the_page_its_email_and_the_api(shop, admin):
    customer = acme(admin)
    tomorrow = today() + dt.timedelta(days=1)
    page = admin.get(f"{PAGE}?customer={customer}").get_data(as_text=True)
    assert page.count(f'max="{today().isoformat()}"') == 2                 # neither date picker goes past today
    said = f"Choose a day up to today ({shown(today())}): the period cannot end in the future."   # as the page writes days
    query = f"?customer={customer}&from={days_ago(30)}&to={tomorrow}"
    email = admin.submit(PAGE + query + "&dialog=email", f"{PAGE}/email{query}",
                         {"to": "ap@acme.example", "subject": "Activity", "body": "x",
                          "form_token": "activity-form-0002"})
    assert email.status_code == 422
    assert re.search(rf'data-oi-error="to">{re.escape(said)}<', email.get_data(as_text=True))
    assert shop[0].extensions["oro_invoices"].mail.statements.emails(1, customer) == []
    resp = shop_api_call(shop, "GET", f"/receivables/activity?customer_id={customer}&from={days_ago(30)}&to={tomorrow}")
    assert resp.status_code == 422 and resp.get_json()["errors"] == [
        {"field": "to", "message": said.replace(shown(today()), today().isoformat())}]   # the API's days are ISO
    pdf = shop_api_call(shop, "GET", f"/receivables/activity.pdf?customer_id={customer}&from={days_ago(30)}&to={tomorrow}")
    assert pdf.status_code == 422
    assert shop_api_call(shop, "GET", f"/receivables/activity?customer_id={customer}&from={days_ago(30)}"
                                      f"&to={today()}").status_code == 200
