"""The customer statement: a customer's open invoices with what each still owes and how late it
is, per currency, with totals that are the customer's line of the receivables aging; its CSV,
text and PDF, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from support.payloads import one_line_invoice
from support.pdfs import pdf_text

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.documents.storage import LocalStorage
from oro_invoices.domain.errors import NotFound, ValidationError
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.checking import sample_context
from oro_invoices.services.statement import CSV_COLUMNS, statement_csv_text, statement_text

NOW = dt.datetime(2027, 3, 31, 23, 30, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def clocked(db, tmp_path) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW,
                          storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())


def make(service: InvoiceService, *, due: int, price: str = "100.00", invoice_date: str = "2026-06-01",
         **extra) -> int:
    """A one-line invoice (no tax) of ``price``, due ``due`` days from TODAY, posted."""
    return one_line_invoice(service, due_date=(TODAY + dt.timedelta(days=due)).isoformat(),
                            invoice_date=invoice_date, price=price, **extra)


def test_lists_the_customers_open_invoices_oldest_due_first_with_what_each_owes(clocked):
    late = make(clocked, due=-40, paid="30.00")
    soon = make(clocked, due=5)
    make(clocked, due=-10, paid="100.00")                                           # paid: not listed
    make(clocked, due=-10, post=False)                                              # a draft: not listed
    credited = make(clocked, due=-95, price="80.00")
    clocked.create_credit_note(credited, {"amounts": [{"tax_rate": "0", "amount": "20.00"}]})
    make(clocked, due=-3, customer_id=11, customer_name="Beta GmbH")               # another customer
    make(clocked, due=-3, organization_id=2)                                        # another organization

    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    assert (statement.as_of, statement.customer_id, statement.customer_name) == (TODAY, 10, "Acme Corp")
    [usd] = statement.sections
    assert [(i.invoice_id, i.days_overdue, i.bucket, str(i.total), str(i.paid), str(i.credited), str(i.due))
            for i in usd.items] == [
        (credited, 95, "over_90", "80.00", "0.00", "20.00", "60.00"),
        (late, 40, "days_31_60", "100.00", "30.00", "0.00", "70.00"),
        (soon, 0, "current", "100.00", "0.00", "0.00", "100.00")]
    assert [i.number for i in usd.items] == [clocked.get(i.invoice_id).invoice_number for i in usd.items]
    assert (usd.total, usd.overdue, statement.invoices) == (Decimal("230.00"), Decimal("130.00"), 3)
    # the totals are the customer's line of the Aging Report
    [aging_line] = [line for line in clocked.receivables_aging({"organization_id": 1}).lines if line.customer_id == 10]
    assert usd.aging.amounts == aging_line.amounts
    assert statement.latest_invoice_id == credited            # of the same date, the last made


def test_a_section_per_currency_never_adds_currencies_up(clocked):
    make(clocked, due=-1, price="10.00")
    make(clocked, due=2, price="5000", currency="JPY")
    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    assert [(s.currency, str(s.total), str(s.overdue)) for s in statement.sections] == [
        ("JPY", "5000", "0"), ("USD", "10.00", "10.00")]
    only_yen = clocked.customer_statement({"organization_id": 1, "customer_id": 10, "currency": "JPY"})
    assert [s.currency for s in only_yen.sections] == ["JPY"]


def test_a_customer_who_owes_nothing_gets_an_empty_statement(clocked):
    make(clocked, due=-10, paid="100.00")
    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10}, customer_name="Acme Corp")
    assert statement.is_empty and statement.invoices == 0 and statement.latest_invoice_id is None
    assert statement_text(statement) == "Statement of Acme Corp on 2027-03-31: nothing is owed on a posted invoice.\n"
    text = pdf_text(clocked.statement_pdf(statement))
    assert "Statement of account" in text and "Nothing is owed on your invoices" in text


def test_a_bad_currency_is_refused_on_its_field(clocked):
    with pytest.raises(ValidationError) as caught:
        clocked.customer_statement({"organization_id": 1, "customer_id": 10, "currency": "usd"})
    assert caught.value.errors[0][0] == "currency"


def test_a_long_statement_lists_the_oldest_and_says_how_many_it_left_out(clocked, monkeypatch):
    made = {days: make(clocked, due=-days, price="1.00", invoice_date=f"2026-06-0{5 - days}")
            for days in (1, 2, 3, 4)}
    from oro_invoices.services import statement as module
    real = module.open_items
    monkeypatch.setattr(module, "open_items", lambda s, *, within, limit: real(s, within=within, limit=2))
    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    [usd] = statement.sections
    assert [i.days_overdue for i in usd.items] == [4, 3] and statement.left_out == 2
    assert str(usd.total) == "4.00" and statement.invoices == 4                    # the totals count them all
    assert "2 more open invoices are not listed" in statement_text(statement)
    # the latest invoice (whose bill-to heads the PDF) is the latest of all, not of those listed
    assert statement.latest_invoice_id == made[1]


def test_csv_has_a_row_per_open_invoice(clocked):
    first = make(clocked, due=-40, paid="30.00")
    make(clocked, due=2, price="5000", currency="JPY")
    rows = list(csv.DictReader(io.StringIO(statement_csv_text(
        clocked.customer_statement({"organization_id": 1, "customer_id": 10})))))
    assert tuple(rows[0]) == CSV_COLUMNS
    number = clocked.get(first).invoice_number
    assert [(r["currency"], r["invoice_number"], r["days_overdue"], r["bucket"], r["due"]) for r in rows] == [
        ("JPY", rows[0]["invoice_number"], "0", "current", "5000"), ("USD", number, "40", "days_31_60", "70.00")]


def test_csv_ends_with_the_customers_credit_as_a_row_of_its_own(clocked):
    first = make(clocked, due=-40, paid="30.00")
    paid = make(clocked, due=5, price="10.00")
    clocked.record_received_payment(paid, amount="35.00", method="bank_transfer",
                                    received_on=clocked.clock().date(), actor="admin", request_key="c" * 24,
                                    keep_surplus=True)
    statement = clocked.statement_of(10, organization_id=1)
    rows = list(csv.DictReader(io.StringIO(statement_csv_text(statement))))
    assert [(r["invoice_number"], r["bucket"], r["due"]) for r in rows] == [
        (clocked.get(first).invoice_number, "days_31_60", "70.00"), ("", "credit", "-25.00")]
    assert rows[-1]["currency"] == "USD" and rows[-1]["customer_name"] == statement.customer_name
    # without the credit (a storefront user's of their own invoices) there is none
    mine = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    assert [r["bucket"] for r in csv.DictReader(io.StringIO(statement_csv_text(mine)))] == ["days_31_60"]


def test_an_invoice_whose_payment_is_authorized_is_listed_as_such_rather_than_overdue(clocked):
    """Authorized in full, or paid in part with the rest held: owed until captured, in its due
    date's bucket, but its line says the payment is authorized instead of how late it is."""
    authorized = make(clocked, due=-40)
    rest_held = make(clocked, due=-10, paid="40.00")
    late = make(clocked, due=-5, price="10.00")
    clocked.record_payment(authorized, {"method": "card", "action": "authorize", "amount": "100.00"})
    clocked.record_payment(rest_held, {"method": "card", "action": "authorize", "amount": "60.00"})
    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    [usd] = statement.sections
    assert [(i.invoice_id, i.days_overdue, i.bucket, i.payment_authorized, str(i.due)) for i in usd.items] == [
        (authorized, 0, "days_31_60", True, "100.00"), (rest_held, 0, "days_1_30", True, "60.00"),
        (late, 5, "days_1_30", False, "10.00")]
    assert (usd.total, usd.overdue) == (Decimal("170.00"), Decimal("10.00"))
    text = statement_text(statement)
    assert "Total due 170.00 USD (3 invoices; overdue 10.00)" in text
    number = clocked.get(authorized).invoice_number
    assert [line.split()[3] for line in text.splitlines() if line.startswith(number)] == ["authorized"]
    pdf = " ".join(pdf_text(clocked.statement_pdf(statement), layout=False).split())    # wrapped in its column
    assert pdf.count("Payment authorized") == 2
    # what the authorizations hold is not asked for: of the $10.00 to pay, all is overdue
    assert "$10.00 of the $10.00 to pay is overdue" in pdf and "$170.00 to pay" not in pdf


