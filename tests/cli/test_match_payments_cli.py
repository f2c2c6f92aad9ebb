"""``oro-invoices match-payments``: a bank statement's payments matched to the invoices their
references name, printed; with ``--record`` those paying exactly what they owe are recorded once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from support.bank_lines import DAY
from support.payloads import one_line_invoice

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService

#: The statement's days (past days, so that its payments may be recorded), and its invoices' dates.
NEXT_DAY = DAY + dt.timedelta(days=1)
DATED, DUE = (DAY - dt.timedelta(days=11)).isoformat(), (DAY + dt.timedelta(days=19)).isoformat()
DATED_NEXT, DUE_NEXT = (DAY - dt.timedelta(days=10)).isoformat(), (DAY + dt.timedelta(days=20)).isoformat()


def statement(tmp_path, rows: str):
    path = tmp_path / "statement.csv"
    path.write_text("date,amount,currency,reference,payer\n" + rows, encoding="utf-8")
    return str(path)


def test_prints_each_payment_with_its_invoices_and_records_the_exact_ones_once(sqlite_db, tmp_path, capsys):
    service = InvoiceService(sqlite_db)
    exact = service.get(one_line_invoice(service, due_date=DUE, invoice_date=DATED, price="120.00",
                                         external_id="ERP-77"))
    part = service.get(one_line_invoice(service, due_date=DUE_NEXT, invoice_date=DATED_NEXT, price="80.00"))
    theirs = one_line_invoice(service, due_date=DUE_NEXT, invoice_date=DATED_NEXT, price="5.00",
                              organization_id=2, external_id="THEIRS-1")
    path = statement(tmp_path, f"{DAY},120.00,USD,Payment ERP-77,Acme\n"
                               f"{NEXT_DAY},30.00,USD,{part.invoice_number},Acme\n"
                               f"{NEXT_DAY},5.00,USD,THEIRS-1,Other\n"
                               f"{NEXT_DAY},-3.00,USD,fees,\n")
    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"line 2: {DAY} 120.00 USD 'Payment ERP-77' → {exact.invoice_number}: pays what they owe",
        f"line 3: {NEXT_DAY} 30.00 USD '{part.invoice_number}' → {part.invoice_number}: "
        "pays part of what they owe (80.00 USD)",
        f"line 4: {NEXT_DAY} 5.00 USD 'THEIRS-1' → no invoice: no invoice found",      # another organization's
        "3 payment(s) received, 1 other booking(s) left out; 1 pay exactly what their invoices owe "
        "(--record records them)"]
    assert service.transactions(exact.id) == []                               # printing records nothing

    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1", "--record"]) == 0
    assert f"recorded: {DAY} 120.00 USD for {exact.invoice_number}" in capsys.readouterr().out
    [payment] = service.transactions(exact.id)
    assert (payment.method, payment.received_on, payment.reference, payment.actor) == \
        ("bank_transfer", DAY, "Payment ERP-77", "bank-statement")
    assert service.get(exact.id).amount_due == 0 and service.transactions(part.id) == []
    assert service.transactions(theirs) == []

    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1", "--record"]) == 0
    assert f"line 2: {DAY} 120.00 USD 'Payment ERP-77' → {exact.invoice_number}: recorded before" \
        in capsys.readouterr().out
    assert len(service.transactions(exact.id)) == 1


def test_a_file_that_is_no_statement_or_has_bad_rows_is_said(sqlite_db, tmp_path, capsys):
    other = tmp_path / "notes.txt"
    other.write_text("hello\n", encoding="utf-8")
    assert main(["match-payments", str(other), "--db", sqlite_db.url, "--organization", "1"]) == 2
    assert "The CSV file's first line must name the columns" in capsys.readouterr().err
    assert main(["match-payments", str(tmp_path / "missing.csv"), "--db", sqlite_db.url, "--organization", "1"]) == 2
    assert "missing.csv" in capsys.readouterr().err
    path = statement(tmp_path, "2026-12-01,ten,USD,x,\n")
    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1"]) == 1
    assert "FAIL line 2: amount 'ten' is not a decimal number such as 1234.50." in capsys.readouterr().out


def test_a_payment_naming_no_invoice_prints_the_one_owing_its_amount_and_is_not_recorded(sqlite_db, tmp_path, capsys):
    service = InvoiceService(sqlite_db)
    owing = service.get(one_line_invoice(service, due_date=DUE, invoice_date=DATED, price="64.50"))
    path = statement(tmp_path, f"{DAY},64.50,USD,Thanks,ACME CORP.\n")
    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1", "--record"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"line 2: {DAY} 64.50 USD 'Thanks' → no invoice: no invoice named (suggested by its "
                      f"amount: {owing.invoice_number} of 'Acme Corp', not recorded by --record)")
    assert service.transactions(owing.id) == []


def test_keep_surplus_records_a_payment_bringing_more_keeping_the_rest_as_credit(sqlite_db, tmp_path, capsys):
    service = InvoiceService(sqlite_db)
    mine = service.get(one_line_invoice(service, due_date=DUE, invoice_date=DATED, price="120.00",
                                        external_id="ERP-78"))
    other = service.get(one_line_invoice(service, due_date=DUE, invoice_date=DATED, price="10.00",
                                         external_id="ERP-79", customer_id=11, customer_name="Beta GmbH"))
    small = one_line_invoice(service, due_date=DUE, invoice_date=DATED, price="5.00",
                             external_id="ERP-80")
    path = statement(tmp_path, f"{DAY},150.00,USD,Payment ERP-78,Acme\n"
                               f"{DAY},40.00,USD,ERP-79 ERP-80,Acme\n")       # two customers' invoices
    assert main(["match-payments", path, "--db", sqlite_db.url, "--organization", "1", "--record"]) == 0
    assert service.transactions(mine.id) == []                              # more than owed: not without asking
    argv = ["match-payments", path, "--db", sqlite_db.url, "--organization", "1", "--record", "--keep-surplus"]
    assert main(argv) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"recorded: {DAY} 150.00 USD for {mine.invoice_number} (30.00 USD kept as the customer's credit)" \
        in out
    assert (f"FAIL {DAY} 40.00 USD: Its invoices are not all of one customer, so what it brings over their "
            "amount due cannot be kept as a customer's credit: record it from the list.") in out
    assert service.available_credit(service.get(mine.id)) == Decimal("30.00")
    assert service.transactions(other.id) == [] and service.transactions(small) == []
