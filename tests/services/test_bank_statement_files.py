"""Reading bank statement files: CAMT.053 (any version) and CSV, payments received only, every
problem said with where it is."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from oro_invoices.services import bank_statement_files
from oro_invoices.services.bank_matching import candidate_words
from oro_invoices.services.bank_statement_files import UnreadableStatement, read_statement

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def camt(entries: str, version: str = "camt.053.001.02") -> bytes:
    return (f'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}"><BkToCstmrStmt>'
            f"<Stmt><Id>S1</Id>{entries}</Stmt></BkToCstmrStmt></Document>").encode()


def entry(amount: str = "10.00", *, currency: str = "EUR", side: str = "CRDT", booked: str = "<Dt>2026-12-01</Dt>",
          details: str = "<NtryDtls><TxDtls><RmtInf><Ustrd>INV-1</Ustrd></RmtInf></TxDtls></NtryDtls>",
          extra: str = "") -> str:
    return (f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{extra}'
            f"<BookgDt>{booked}</BookgDt>{details}</Ntry>")


def test_the_camt_example_gives_its_payments_received_and_leaves_out_the_debit():
    read = read_statement("bank-statement-camt053.xml", (EXAMPLES / "bank-statement-camt053.xml").read_bytes())
    assert [(e.where, e.booked_on, e.amount, e.currency, e.payer) for e in read.entries] == [
        ("entry 1", dt.date(2026, 12, 3), Decimal("300.00"), "EUR", "Acme Industries AG"),
        ("entry 2, transaction 1", dt.date(2026, 12, 4), Decimal("1344.34"), "EUR", "Acme Industries - Berlin Branch"),
        ("entry 2, transaction 2", dt.date(2026, 12, 4), Decimal("280.00"), "EUR", "Unknown Trading Ltd")]
    assert read.entries[0].reference == "Invoices ERP-SO-1002-2 and ERP-SO-1003-3, thank you"
    assert read.entries[1].reference == "ERP-SO-1005-5"                  # a referred document's number
    assert (read.skipped, read.problems) == (1, [])


def test_the_csv_example_reads_as_the_camt_one():
    csv = read_statement("bank-statement.csv", (EXAMPLES / "bank-statement.csv").read_bytes())
    xml = read_statement("bank-statement-camt053.xml", (EXAMPLES / "bank-statement-camt053.xml").read_bytes())
    assert [(e.booked_on, e.amount, e.currency, e.reference, e.payer) for e in csv.entries] == \
        [(e.booked_on, e.amount, e.currency, e.reference, e.payer) for e in xml.entries]
    assert [e.where for e in csv.entries] == ["line 2", "line 3", "line 4"] and csv.skipped == 1


@pytest.mark.parametrize("version", ["camt.053.001.02", "camt.053.001.04", "camt.053.001.08"])
def test_any_camt_version_is_read(version):
    read = read_statement("s.xml", camt(entry(booked="<DtTm>2026-12-01T09:30:00</DtTm>"), version))
    assert [(e.booked_on, e.amount, e.reference) for e in read.entries] == \
        [(dt.date(2026, 12, 1), Decimal("10.00"), "INV-1")]


def test_entries_not_booked_yet_are_skipped():
    read = read_statement("s.xml", camt(entry("1.00", extra="<Sts>PDNG</Sts>") + entry("2.00", extra="<Sts><Cd>INFO</Cd></Sts>")
                                        + entry("3.00", extra="<Sts><Cd>BOOK</Cd></Sts>") + entry("4.00")))
    assert [e.amount for e in read.entries] == [Decimal("3.00"), Decimal("4.00")] and read.skipped == 2


def test_reversals_and_debits_are_skipped_and_broken_entries_said():
    read = read_statement("s.xml", camt(
        entry(extra="<RvslInd>true</RvslInd>") + entry(side="DBIT") + entry(booked="")
        + entry(amount="ten") + entry(currency="") + entry(amount="5.00", details="", extra="<AcctSvcrRef>B-9</AcctSvcrRef>")))
    assert read.skipped == 2
    assert read.problems == ["entry 3: it has no booking date.", "entry 4: it has no amount with a currency.",
                             "entry 5: it has no amount with a currency."]
    assert [(e.where, e.reference) for e in read.entries] == [("entry 6", "B-9")]   # the bank's reference


def test_an_xml_declaring_a_doctype_is_refused_before_it_is_parsed():
    hostile = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
               b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
               b'<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-01</Dt></BookgDt>'
               b"<NtryDtls><TxDtls><RmtInf><Ustrd>&x;</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
               b"</Stmt></BkToCstmrStmt></Document>")
    laughs = b'<?xml version="1.0"?><!doctype d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Document/>'
    for data in (hostile, laughs):
        with pytest.raises(UnreadableStatement) as caught:
            read_statement("s.xml", data)
        assert caught.value.message == "The XML declares a DOCTYPE; a CAMT.053 bank statement has none."


def test_csv_rows_with_problems_are_named_by_line_and_the_others_read():
    data = (b"date,amount,currency,reference\n2026-12-01,10.00,EUR,INV-1\n01.12.2026,10,EUR,x\n"
            b"2026-12-02,\"1.234,50\",EURO,y\n\n2026-12-03,0,EUR,zero\n")
    read = read_statement("s.csv", data)
    assert read.problems == [
        "line 3: date '01.12.2026' is not a date (YYYY-MM-DD).",
        "line 4: amount '1.234,50' is not a decimal number such as 1234.50.",
        "line 4: currency 'EURO' is not a three-letter code."]
    assert [(e.where, e.reference, e.payer) for e in read.entries] == [("line 2", "INV-1", "")]
    assert read.skipped == 1                                                  # zero is no payment received


@pytest.mark.parametrize("data, said", [
    (b"", "The file is empty."),
    (b"when,how much\n1,2\n", "The CSV file's first line must name the columns date, amount, currency, reference, "
                              "payer; date, amount, currency, reference is missing."),
    (b"<Document><Other/></Document>", "The XML is no CAMT.053 bank statement (BkToCstmrStmt)."),
    (b"<Document><BkToCstmrStmt>", "The file is not well-formed XML"),
    (b"\xff\xfe\x00d\x00a", "The file is neither CAMT.053 XML nor a UTF-8 CSV file."),
])
def test_a_file_that_is_no_statement_is_refused_saying_why(data, said):
    with pytest.raises(UnreadableStatement) as caught:
        read_statement("s", data)
    assert str(caught.value.message).startswith(said)


def test_a_statement_too_large_or_too_long_is_said(monkeypatch):
    monkeypatch.setattr(bank_statement_files, "MAX_BYTES", 100)
    with pytest.raises(UnreadableStatement):
        read_statement("s.csv", b"date,amount,currency,reference\n" + b"2026-12-01,1.00,EUR,x\n" * 10)
    monkeypatch.setattr(bank_statement_files, "MAX_BYTES", 10_000)
    monkeypatch.setattr(bank_statement_files, "MAX_ENTRIES", 3)
    read = read_statement("s.csv", b"date,amount,currency,reference\n" + b"2026-12-01,1.00,EUR,x\n" * 10)
    assert len(read.entries) == 3 and read.problems == ["Only the first 3 payments are read; split the statement."]


def test_words_that_may_name_an_invoice():
    assert candidate_words("Invoices INV-2026-12-00002, INV-2026-12-00003. Thanks 2x! ERP-SO-1005-5/") == \
        ["INV-2026-12-00002", "INV-2026-12-00003", "ERP-SO-1005-5"]
    assert candidate_words("no numbers here") == []
