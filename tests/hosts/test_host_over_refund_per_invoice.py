"""An over-refund is what an invoice's refunds gave back beyond what was paid for the invoice as a
whole: (a) a refund beyond what remained of its payment is none while another payment of the
invoice still covers it, and (b) a payment made after an over-refund covers it first, as the
invoice's Amount Due counts it. The refund's figure, the notices of the invoice pages, the account
activity and the Open balance all say the same."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import update
from support.pdfs import pdf_text
from test_host_over_refund_activity import PAGE, YEAR, dieter, euros, rows
from test_host_storefront_balance import balance, owed_on_the_list
from test_host_storefront_over_refund import EXTERNAL_ID, customer_page, figures, over_refund

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.persistence.models import PaymentTransaction

NOTICE = r'<div [^>]*id="oi-over-refunded">(.*?)</div>'


def pay(admin: ShopClient, invoice_id: int, amount: str, reference: str) -> int:
    return admin.service.record_payment(invoice_id, {"method": "bank_transfer", "action": "charge",
                                                     "amount": amount, "provider_reference": reference}).id


def given_back(admin: ShopClient, invoice_id: int, amount: str, parent_id: int, reference: str) -> Decimal | None:
    """A refund the provider reports it made of ``parent_id``: what it was over, as recorded."""
    return admin.service.payments.record(invoice_id, {
        "method": "bank_transfer", "action": "refund", "amount": amount, "parent_id": parent_id,
        "provider_reference": reference}, actor="provider", given=True).transaction.over_refunded


def notice(page: str) -> str | None:
    found = re.search(NOTICE, page, re.S)
    return text_of(found.group(1)) if found else None


def agree(shop, admin: ShopClient) -> list[tuple[str, str, str, str]]:
    """The storefront activity's closing balance is the Open balance and the Amount Due of the
    invoices listed added up, and the back office's activity ends on what the statement owes;
    the storefront activity's rows."""
    client = dieter(shop)
    listing = client.get("/customer/invoices").get_data(as_text=True)
    open_ = euros(balance(listing)["EUR"][0])
    assert owed_on_the_list(client, listing)["EUR"][0] == open_
    page = client.get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    shown = rows(page)
    assert euros(text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))) == open_ \
        == euros(shown[-1][3])
    doc = admin.service.get(admin.service.find_id(external_id=EXTERNAL_ID))
    statement = admin.service.statement_of(doc.customer_id, organization_id=doc.organization_id, currency="EUR")
    owed = statement.sections[0].total - sum((c.amount for c in statement.credits if c.currency == "EUR"),
                                             Decimal(0))
    today = dt.datetime.now(dt.UTC).date()
    for start in (today - dt.timedelta(days=365), today - dt.timedelta(days=1)):
        found = admin.service.activity_statement(doc.customer_id, start=start, end=today,
                                                 organization_id=doc.organization_id, currency="EUR")
        assert found.sections[0].closing == owed
    return shown


