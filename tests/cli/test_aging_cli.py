"""``oro-invoices aging``: the receivables aging printed as a table per currency, or as the
back-office's CSV, for a day given or today."""
from __future__ import annotations

import datetime as dt

from support.days import day_after
from support.payloads import one_line_invoice, receivables
from support.pdfs import pdf_words

from oro_invoices.cli import main
from oro_invoices.persistence.migrate import downgrade
from oro_invoices.services.aging import aging_csv_text
from oro_invoices.services.facade import InvoiceService


def seeded(db) -> tuple[InvoiceService, str]:
    """Invoices dated around the day judged on, and that day: today, so that the payment recorded
    now counts (a past day reads what was owed at its end)."""
    service, as_of = InvoiceService(db), dt.datetime.now(dt.UTC).date().isoformat()
    receivables(service, as_of)
    one_line_invoice(service, due_date=day_after(as_of, -11), invoice_date=day_after(as_of, -89), price="77.00",
                     organization_id=2)
    return service, as_of


def test_a_table_per_currency_with_its_total(sqlite_db, capsys):
    _service, as_of = seeded(sqlite_db)
    assert main(["aging", "--db", sqlite_db.url, "--organization", "1", "--as-of", as_of]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"Receivables aging on {as_of}",
        "",
        "customer (JPY)  invoices  not yet due  1-30 days  31-60 days  61-90 days  over 90  total due  credit   net",
        "Acme Corp              1         9000          0           0           0        0       9000       0  9000",
        "----------------------------------------------------------------------------------------------------------",
        "Total                  1         9000          0           0           0        0       9000       0  9000",
        "",
        "customer (USD)  invoices  not yet due  1-30 days  31-60 days  61-90 days  over 90  total due  credit     net",
        "Acme Corp              2        20.00     120.00        0.00        0.00     0.00     140.00    0.00  140.00",
        "Zeta Tools             1         0.00       0.00        0.00        0.00     5.00       5.00    0.00    5.00",
        "------------------------------------------------------------------------------------------------------------",
        "Total                  3        20.00     120.00        0.00        0.00     5.00     145.00    0.00  145.00",
    ]