def test_text_lists_each_invoice_and_the_buckets(clocked):
    make(clocked, due=-40, paid="30.00")
    text = statement_text(clocked.customer_statement({"organization_id": 1, "customer_id": 10}))
    assert text.startswith("Statement of Acme Corp on 2027-03-31\n\nUSD\n")
    assert "Total due 70.00 USD (1 invoices; overdue 70.00)" in text
    assert "31–60 Days: 70.00" in text


def test_the_pdf_lists_the_open_invoices_with_the_bill_to_address_and_the_sellers_words(clocked):
    late = make(clocked, due=-40, paid="30.00")
    make(clocked, due=5, invoice_date="2026-07-01", currency="EUR")
    statement = clocked.customer_statement({"organization_id": 1, "customer_id": 10})
    pdf = clocked.statement_pdf(statement)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Statement of account" in text and "1 Main St" in text           # the latest invoice's bill-to
    assert clocked.get(late).invoice_number in text
    assert "OPEN INVOICES IN EUR" in text and "OPEN INVOICES IN USD" in text           # headings in capitals
    assert "$70.00 of the $70.00 to pay is overdue" in text
    assert "€100.00 is due: please pay each invoice by its due date" in text
    assert pdf == clocked.statement_pdf(statement)                          # the same statement, the same bytes


