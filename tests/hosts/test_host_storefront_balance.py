"""Account > Invoices states the balance: what the customer user's invoices still owe, and of it
what is overdue, per currency, over exactly the invoices their role lets them see."""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from support.list_pages import ROLES, customer

from oro_invoices.domain.overdue import is_overdue
from oro_invoices.domain.statuses import is_owed
from oro_invoices.hosts.reference.testing import ShopClient, text_of


def balance(page: str) -> dict[str, tuple[str, str]]:
    """The balance as shown: (open, overdue) by currency; {} when the page shows none."""
    section = re.search(r'<section class="oi-balance".*?</section>', page, re.S)
    if section is None:
        return {}
    return {currency: (text_of(re.search(r'data-oi-balance="open">(.*?)</dd>', block, re.S).group(1)),
                       text_of(re.search(r'data-oi-balance="overdue">(.*?)</dd>', block, re.S).group(1)))
            for currency, block in re.findall(r'<dl class="oi-balance__currency" data-currency="(\w+)">(.*?)</dl>',
                                              section.group(0), re.S)}


def owed_on_the_list(client: ShopClient, page: str) -> dict[str, list[Decimal]]:
    """(open, overdue) by currency, added up from the invoices the user's list shows."""
    service = client.service
    today = service.today()
    owed: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for invoice_id in re.findall(r'<tr data-invoice-id="(\d+)">', page):
        doc = service.get(int(invoice_id))
        if not doc.is_credit_note and is_owed(doc.payment_status, doc.amount_due):
            owed[doc.currency][0] += doc.amount_due
            # what an authorization holds is owed but not overdue
            owed[doc.currency][1] += doc.amount_due - min(doc.amount_held, doc.amount_due) if is_overdue(doc, today) \
                else 0
    return owed


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_balance_is_what_the_invoices_the_user_sees_still_owe(shop, role):
    client = customer(shop, ROLES[role])
    page = client.get("/customer/invoices").get_data(as_text=True)
    assert "Traceback" not in page
    owed = owed_on_the_list(client, page)
    assert owed, role                                                    # the seeded shop leaves some open
    assert balance(page) == {currency: (f"€{open_:,.2f}", f"€{overdue:,.2f}")
                             for currency, (open_, overdue) in owed.items()}, role


def test_the_balances_differ_by_role(shop):
    shown = {role: balance(customer(shop, email).get("/customer/invoices").get_data(as_text=True))
             for role, email in ROLES.items()}
    assert len({tuple(b.items()) for b in shown.values()}) == 3          # each role sees its own share
    corporate, department = (Decimal(shown[r]["EUR"][0].strip("€").replace(",", "")) for r in ("corporate", "department"))
    assert corporate > department


def test_the_overdue_amount_opens_the_overdue_invoices_and_filters_leave_the_balance_alone(shop):
    client = customer(shop, ROLES["corporate"])
    page = client.get("/customer/invoices").get_data(as_text=True)
    link = re.search(r'<a class="oi-balance__overdue" href="([^"]+)">', page).group(1)
    overdue = client.get("/customer/invoices" + link).get_data(as_text=True)
    listed = [client.service.get(int(i)) for i in re.findall(r'<tr data-invoice-id="(\d+)">', overdue)]
    today = client.service.today()
    assert listed and all(is_overdue(doc, today) for doc in listed)
    assert f"€{sum(doc.amount_due for doc in listed):,.2f}" == balance(page)["EUR"][1]
    assert balance(overdue) == balance(page)
    nothing = client.get("/customer/invoices?number=no-such-invoice").get_data(as_text=True)
    assert balance(nothing) == balance(page)                             # the account's, not the list's


def test_nothing_owed_shows_no_balance(shop):
    client = customer(shop, ROLES["own"])
    page = client.get("/customer/invoices").get_data(as_text=True)
    for invoice_id in re.findall(r'<tr data-invoice-id="(\d+)">', page):
        doc = client.service.get(int(invoice_id))
        if not doc.is_credit_note and is_owed(doc.payment_status, doc.amount_due):
            client.service.record_payment(doc.id, {"method": "bank_transfer", "action": "charge",
                                                   "amount": str(doc.amount_due)}, actor="test")
    page = client.get("/customer/invoices").get_data(as_text=True)
    assert balance(page) == {} and 'id="oi-balance"' not in page and "Balance" not in text_of(page)