def test_the_csv_is_the_back_offices_in_the_order_asked(sqlite_db, tmp_path, capsys):
    service, as_of = seeded(sqlite_db)
    out = tmp_path / "aging.csv"
    assert main(["aging", "--db", sqlite_db.url, "--as-of", as_of, "--format", "csv", "--sort", "over_90",
                 "--currency", "USD", "--output", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    report = service.receivables_aging({"currency": "USD"}, today=dt.date.fromisoformat(as_of))
    assert out.read_text() == aging_csv_text(report.sorted_by("over_90"))
    assert out.read_text().splitlines()[1].split(",")[1] == "Zeta Tools"          # the latest money first
    assert len(out.read_text().splitlines()) == 1 + 3 + 1                         # both organizations' customers


def test_a_month_end_past_is_what_was_owed_at_its_end(sqlite_db, capsys):
    service = InvoiceService(sqlite_db)
    today = dt.datetime.now(dt.UTC).date()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    one_line_invoice(service, invoice_date=(month_end - dt.timedelta(days=40)).isoformat(),
                     due_date=(month_end - dt.timedelta(days=5)).isoformat(), price="120.00", paid="120.00")
    assert main(["aging", "--db", sqlite_db.url]) == 0                     # paid today: nothing owed now
    assert capsys.readouterr().out.endswith(": no customer owes anything on a posted invoice.\n")
    assert main(["aging", "--db", sqlite_db.url, "--as-of", month_end.isoformat(), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "10,Acme Corp,USD,1,0.00,120.00,0.00,0.00,0.00,120.00,0.00,120.00",
        ",Total,USD,1,0.00,120.00,0.00,0.00,0.00,120.00,0.00,120.00"]


def test_the_pdf_is_one_organizations_written_to_a_file(sqlite_db, tmp_path, capsys):
    _service, as_of = seeded(sqlite_db)
    out = tmp_path / "aging.pdf"
    assert main(["aging", "--db", sqlite_db.url, "--organization", "1", "--as-of", as_of, "--sort", "total",
                 "--format", "pdf", "--output", str(out)]) == 0
    assert capsys.readouterr().err == f"wrote {out}: 3 customer line(s)\n"
    text = " ".join(pdf_words(out.read_bytes()).split())
    assert "Receivables aging" in text and "Zeta Tools" in text and "$145.00" in text
    assert main(["aging", "--db", sqlite_db.url, "--format", "pdf", "--output", str(out)]) == 2
    assert "give --organization ID and --output FILE" in capsys.readouterr().err


def test_nothing_owed_says_so(sqlite_db, capsys):
    assert main(["aging", "--db", sqlite_db.url]) == 0
    assert capsys.readouterr().out.endswith(": no customer owes anything on a posted invoice.\n")


def test_a_bad_currency_or_an_older_schema_is_one_line_saying_what_to_do(sqlite_db, capsys):
    assert main(["aging", "--db", sqlite_db.url, "--currency", "euro"]) == 2
    assert capsys.readouterr().err == ("error: --currency: Must be an ISO 4217 currency code such as "
                                       "EUR (upper case).\n")
    downgrade(sqlite_db, "0027")
    assert main(["aging", "--db", sqlite_db.url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: the database {sqlite_db.url} has no oro-invoices schema, or an older one")
    assert err.rstrip().endswith(f"run: oro-invoices migrate --db {sqlite_db.url}")


def test_the_detail_lists_each_invoice_of_the_report(sqlite_db, capsys):
    _service, as_of = seeded(sqlite_db)
    assert main(["aging", "--db", sqlite_db.url, "--organization", "1", "--currency", "USD", "--as-of", as_of,
                 "--format", "detail"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("customer_id,customer_name,currency,invoice_number,invoice_date,due_date,days_overdue,"
                        "bucket,total,paid,credited,due,held")
    assert [line.split(",")[1:2] + line.split(",")[6:8] + line.split(",")[-2:-1] for line in lines[1:]] == [
        ["Acme Corp", "11", "days_1_30", "120.00"], ["Acme Corp", "0", "current", "20.00"],
        ["Zeta Tools", "120", "over_90", "5.00"]]


def test_the_credit_a_customer_holds_offsets_what_it_owes_and_sorts_by_net(sqlite_db, capsys):
    service = InvoiceService(sqlite_db)
    today = dt.datetime.now(dt.UTC).date()
    one_line_invoice(service, due_date="2099-01-01", invoice_date=today.isoformat(), price="500.00")
    for key, customer_id, name in (("a", 10, "Acme Corp"), ("b", 11, "Beta GmbH")):
        paid = one_line_invoice(service, due_date="2099-01-01", invoice_date=today.isoformat(), price="50.00",
                                customer_id=customer_id, customer_name=name)
        service.record_received_payment(paid, amount="250.00", method="bank_transfer", received_on=today,
                                        actor="admin", request_key=key * 24, keep_surplus=True)   # 200.00 kept
    assert main(["aging", "--db", sqlite_db.url, "--sort", "net"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-3:] == ["due", "credit", "net"]
    assert lines[5] == "-" * len(lines[2])
    assert [(line.split()[0], line.split()[-3:]) for line in (*lines[3:5], lines[6])] == [
        ("Acme", ["500.00", "-200.00", "300.00"]), ("Beta", ["0.00", "-200.00", "-200.00"]),
        ("Total", ["500.00", "-400.00", "100.00"])]
    assert main(["aging", "--db", sqlite_db.url, "--format", "csv", "--sort", "credit"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "10,Acme Corp,USD,1,500.00,0.00,0.00,0.00,0.00,500.00,-200.00,300.00",
        "11,Beta GmbH,USD,0,0.00,0.00,0.00,0.00,0.00,0.00,-200.00,-200.00",
        ",Total,USD,1,500.00,0.00,0.00,0.00,0.00,500.00,-400.00,100.00"]


def test_a_pdf_of_more_lines_than_a_pdf_lists_says_how_many_more_each_currency_has(sqlite_db, tmp_path, capsys,
                                                                                   monkeypatch):
    """A PDF lists at most ``PDF_LINES_MAX`` lines (the statement PDF's limit) in the order asked:
    the rest are counted in the totals, and each currency says how many it does not list."""
    from oro_invoices.services import aging
    monkeypatch.setattr(aging, "PDF_LINES_MAX", 2)
    _service, as_of = seeded(sqlite_db)
    out = tmp_path / "aging.pdf"
    assert main(["aging", "--db", sqlite_db.url, "--organization", "1", "--as-of", as_of, "--sort", "total",
                 "--format", "pdf", "--output", str(out)]) == 0
    assert capsys.readouterr().err == (f"wrote {out}: the first 2 of 3 customer lines (a PDF lists at most 2; "
                                       "the totals count them all, and --format csv lists them all)\n")
    text = " ".join(pdf_words(out.read_bytes()).split())
    assert "Zeta Tools" not in text and "$145.00" in text and "¥9,000" in text      # its total counts Zeta's
    assert ("1 more customer lines in USD are not listed (a PDF lists at most 2 lines); their amounts are in the "
            "total, and the report's CSV lists them all.") in text
    assert "more customer lines in JPY" not in text
    assert "Customers 2" in text
