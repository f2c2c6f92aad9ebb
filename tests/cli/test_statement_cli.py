"""``oro-invoices statement``: a customer's statement printed as a table per currency, written as
CSV, or as the PDF to send them, for a day given or today."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from support.days import day_after, days_ago, today
from support.mail import make_app
from support.payloads import one_line_invoice, receivables
from support.pdfs import pdf_text

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.statement import statement_csv_text


def seeded(db) -> tuple[InvoiceService, str]:
    """Invoices dated around the statement's day, and that day: today, so that the payment recorded
    now counts (a past day gives what was owed at its end)."""
    service, as_of = InvoiceService(db), dt.datetime.now(dt.UTC).date().isoformat()
    receivables(service, as_of)
    return service, as_of


def test_a_table_per_currency_with_the_buckets(sqlite_db, capsys):
    service, as_of = seeded(sqlite_db)
    number = {str(item.total_amount): item.invoice_number
              for item in service.list_invoices({"customer_id": 10}, limit=10).items}
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", as_of]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    jpy, first, second = number["9000"], number["120.00"], number["30.00"]
    assert out.splitlines()[:5] == [
        f"Statement of Acme Corp on {as_of}",
        "",
        "JPY",
        "invoice            date        due date    days late  total  paid/credited   due",
        f"{jpy}  {day_after(as_of, -30)}  {day_after(as_of, 30)}          0   9000              0  9000",
    ]
    assert f"{first}  {day_after(as_of, -89)}  {day_after(as_of, -11)}         11  120.00           0.00  120.00" in out
    assert f"{second}  {day_after(as_of, -30)}  {day_after(as_of, 30)}          0   30.00          10.00   20.00" in out
    assert "Total due 140.00 USD (2 invoices; overdue 120.00)" in out
    assert "Zeta" not in out


def test_csv_and_pdf_go_to_the_file_given(sqlite_db, tmp_path, capsys):
    service, as_of = seeded(sqlite_db)
    out = tmp_path / "statement.csv"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", as_of, "--currency", "USD",
                 "--format", "csv", "--output", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    expected = service.statement_of(10, currency="USD", today=dt.date.fromisoformat(as_of))
    assert out.read_text() == statement_csv_text(expected) and len(out.read_text().splitlines()) == 3
    pdf = tmp_path / "statement.pdf"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "11", "--as-of", as_of, "--format", "pdf",
                 "--output", str(pdf)]) == 0
    assert capsys.readouterr().err == f"wrote {pdf}: 1 open invoice(s)\n"
    text = pdf_text(pdf.read_bytes())
    assert "Statement of account" in text and "Zeta Tools" in text and "5.00" in text


def test_mistakes_are_one_line_saying_what_to_do(sqlite_db, tmp_path, capsys):
    seeded(sqlite_db)
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--format", "pdf"]) == 2
    assert capsys.readouterr().err == "error: A PDF statement is written to a file: give --output FILE.\n"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "99"]) == 2
    assert capsys.readouterr().err == "error: Customer 99 does not exist.\n"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--currency", "euro"]) == 2
    assert capsys.readouterr().err == ("error: --currency: Must be an ISO 4217 currency code such as "
                                       "EUR (upper case).\n")
    pdf = tmp_path / "statement.pdf"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "99", "--format", "pdf", "--output", str(pdf)]) == 2
    assert capsys.readouterr().err == "error: Customer 99 does not exist.\n" and not pdf.exists()
    now = dt.datetime.now(dt.UTC).date()
    first, last = now - dt.timedelta(days=3 * 366), now + dt.timedelta(days=366)
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", "1900-01-01"]) == 2
    assert capsys.readouterr() == ("", f"error: --as-of: Choose a day from {first} to {last}: the statement "
                                       "looks back at most three years.\n")
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", str(last + dt.timedelta(days=1))]) == 2
    assert capsys.readouterr() == ("", f"error: --as-of: Choose a day from {first} to {last}: the statement "
                                       "looks ahead at most a year.\n")


def activity_seeded(db) -> tuple[InvoiceService, dict[str, str], dt.date]:
    """An invoice before the period and one in it, paid in part by bank transfer; the numbers by price."""
    service = InvoiceService(db)
    today = dt.datetime.now(dt.UTC).date()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in (60, 30, 10)]
    one_line_invoice(service, invoice_date=days[0], due_date=days[1], price="120.00")
    second = one_line_invoice(service, invoice_date=days[2], due_date=today.isoformat(), price="30.00")
    one_line_invoice(service, invoice_date=days[2], due_date=today.isoformat(), price="7.00", customer_id=11)
    service.record_received_payment(second, amount="10.00", method="bank_transfer",
                                    received_on=today - dt.timedelta(days=5), reference="STMT 1", actor="t",
                                    request_key="cli-activity-0001")
    numbers = {str(i.total_amount): i.invoice_number for i in service.list_invoices({"customer_id": 10}).items}
    return service, numbers, today


def test_from_prints_the_activity_statement_with_its_balances(sqlite_db, capsys):
    _service, number, today = activity_seeded(sqlite_db)
    start, paid_on, second_on = (today - dt.timedelta(days=n) for n in (30, 5, 10))
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--from", start.isoformat(),
                 "--to", today.isoformat()]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Activity of Acme Corp from {start} to {today}"
    assert [line.split() for line in out[2:]] == [
        ["USD"], ["date", "entry", "charges", "credits", "balance"],
        [start.isoformat(), "opening", "balance", "120.00"],
        [second_on.isoformat(), "invoice", number["30.00"], "30.00", "150.00"],
        [paid_on.isoformat(), "payment", number["30.00"], "(Bank", "transfer,", "STMT", "1)", "10.00", "140.00"],
        [today.isoformat(), "closing", "balance", "30.00", "10.00", "140.00"]]


def test_the_activity_as_csv_and_pdf_and_a_bad_period_said(sqlite_db, tmp_path, capsys):
    _service, _number, today = activity_seeded(sqlite_db)
    start = (today - dt.timedelta(days=90)).isoformat()
    out = tmp_path / "activity.csv"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--from", start,
                 "--format", "csv", "--output", str(out)]) == 0                  # to today
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "currency,date,kind,entry,number,reference,charges,credits,balance"
    assert [row.split(",")[2] for row in rows[1:]] == [
        "opening_balance", "invoice", "invoice", "payment", "closing_balance"]
    assert rows[-1] == f"USD,{today},closing_balance,Closing balance,,,150.00,10.00,140.00"
    pdf = tmp_path / "activity.pdf"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--from", start,
                 "--format", "pdf", "--output", str(pdf)]) == 0
    assert "Account activity" in pdf_text(pdf.read_bytes())
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--from", today.isoformat(),
                 "--to", start]) == 2
    assert "--to: The period ends before it starts." in capsys.readouterr().err


@pytest.mark.parametrize("locale, entries", [
    ("de_DE", ("Anfangssaldo", "Rechnung {number}", "Zahlung für {number}", "Banküberweisung STMT 1", "Endsaldo")),
    ("fr_FR", ("Solde d’ouverture", "Facture {number}", "Paiement pour {number}", "Virement bancaire STMT 1",
               "Solde de clôture")),
    ("en_US", ("Opening balance", "Invoice {number}", "Payment for {number}", "Bank transfer STMT 1",
               "Closing balance")),
])
def test_the_activity_csv_is_in_the_customers_language(sqlite_db, tmp_path, locale, entries):
    """The CSV names each entry as the pages and the PDF do, in the customer's language (their
    ``oro_invoices.locale``, from the host's settings); the codes and figures stay as they are."""
    app = make_app(sqlite_db, tmp_path, generate_pdf=False)
    customer = app.payload["customer_id"]
    app.settings.set("oro_invoices.locale", locale, "customer", customer)
    before = app.invoices.post(app.create(invoice_date=days_ago(40).isoformat(),
                                          due_date=days_ago(10).isoformat()).id, actor="t")
    paid = app.invoices.post(app.create(invoice_date=days_ago(20).isoformat(), due_date=today().isoformat()).id,
                             actor="t")
    app.invoices.record_received_payment(paid.id, amount="10.00", method="bank_transfer", received_on=days_ago(5),
                                         reference="STMT 1", actor="t", request_key="cli-activity-lang-1")
    out = tmp_path / "activity.csv"
    assert main(["statement", "--db", sqlite_db.url, "--customer", str(customer), "--from",
                 days_ago(30).isoformat(), "--format", "csv", "--output", str(out)], host=app.host) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    opening, invoice, payment, method, closing = (entry.format(number=paid.invoice_number) for entry in entries)
    assert [(row["kind"], row["number"], row["entry"]) for row in rows] == [
        ("opening_balance", "", opening), ("invoice", paid.invoice_number, invoice),
        ("payment", paid.invoice_number, payment), ("closing_balance", "", closing)]
    assert rows[2]["reference"] == method
    assert Decimal(rows[0]["balance"]) == before.total_amount
    assert Decimal(rows[-1]["balance"]) == before.total_amount + paid.total_amount - Decimal("10.00")
