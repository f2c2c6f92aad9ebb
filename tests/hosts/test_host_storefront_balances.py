"""One balance per storefront user: the Account activity of the invoices a customer user's role
shows ends on what that user's Balance says. A department or corporate user sees the customer's
whole account, its credit too: their activity ends on what is open less that credit. An Own-role
user does not see the credit: their activity shows the money that went from their invoices into
it and the credit applied to them as entries of their own, and ends on what their invoices owe."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from support.days import after_seeded_invoices, days_ago
from support.list_pages import ROLES, customer
from support.payloads import invoice_payload
from support.pdfs import pdf_words
from test_host_payments import configure, doc_of

from oro_invoices.hosts.reference.testing import text_of

#: the account activity of the last year (the seeded shop's invoices are of the last weeks)
ACTIVITY = f"/customer/invoices/activity?from={days_ago(365)}"
PETER = "peter.gibbons@initech.example"


def euros(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace(",", "").strip())


def balance(client) -> tuple[Decimal, Decimal]:
    """What the user's Balance says in EUR: open, and the credit it shows (the customer's, its
    sub-customers')."""
    html = client.get("/customer/invoices").get_data(as_text=True)
    section = html.split('id="oi-balance"', 1)[1].split("</section>", 1)[0]
    block = section.split('data-currency="EUR"', 1)[1]
    opened = euros(text_of(re.search(r'data-oi-balance="open">(.*?)</dd>', block, re.S).group(1)))
    credit = sum((euros(amount) for amount in re.findall(r'with us: (€[\d,.]+)', text_of(section))), Decimal(0))
    return opened, credit


def activity(client) -> tuple[Decimal, list[tuple[str, str]]]:
    """The EUR closing balance of the user's activity, and each entry as (kind, text of its row)."""
    html = client.get(ACTIVITY).get_data(as_text=True)
    table = html.split('id="oi-activity-EUR"', 1)[1].split("</table>", 1)[0]
    rows = [(kind, text_of(cells)) for kind, cells in re.findall(r'<tr data-oi-line="([a-z_]+)"[^>]*>(.*?)</tr>',
                                                               table, re.S)]
    return euros(text_of(re.search(r"data-closing>(.*?)</td>", table, re.S).group(1))), rows


def surplus_of_bens_invoice(shop) -> tuple[object, object]:
    """Ben (department) and his invoice, paid by a bank transfer €45.30 over its amount due,
    which is kept as Acme's credit."""
    configure(shop[0])
    ben = customer(shop, ROLES["department"])
    bens = doc_of(ben, "ERP-SO-1002-2")
    ben.service.record_received_payment(bens.id, amount=str(bens.amount_due + Decimal("45.30")),
                                        method="bank_transfer", received_on=after_seeded_invoices(), actor="admin",
                                        request_key="k" * 24, keep_surplus=True)
    return ben, bens


def credit_applied_to_carlas_invoice(shop) -> tuple[object, object]:
    """The probe's case: the credit of Ben's invoice's surplus, which a colleague applies to
    Carla's invoice of €261.84."""
    ben, bens = surplus_of_bens_invoice(shop)
    carlas = doc_of(ben, "ERP-SO-1003-3")
    ben.service.apply_credit(carlas.id, amount="45.30", actor=ROLES["corporate"])
    return bens, ben.service.get(carlas.id)


def test_credit_applied_to_an_own_role_users_invoice_is_in_their_activity(shop):
    _bens, carlas = credit_applied_to_carlas_invoice(shop)
    carla = customer(shop, ROLES["own"])
    assert balance(carla) == (Decimal("216.54"), Decimal(0))                 # no credit: not her account's
    closing, rows = activity(carla)
    assert closing == Decimal("216.54")
    [applied] = [text for kind, text in rows if kind == "credit_applied"]
    [application] = [t for t in carla.service.transactions(carlas.id) if t.method == "customer_credit"]
    day = application.created_at.astimezone(dt.UTC)                        # the day it was recorded
    assert applied == f"{day:%b} {day.day}, {day.year} Customer credit applied to {carlas.invoice_number} €45.30 €216.54"
    assert "kept as" not in " ".join(text for _kind, text in rows)       # the surplus was on Ben's invoice


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_roles_activity_ends_on_its_balance_less_the_credit_it_shows(shop, role):
    credit_applied_to_carlas_invoice(shop)
    client = customer(shop, ROLES[role])
    opened, credit = balance(client)
    closing, rows = activity(client)
    assert closing == opened - credit, role
    kinds = {kind for kind, _text in rows}
    # a whole account's credit is part of its balance: applying it moves nothing there
    assert ("credit_applied" in kinds) is (role == "own"), role