def test_without_a_renderer_no_statement_pdf_is_made(db):
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: NOW)
    make(service, due=-1)
    with pytest.raises(NotFound, match="no PDF renderer"):
        service.statement_pdf(service.customer_statement({"organization_id": 1, "customer_id": 10}))


def test_a_customers_statement_says_the_credit_it_had_at_the_end_of_its_day(db, tmp_path):
    now = [NOW - dt.timedelta(days=10)]
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: now[0],
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())
    returned = make(service, due=-40, paid="100.00")
    service.create_credit_note(returned, {"full": True, "settlement": "credit"})          # 100.00 kept as credit
    make(service, due=5, price="250.00")
    now[0] = NOW
    service.pay_out_credit(10, organization_id=1, currency="USD", amount="30", actor="admin")  # 70.00 left
    statement = service.statement_of(10, organization_id=1)
    assert [(c.currency, c.amount) for c in statement.credits] == [("USD", Decimal("70.00"))]
    assert statement.section("USD").total == Decimal("250.00") and statement.credit("USD") == Decimal("70.00")
    assert "Credit not yet applied: 70.00 USD" in statement_text(statement)
    text = " ".join(pdf_text(service.statement_pdf(statement), layout=False).split())
    assert "Your credit with us: $70.00 (not yet applied to an invoice). Total due less the credit: $180.00." in text
    then = service.statement_of(10, organization_id=1, today=TODAY - dt.timedelta(days=5))
    assert [(c.currency, c.amount) for c in then.credits] == [("USD", Decimal("100.00"))]
    assert service.statement_of(10, organization_id=1, today=TODAY - dt.timedelta(days=11)).credits == ()
    # what a storefront user sees is a list of invoices, not the customer's account
    assert service.customer_statement({"organization_id": 1, "customer_id": 10}).credits == ()


