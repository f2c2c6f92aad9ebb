"""Credit applied to an invoice before an account activity's period and reversed in error within
it: as a payment reversed in error, the application is as if never made, so neither it nor its
reversal is an entry, and the period's opening balance no longer counts it."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import update
from test_host_credit_covers_over_refund import credit_of_40
from test_host_over_refund_activity import PAGE, dieter, euros, rows
from test_host_storefront_balance import balance
from test_host_storefront_over_refund import EXTERNAL_ID

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.persistence.models import PaymentTransaction

TODAY = dt.datetime.now(dt.UTC).date()
SINCE = TODAY - dt.timedelta(days=1)


def seen(shop) -> tuple[list[tuple[str, str, str, str]], Decimal, Decimal]:
    """Dieter's activity since yesterday (its rows), its closing balance and his Open balance."""
    client = dieter(shop)
    page = client.get(f"{PAGE}?from={SINCE}&to={TODAY}").get_data(as_text=True)
    open_ = euros(balance(client.get("/customer/invoices").get_data(as_text=True))["EUR"][0])
    return rows(page), euros(text_of(re.search(r"data-closing>(.*?)</td>", page, re.S).group(1))), open_


def test_credit_applied_before_the_period_and_reversed_within_it_is_in_neither(shop, admin):
    invoice_id = admin.service.find_id(external_id=EXTERNAL_ID)
    doc = admin.service.get(invoice_id)
    credit_of_40(admin, doc)
    applied = admin.service.customer_credit.apply(invoice_id, amount="7.00", actor="admin").transaction
    with admin.service.db.engine.begin() as conn:        # applied three days back: before the period
        conn.execute(update(PaymentTransaction).where(PaymentTransaction.id == applied.id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    shown, closing, open_ = seen(shop)
    opening = euros(shown[0][3])
    assert shown[0][0] == "opening" and closing == open_
    assert not [row for row in shown if doc.invoice_number in row[1]]   # the application is in the opening

    admin.service.reverse_received_payment(invoice_id, applied.id, reason="Applied to the wrong invoice",
                                           actor="admin")
    after, closing_after, open_after = seen(shop)
    # the opening no longer counts the 7.00 applied, and nothing in the period says it came back
    assert euros(after[0][3]) == opening + Decimal("7.00")
    assert [row[0] for row in after] == [row[0] for row in shown]
    assert not [row for row in after if doc.invoice_number in row[1]]
    assert closing_after == open_after == closing + Decimal("7.00")

    statement = admin.service.statement_of(doc.customer_id, organization_id=doc.organization_id, currency="EUR")
    owed = statement.sections[0].total - sum((c.amount for c in statement.credits if c.currency == "EUR"),
                                             Decimal(0))
    whole = admin.service.activity_statement(doc.customer_id, start=SINCE, end=TODAY,
                                             organization_id=doc.organization_id, currency="EUR")
    [section] = whole.sections
    assert section.closing == owed
    assert not [line for line in section.lines if line.invoice_id == invoice_id]
