"""An over-refunded invoice (a provider's refund beyond what remained of its payment) in the
customer's account activity: its refund counts only up to what was paid, as the invoice's Amount
Due and the customer's Open balance have it, and what was refunded beyond is an entry of its own
that moves no balance, on the page, in the CSV and in the PDF, in the storefront and the back
office alike."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

from sqlalchemy import update
from support.api import shop_api_call
from support.pdfs import pdf_words
from test_host_storefront_balance import balance
from test_host_storefront_over_refund import DIETER, EXTERNAL_ID, over_refund

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.persistence.models import PaymentTransaction

PAGE = "/customer/invoices/activity"
TODAY = dt.datetime.now(dt.UTC).date()
YEAR = f"from={TODAY - dt.timedelta(days=365)}&to={TODAY}"
BEYOND = "Refunded beyond what was paid for {number}: €5.00, not in the balance"


def euros(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace(",", ""))


def rows(page: str) -> list[tuple[str, str, str, str]]:
    """Each row of the EUR table: its kind, its entry, its charge and its balance."""
    body = page.split('id="oi-activity-EUR"')[1].split("<tbody>")[1].split("</tbody>")[0]
    found = []
    for kind, cells in re.findall(r'<tr data-oi-line="([a-z_]+)"[^>]*>(.*?)</tr>', body, re.S):
        tds = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", cells, re.S)
        found.append((kind, text_of(tds[1]), text_of(tds[-3]) if len(tds) > 3 else "", text_of(tds[-1])))
    return found


def dieter(shop) -> ShopClient:
    client = ShopClient(shop[0])
    client.login_customer(DIETER)
    return client


def test_the_storefront_activity_ends_on_the_open_balance_and_says_what_was_refunded_beyond(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    number = admin.service.get(invoice_id).invoice_number
    over_refund(admin, invoice_id)                      # paid 10.00, refunded 3.00 and 12.00: 5.00 beyond
    client = dieter(shop)
    open_ = euros(balance(client.get("/customer/invoices").get_data(as_text=True))["EUR"][0])
    page = client.get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    shown = rows(page)
    closing = euros(text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1)))
    assert closing == open_ == euros(shown[-1][3])
    # the refund of 12.00 counts the 7.00 that remained of the payment; the 5.00 beyond is said, in no balance
    refunds = [row for row in shown if row[0] == "refund"]
    assert [charge for _k, _e, charge, _b in refunds] == ["€3.00", "€7.00"]
    [at] = [i for i, row in enumerate(shown) if row[0] == "refunded_beyond"]
    assert shown[at - 1][0] == "refund" and shown[at][1] == BEYOND.format(number=number)
    assert shown[at][2] == "" and shown[at][3] == shown[at - 1][3]

    link = unescape(re.search(r'id="oi-activity-csv" href="([^"]+)"', page).group(1))
    listed = list(csv.DictReader(io.StringIO(client.get(link).get_data(as_text=True))))
    [beyond] = [row for row in listed if row["kind"] == "refunded_beyond"]
    before = listed[listed.index(beyond) - 1]
    assert beyond["entry"] == f"Refunded beyond what was paid for {number}: 5.00 EUR, not in the balance"
    assert (beyond["number"], beyond["charges"], beyond["credits"]) == (number, "", "")
    assert before["kind"] == "refund" and before["charges"] == "7.00" and beyond["balance"] == before["balance"]
    assert Decimal(listed[-1]["balance"]) == open_

    pdf = client.get(unescape(re.search(r'id="oi-activity-pdf" href="([^"]+)"', page).group(1)))
    assert pdf.status_code == 200
    text = pdf_words(pdf.get_data())
    assert BEYOND.format(number=number) in text and f"you owe €{open_:,.2f}." in text


def test_the_back_office_activity_its_csv_pdf_and_api_agree_with_the_statement(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    over_refund(admin, invoice_id)
    statement = admin.service.statement_of(doc.customer_id, organization_id=doc.organization_id, currency="EUR")
    [section] = statement.sections
    credit = sum((c.amount for c in statement.credits if c.currency == "EUR"), Decimal(0))
    owed = section.total - credit
    start = TODAY - dt.timedelta(days=365)
    found = admin.service.activity_statement(doc.customer_id, start=start, end=TODAY,
                                             organization_id=doc.organization_id, currency="EUR")
    assert found.sections[0].closing == owed
    query = f"customer={doc.customer_id}&from={start}&to={TODAY}"
    page = admin.get(f"/admin/invoices/statement/activity?{query}").get_data(as_text=True)
    assert [row[1] for row in rows(page) if row[0] == "refunded_beyond"] == [
        BEYOND.format(number=doc.invoice_number)]
    assert euros(text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))) == owed
    listed = list(csv.DictReader(io.StringIO(admin.get(f"/admin/invoices/statement/activity.csv?{query}")
                                             .get_data(as_text=True))))
    assert [row["kind"] for row in listed].count("refunded_beyond") == 1 and Decimal(listed[-1]["balance"]) == owed
    text = pdf_words(admin.get(f"/admin/invoices/statement/activity.pdf?{query}").get_data())
    assert BEYOND.format(number=doc.invoice_number) in text and f"you owe €{owed:,.2f}." in text
    body = shop_api_call(shop, "GET", f"/receivables/activity?customer_id={doc.customer_id}&from={start}&to={TODAY}"
                         "&currency=EUR").get_json()
    [eur] = body["sections"]
    [beyond] = [e for e in eur["entries"] if e["kind"] == "refunded_beyond"]
    refund = eur["entries"][eur["entries"].index(beyond) - 1]
    assert (beyond["amount"], beyond["beyond"], beyond["balance"]) == ("0.00", "5.00", refund["balance"])
    assert refund["kind"] == "refund" and refund["amount"] == "7.00" and Decimal(eur["closing_balance"]) == owed


def test_an_over_refund_before_the_period_is_left_out_of_its_opening_balance(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    over_refund(admin, invoice_id)
    with admin.service.db.engine.begin() as conn:       # paid and refunded three days back
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    statement = admin.service.statement_of(doc.customer_id, organization_id=doc.organization_id, currency="EUR")
    credit = sum((c.amount for c in statement.credits if c.currency == "EUR"), Decimal(0))
    since = admin.service.activity_statement(doc.customer_id, start=TODAY - dt.timedelta(days=1), end=TODAY,
                                             organization_id=doc.organization_id, currency="EUR")
    whole = admin.service.activity_statement(doc.customer_id, start=TODAY - dt.timedelta(days=365), end=TODAY,
                                             organization_id=doc.organization_id, currency="EUR")
    assert since.sections[0].closing == whole.sections[0].closing == statement.sections[0].total - credit
    assert not [line for line in since.sections[0].lines if line.invoice_id == invoice_id]
    assert [line.beyond for line in whole.sections[0].lines if line.kind == "refunded_beyond"] == [Decimal("5.00")]