def test_the_email_editors_sample_statement_is_built_as_a_real_statement_with_credit(clocked):
    """The template editor's sample statement carries a customer credit as a statement of the
    whole account does: in ``credits``; its section's aging is the currency's total line, as the
    real statement's, with no credit on it."""
    paid = make(clocked, due=-10, price="10.00")
    clocked.record_received_payment(paid, amount="35.00", method="bank_transfer",
                                    received_on=clocked.clock().date(), actor="admin", request_key="d" * 24,
                                    keep_surplus=True)
    make(clocked, due=5)
    real = clocked.statement_of(10, organization_id=1)
    sample = sample_context(today=TODAY, timezone="UTC")["statement"]

    def shape(statement):
        aging = statement.sections[0].aging
        return (bool(statement.credits), aging.is_total, aging.organization_id, aging.customer_id,
                aging.customer_name, aging.credit, aging.net == statement.section(aging.currency).total)

    assert shape(real) == (True, True, None, None, "", Decimal("0.00"), True)
    assert shape(sample) == shape(real)


def _payment_line(service: InvoiceService, statement) -> str:
    """The statement PDF's text, its words joined by single spaces."""
    return " ".join(pdf_text(service.statement_pdf(statement), layout=False).split())


def test_the_pdfs_payment_line_takes_the_credit_off_the_overdue_amount_first(clocked):
    """Owing 100.00 overdue and 250.00 not yet due, with 70.00 of credit: 30.00 of the 280.00 to
    pay is overdue, the same figures as 'Total due less the credit' and the Aging Report's net."""
    returned = make(clocked, due=-60, paid="70.00", price="70.00")
    clocked.create_credit_note(returned, {"full": True, "settlement": "credit"})          # 70.00 kept as credit
    make(clocked, due=-40)
    make(clocked, due=5, price="250.00")
    statement = clocked.statement_of(10, organization_id=1)
    pay = statement.payable("USD")
    assert (pay.overdue, pay.to_pay, pay.credit_used) == (Decimal("30.00"), Decimal("280.00"), Decimal("70.00"))
    [line] = [line for line in clocked.receivables_aging({"organization_id": 1}).lines if line.customer_id == 10]
    assert line.net == pay.to_pay
    text = _payment_line(clocked, statement)
    assert "$30.00 of the $280.00 to pay is overdue: please pay it now" in text
    assert "Total due less the credit: $280.00." in text


def test_the_pdfs_payment_line_asks_for_nothing_overdue_when_the_credit_covers_it(clocked):
    returned = make(clocked, due=-60, paid="150.00", price="150.00")
    clocked.create_credit_note(returned, {"full": True, "settlement": "credit"})          # 150.00 of credit
    make(clocked, due=-40)                                                             # 100.00 overdue
    make(clocked, due=5, price="250.00")
    text = _payment_line(clocked, clocked.statement_of(10, organization_id=1))
    assert "is overdue" not in text
    assert "$200.00 is due: please pay each invoice by its due date" in text


def test_the_pdfs_payment_line_says_the_credit_covers_everything(clocked):
    returned = make(clocked, due=-60, paid="500.00", price="500.00")
    clocked.create_credit_note(returned, {"full": True, "settlement": "credit"})
    make(clocked, due=-40)
    text = _payment_line(clocked, clocked.statement_of(10, organization_id=1))
    assert "is overdue" not in text and "is due: please pay" not in text
    assert "Your credit covers what is due: there is nothing to pay." in text
    assert "The credit covers the total due, with $400.00 left." in text


def test_the_pdfs_payment_line_with_amounts_held_and_a_credit_for_the_rest(clocked):
    returned = make(clocked, due=-60, paid="50.00", price="50.00")
    clocked.create_credit_note(returned, {"full": True, "settlement": "credit"})          # 50.00 of credit
    authorized = make(clocked, due=-40)
    clocked.record_payment(authorized, {"method": "card", "action": "authorize", "amount": "100.00"})
    make(clocked, due=-5, price="30.00", currency="USD")                               # 30.00 late, covered
    statement = clocked.statement_of(10, organization_id=1)
    text = _payment_line(clocked, statement)
    assert "is overdue" not in text
    assert ("$100.00 is held by your payment authorizations and your credit covers the rest: there is nothing to pay."
            in text)


