"""``oro-invoices statement``: a customer's statement printed as a table per currency, written as
CSV, or as the PDF to send them, for a day given or today."""
from __future__ import annotations

import datetime as dt

from support.payloads import one_line_invoice
from support.pdfs import pdf_text

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.statement import statement_csv_text

AS_OF = "2027-03-31"


def seeded(db) -> InvoiceService:
    service = InvoiceService(db)
    one_line_invoice(service, due_date="2027-03-20", invoice_date="2027-01-01", price="120.00")   # 11 days late
    one_line_invoice(service, due_date="2027-04-30", invoice_date="2027-03-01", price="30.00", paid="10.00")
    one_line_invoice(service, due_date="2026-12-01", invoice_date="2026-11-01", price="5.00", customer_id=11,
                     customer_name="Zeta Tools")                                                 # another customer
    one_line_invoice(service, due_date="2027-04-30", invoice_date="2027-03-01", price="9000", currency="JPY")
    return service


def test_a_table_per_currency_with_the_buckets(sqlite_db, capsys):
    service = seeded(sqlite_db)
    number = {str(item.total_amount): item.invoice_number
              for item in service.list_invoices({"customer_id": 10}, limit=10).items}
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", AS_OF]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    jpy, first, second = number["9000"], number["120.00"], number["30.00"]
    assert out.splitlines()[:5] == [
        "Statement of Acme Corp on 2027-03-31",
        "",
        "JPY",
        "invoice            date        due date    days late  total  paid/credited   due",
        f"{jpy}  2027-03-01  2027-04-30          0   9000              0  9000",
    ]
    assert f"{first}  2027-01-01  2027-03-20         11  120.00           0.00  120.00" in out
    assert f"{second}  2027-03-01  2027-04-30          0   30.00          10.00   20.00" in out
    assert "Total due 140.00 USD (2 invoices; overdue 120.00)" in out
    assert "Zeta" not in out


def test_csv_and_pdf_go_to_the_file_given(sqlite_db, tmp_path, capsys):
    service = seeded(sqlite_db)
    out = tmp_path / "statement.csv"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "10", "--as-of", AS_OF, "--currency", "USD",
                 "--format", "csv", "--output", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    expected = service.statement_of(10, currency="USD", today=dt.date.fromisoformat(AS_OF))
    assert out.read_text() == statement_csv_text(expected) and len(out.read_text().splitlines()) == 3
    pdf = tmp_path / "statement.pdf"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "11", "--as-of", AS_OF, "--format", "pdf",
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
    assert capsys.readouterr().err == ("error: Invalid input: currency: Must be an ISO 4217 currency code such as "
                                       "EUR (upper case).\n")
    pdf = tmp_path / "statement.pdf"
    assert main(["statement", "--db", sqlite_db.url, "--customer", "99", "--format", "pdf", "--output", str(pdf)]) == 2
    assert capsys.readouterr().err == "error: Customer 99 does not exist.\n" and not pdf.exists()