def test_a_whole_accounts_activity_nets_the_credit_it_holds(shop):
    """Ben (department) sees Acme's credit: his activity ends on Open less it, before and after
    some of it is given back outside the add-on."""
    ben, bens = surplus_of_bens_invoice(shop)
    for client in (ben, customer(shop, ROLES["corporate"])):
        opened, credit = balance(client)
        assert credit == Decimal("45.30") and activity(client)[0] == opened - credit
    ben.service.pay_out_credit(bens.customer_id, organization_id=bens.organization_id, currency="EUR",
                               amount="15.00", actor="admin")
    for client in (ben, customer(shop, ROLES["corporate"])):
        opened, credit = balance(client)
        assert credit == Decimal("30.30") and activity(client)[0] == opened - credit


def initech_credit_note_kept_as_credit(shop):
    """The probe's Initech case: Peter (Own) paid €100.00 of an invoice of €119.00, then a full
    credit note kept those €100.00 as Initech's credit."""
    configure(shop[0])
    peter = customer(shop, PETER)
    theirs = doc_of(peter, "ERP-SO-1010-10")
    fields = {name: getattr(theirs, name) for name in ("customer_id", "customer_user_id", "customer_user_email",
                                                       "customer_name", "organization_id", "website_id", "currency")}
    service = peter.service
    day = days_ago(11)
    doc = service.post(service.create(invoice_payload(
        external_id="ERP-IA-1", order_id=None, order_identifier="", invoice_date=day.isoformat(),
        due_date=(day + dt.timedelta(days=30)).isoformat(),
        lines=[{"description": "Consulting", "quantity": "1", "unit_price": "100.00", "tax_rate": "0.19"}],
        **fields), actor="erp").id, actor="erp")
    service.record_received_payment(doc.id, amount="100.00", method="bank_transfer",
                                    received_on=day + dt.timedelta(days=1),
                                    actor="admin", request_key="i" * 24)
    note = service.create_credit_note(doc.id, {"full": True, "reason": "cancelled order", "settlement": "credit"},
                                      actor="admin").credit_note
    return doc, note


def test_the_back_office_statement_csv_ends_with_the_customers_credit(shop, admin):
    doc, _note = initech_credit_note_kept_as_credit(shop)
    resp = admin.get(f"/admin/invoices/statement.csv?customer={doc.customer_id}")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    *invoices, credit = rows
    assert (credit["currency"], credit["invoice_number"], credit["bucket"], credit["due"]) == (
        "EUR", "", "credit", "-100.00")
    due = sum(Decimal(row["due"]) for row in invoices)
    page = text_of(admin.get(f"/admin/invoices/statement?customer={doc.customer_id}").get_data(as_text=True))
    assert f"Total due less the credit: €{due - Decimal('100.00'):,.2f}" in page


def test_an_own_role_users_money_kept_as_credit_leaves_their_activity_and_their_statement_says_their_balance(shop):
    """Initech's credit (``initech_credit_note_kept_as_credit``) is not Peter's to see."""
    before = balance(customer(shop, PETER))
    doc, note = initech_credit_note_kept_as_credit(shop)
    peter = customer(shop, PETER)
    service = peter.service
    assert service.credit_balances(doc.customer_id, organization_id=doc.organization_id)[0].amount == Decimal("100.00")
    opened, credit = balance(peter)
    assert (opened, credit) == before                                       # nothing more owed, no credit shown
    closing, rows = activity(peter)
    assert closing == opened
    [kept] = [text for kind, text in rows if kind == "credit_kept"]
    day = note.invoice_date                                                # the credit note's date
    assert kept.startswith(f"{day:%b} {day.day}, {day.year} Kept as Initech GmbH's credit: {note.invoice_number} €100.00")
    pdf = pdf_words(peter.get("/customer/invoices/statement.pdf").get_data())
    assert opened == Decimal("1785.32") and "Total due €1,785.32" in pdf, pdf
    assert "Guthaben" not in pdf and "credit with us" not in pdf
    # the back office sees Initech's whole account: its activity nets the credit
    today = dt.datetime.now(dt.UTC).date()
    whole = service.activity_statement(doc.customer_id, start=today - dt.timedelta(days=365), end=today,
                                       organization_id=doc.organization_id)
    assert whole.sections[0].closing == opened - Decimal("100.00")