def test_the_pdfs_payment_line_in_a_three_decimal_currency(clocked):
    returned = make(clocked, due=-60, paid="1.250", price="1.250", currency="BHD")
    clocked.create_credit_note(returned, {"full": True, "settlement": "credit"})
    make(clocked, due=-40, price="10.500", currency="BHD")
    make(clocked, due=5, price="2.125", currency="BHD")
    make(clocked, due=-3, price="1200", currency="JPY")
    statement = clocked.statement_of(10, organization_id=1)
    assert statement.payable("BHD").to_pay == Decimal("11.375")
    text = _payment_line(clocked, statement)
    assert "BHD9.250 of the BHD11.375 to pay is overdue" in text
    assert "¥1,200 of the ¥1,200 to pay is overdue" in text


def test_amounts_held_are_not_asked_for_when_their_invoices_are_not_listed(db, tmp_path):
    """A statement lists at most ``ITEMS_MAX`` invoices, the oldest due first: what authorizations
    hold of those left out is not asked for either, today and at the end of a past day."""
    from oro_invoices.persistence.queries import InvoiceFilter
    from oro_invoices.services.statement import read_statement
    now = [NOW - dt.timedelta(days=10)]
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), clock=lambda: now[0],
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())
    make(service, due=-40)                                                   # listed: 100.00 to pay
    held = make(service, due=5, price="250.00")                              # left out, and held
    service.record_payment(held, {"method": "card", "action": "authorize", "amount": "250.00"})
    now[0] = NOW
    within = InvoiceFilter(organization_id=1, customer_id=10)
    for day in (None, TODAY - dt.timedelta(days=5)):
        statement = read_statement(service.context, within, today=day, limit=1)
        [usd] = statement.sections
        assert (statement.left_out, len(usd.items), usd.total) == (1, 1, Decimal("350.00"))
        assert (usd.held, usd.to_pay) == (Decimal("250.00"), Decimal("100.00")), day
        assert statement.payable("USD").to_pay == Decimal("100.00")
        text = " ".join(pdf_text(service.statement_pdf(statement), layout=False).split())
        assert "$100.00 of the $100.00 to pay is overdue" in text


def test_each_currency_says_what_its_authorizations_hold_beside_its_total(clocked):
    """The held amount of each section, by the rule of the payment line (``Statement.payable``):
    what open authorizations hold of that currency's open invoices; a currency nothing holds
    says nothing of it."""
    held_in_part = make(clocked, due=-40)                                          # 100.00, 60.00 held
    clocked.record_payment(held_in_part, {"method": "card", "action": "authorize", "amount": "60.00"})
    make(clocked, due=5, price="50.00")
    held_in_full = make(clocked, due=5, price="1.250", currency="BHD")
    clocked.record_payment(held_in_full, {"method": "card", "action": "authorize", "amount": "1.250"})
    make(clocked, due=-3, price="1200", currency="JPY")
    statement = clocked.statement_of(10, organization_id=1)
    assert [(s.currency, s.held) for s in statement.sections] == [
        ("BHD", Decimal("1.250")), ("JPY", Decimal("0")), ("USD", Decimal("60.00"))]
    text = _payment_line(clocked, statement).split("PAYMENT")[0]
    bhd, jpy, usd = (text.split(f"OPEN INVOICES IN {code}")[1].split("OPEN INVOICES IN")[0]
                     for code in ("BHD", "JPY", "USD"))
    assert "Held by your payment authorizations BHD1.250 Total due less what is held BHD0.000" in bhd
    assert "Held by your payment authorizations $60.00 Total due less what is held $90.00" in usd
    assert "Held" not in jpy and "held" not in jpy
    assert statement.payable("USD").held == Decimal("60.00") and statement.payable("USD").to_pay == Decimal("90.00")