def test_a_refund_another_payment_of_the_invoice_still_covers_is_no_over_refund(shop, admin):
    """Pay 10.00 and 6.00; a refund of 15.00 of the first is beyond what remained of it, but not
    beyond the 16.00 paid: nothing is over. A refund of 4.00 of the second then is 3.00 over."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    first = pay(admin, invoice_id, "10.00", "BT-PI-A1")
    second = pay(admin, invoice_id, "6.00", "BT-PI-A2")
    assert given_back(admin, invoice_id, "15.00", first, "BT-PI-A1-R") is None
    page = customer_page(shop, invoice_id)
    assert notice(page) is None and "more than remained" not in page
    assert figures(page)["Amount Paid"] == "€1.00"
    shown = agree(shop, admin)
    assert "refunded_beyond" not in [kind for kind, *_ in shown]
    assert [charge for kind, _e, charge, _b in shown if kind == "refund"] == ["€15.00"]

    assert given_back(admin, invoice_id, "4.00", second, "BT-PI-A2-R") == Decimal("3.00")
    page = customer_page(shop, invoice_id)
    assert notice(page) == ("You were refunded €19.00 for this invoice, €3.00 more than you paid. Please contact us "
                            "about the €3.00.")
    assert "This invoice was over-refunded by €3.00" in text_of(admin.get(f"/admin/invoices/{invoice_id}")
                                                                .get_data(as_text=True))
    shown = agree(shop, admin)
    assert [(kind, charge) for kind, _e, charge, _b in shown if kind in ("refund", "refunded_beyond")] == [
        ("refund", "€15.00"), ("refund", "€1.00"), ("refunded_beyond", "")]


def test_a_payment_after_an_over_refund_covers_it_first(shop, admin):
    """Paid 10.00, refunded 3.00 and 12.00 (5.00 over); a payment of 4.00 covers 4.00 of it (1.00
    over is left), one of 2.00 the last 1.00 of it and pays 1.00 of the invoice."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    over_refund(admin, invoice_id)
    total = admin.service.get(invoice_id).amount_due
    covering = pay(admin, invoice_id, "4.00", "BT-PI-B1")
    page = customer_page(shop, invoice_id)
    assert notice(page) == ("You were refunded €15.00 for this invoice, €1.00 more than you paid. Please contact us "
                            "about the €1.00.")
    assert "€4.00 of it covered what you were refunded beyond what you paid" in text_of(page)
    assert figures(page)["Amount Due"] == f"€{total:,}"
    receipt = dieter(shop).get(f"/customer/invoices/{invoice_id}/payments/{covering}/receipt")
    assert "€4.00 of it covered what you were refunded beyond what you paid for this invoice." in \
        " ".join(pdf_text(receipt.get_data()).split())
    admin_page = text_of(admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True))
    assert "This invoice was over-refunded by €1.00" in admin_page
    shown = agree(shop, admin)
    number = admin.service.get(invoice_id).invoice_number
    [at] = [i for i, row in enumerate(shown) if row[0] == "covered_beyond"]
    assert shown[at - 1][0] == "payment" and shown[at - 1][3] == shown[at][3]
    assert shown[at][1] == f"Of the payment for {number}, €4.00 covered what was refunded beyond what was paid, " \
                           "not in the balance"

    pay(admin, invoice_id, "2.00", "BT-PI-B2")
    page = customer_page(shop, invoice_id)
    assert notice(page) is None
    assert figures(page)["Amount Due"] == f"€{total - 1:,}"
    assert 'id="oi-over-refunded"' not in admin.get(f"/admin/invoices/{invoice_id}").get_data(as_text=True)
    agree(shop, admin)
    with admin.service.db.engine.begin() as conn:       # all of it three days back: in the opening balance
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    agree(shop, admin)



def invoice_rows(shown: list[tuple[str, str, str, str]], number: str) -> list[tuple[str, str, str]]:
    """The rows naming invoice ``number``: kind, entry and the balance after it."""
    return [(kind, entry, after) for kind, entry, _charge, after in shown if number in entry]


def test_a_day_s_payments_and_refunds_are_in_the_order_they_were_recorded(shop, admin):
    """Pay 10.00, a refund of 15.00 (5.00 beyond), then 4.00, which covers 4.00 of it, all on one
    day: the payment's row and what it covered follow the refund that made the over-refund."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    first = pay(admin, invoice_id, "10.00", "BT-PI-D1")
    assert given_back(admin, invoice_id, "15.00", first, "BT-PI-D1-R") == Decimal("5.00")
    pay(admin, invoice_id, "4.00", "BT-PI-D2")
    n, total = doc.invoice_number, doc.total_amount
    assert invoice_rows(agree(shop, admin), n) == [
        ("invoice", f"Invoice {n}", f"€{total:,}"),
        ("payment", f"Payment for {n} Bank transfer", f"€{total - 10:,}"),
        ("refund", f"Refund for {n} Bank transfer", f"€{total:,}"),
        ("refunded_beyond", f"Refunded beyond what was paid for {n}: €5.00, not in the balance", f"€{total:,}"),
        ("payment", f"Payment for {n} Bank transfer", f"€{total:,}"),
        ("covered_beyond", f"Of the payment for {n}, €4.00 covered what was refunded beyond what was paid, not in "
                           "the balance", f"€{total:,}")]


def test_a_reversed_payment_leaves_the_over_refund_it_covered_to_the_payment_after_it(shop, admin):
    """Pay 10.00, a refund of 11.00 (1.00 beyond); a check of 4.00 covers the 1.00, then 20.00 is
    paid, and the check is reversed in error. As if it had never been recorded, the 20.00 covers
    the 1.00: the activity counts 19.00 of it and says so, and ends on the Open balance; the
    invoice page says the same of the payment and nothing over-refunded."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    first = pay(admin, invoice_id, "10.00", "BT-PI-REV1")
    assert given_back(admin, invoice_id, "11.00", first, "BT-PI-REV1-R") == Decimal("1.00")
    check = admin.service.record_payment(invoice_id, {"method": "check", "action": "charge", "amount": "4.00",
                                                      "provider_reference": "CHK-PI-REV"})
    assert check.over_refund_covered == Decimal("1.00")
    later = pay(admin, invoice_id, "20.00", "BT-PI-REV2")
    admin.service.reverse_received_payment(invoice_id, check.id, reason="The check bounced", actor="admin")
    assert admin.service.get(invoice_id).amount_due == doc.amount_due - Decimal("19.00")

    n, total = doc.invoice_number, doc.total_amount
    assert invoice_rows(agree(shop, admin), n) == [
        ("invoice", f"Invoice {n}", f"€{total:,}"),
        ("payment", f"Payment for {n} Bank transfer", f"€{total - 10:,}"),
        ("refund", f"Refund for {n} Bank transfer", f"€{total:,}"),
        ("refunded_beyond", f"Refunded beyond what was paid for {n}: €1.00, not in the balance", f"€{total:,}"),
        ("payment", f"Payment for {n} Bank transfer", f"€{total - 19:,}"),
        ("covered_beyond", f"Of the payment for {n}, €1.00 covered what was refunded beyond what was paid, not in "
                           "the balance", f"€{total - 19:,}")]
    page = customer_page(shop, invoice_id)
    assert notice(page) is None
    rows_of = dict(re.findall(r'<tr data-transaction-id="(\d+)">(.*?)</tr>', page, re.S))
    assert "€1.00 of it covered what you were refunded beyond what you paid" in text_of(rows_of[str(later)])
    # a refund beyond what is paid now is over by all of it, none of it covered by the reversed check
    assert given_back(admin, invoice_id, "25.00", later, "BT-PI-REV2-R") == Decimal("6.00")
    assert notice(customer_page(shop, invoice_id)) == ("You were refunded €36.00 for this invoice, €6.00 more than "
                                                       "you paid. Please contact us about the €6.00.")
    agree(shop, admin)


def dated_rows(shop, number: str) -> list[tuple[str, str, str]]:
    """The storefront activity's rows naming invoice ``number``: day, kind and the balance after it."""
    page = dieter(shop).get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    body = page.split('id="oi-activity-EUR"')[1].split("<tbody>")[1].split("</tbody>")[0]
    found = []
    for kind, cells in re.findall(r'<tr data-oi-line="([a-z_]+)"[^>]*>(.*?)</tr>', body, re.S):
        tds = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", cells, re.S)
        if number in text_of(tds[1]):
            found.append((text_of(tds[0]), kind, text_of(tds[-1])))
    return found


def test_a_payment_received_before_the_over_refund_it_covered_says_so_on_the_refund_s_day(shop, admin):
    """Paid 10.00 by transfer received five days back; a refund of 11.00 today (1.00 beyond); then
    a check received three days back is recorded, and covers the 1.00. The check counts on its
    day, less the 1.00; what it covered is said on the refund's day, after the refund, and the
    activity still ends on the Open balance and the Amount Due."""
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    today = dt.datetime.now(dt.UTC).date()
    first = admin.service.record_received_payment(
        invoice_id, amount="10.00", method="bank_transfer", received_on=today - dt.timedelta(days=5),
        actor="admin", request_key="over-refund-early-01").transaction
    assert given_back(admin, invoice_id, "11.00", first.id, "BT-PI-E1-R") == Decimal("1.00")
    check = admin.service.record_received_payment(
        invoice_id, amount="4.00", method="check", received_on=today - dt.timedelta(days=3), reference="CHK 12",
        actor="admin", request_key="over-refund-early-02").transaction
    assert check.over_refund_covered == Decimal("1.00")

    n, total = doc.invoice_number, doc.total_amount
    shown = dated_rows(shop, n)
    assert [(kind, after) for _day, kind, after in shown] == [
        ("invoice", f"€{total:,}"), ("payment", f"€{total - 10:,}"), ("payment", f"€{total - 13:,}"),
        ("refund", f"€{total - 3:,}"), ("refunded_beyond", f"€{total - 3:,}"), ("covered_beyond", f"€{total - 3:,}")]
    days = {kind: day for day, kind, _after in shown}
    check_day = [day for day, kind, _after in shown if kind == "payment"][1]
    assert days["covered_beyond"] == days["refund"] != check_day
    assert admin.service.get(invoice_id).amount_due == total - 3
    agree(shop, admin)
    with admin.service.db.engine.begin() as conn:       # the refund and the check a day back: the same
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.invoice_id == invoice_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)))
    agree(shop, admin)
