"""Reading bank statement files: CAMT.053, .054 and .052 (any version), MT940, BAI2 and CSV, payments received only,
every problem said with where it is."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from oro_invoices.services import bank_statement_entries, bank_statement_files
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


def test_a_camt054_notification_and_a_camt052_report_read_as_the_statement():
    xml = read_statement("bank-statement-camt053.xml", (EXAMPLES / "bank-statement-camt053.xml").read_bytes())
    notified = read_statement("n.xml", (EXAMPLES / "bank-statement-camt054.xml").read_bytes())
    assert notified.entries == xml.entries and notified.skipped == 1
    report = (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08"><BkToCstmrAcctRpt>'
              b"<Rpt><Id>R1</Id>" + entry("5.00", extra="<Sts><Cd>PDNG</Cd></Sts>").encode() + b"</Rpt>"
              b"<Rpt><Id>R2</Id>" + entry("7.00").encode() + b"</Rpt></BkToCstmrAcctRpt></Document>")
    read = read_statement("r.xml", report)
    assert [(e.where, e.amount, e.reference) for e in read.entries] == [("entry 2", Decimal("7.00"), "INV-1")]
    assert read.skipped == 1                                                  # pending: not on the account yet


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
    laughs = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Document/>'
    for data in (hostile, laughs):
        with pytest.raises(UnreadableStatement) as caught:
            read_statement("s.xml", data)
        assert caught.value.message == "The XML declares a DOCTYPE; a CAMT bank file has none."
    with pytest.raises(UnreadableStatement) as caught:           # lower case is no DOCTYPE: not well-formed
        read_statement("s.xml", laughs.replace(b"DOCTYPE", b"doctype"))
    assert caught.value.message.startswith("The file is not well-formed XML")


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
                              "payer; date, amount, currency, reference are missing."),
    (b"date,amount,currency\n1,2,3\n", "The CSV file's first line must name the columns date, amount, currency, "
                                        "reference, payer; reference is missing."),
    (b"<Document><Other/></Document>", "The XML is no CAMT bank statement (BkToCstmrStmt), notification "
                                      "(BkToCstmrDbtCdtNtfctn) or account report (BkToCstmrAcctRpt)."),
    (b"<Document><BkToCstmrStmt>", "The file is not well-formed XML"),
    (b"\xff\xfe\x00d\x00a", "The file is neither CAMT XML, MT940, BAI2 nor a UTF-8 CSV file."),
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
    monkeypatch.setattr(bank_statement_entries, "MAX_ENTRIES", 3)
    read = read_statement("s.csv", b"date,amount,currency,reference\n" + b"2026-12-01,1.00,EUR,x\n" * 10)
    assert len(read.entries) == 3 and read.problems == ["Only the first 3 payments are read; split the statement."]


def test_words_that_may_name_an_invoice():
    assert candidate_words("Invoices INV-2026-12-00002, INV-2026-12-00003. Thanks 2x! ERP-SO-1005-5/") == \
        ["INV-2026-12-00002", "INV-2026-12-00003", "ERP-SO-1005-5"]
    assert candidate_words("no numbers here") == []


# ---- MT940 ----------------------------------------------------------------------------------

def mt940(*lines: str, balance: str = ":60F:C261130EUR1000,00") -> bytes:
    return "\r\n".join([":20:STMT", ":25:DE89370400440532013000", ":28C:1/1", balance, *lines,
                        ":62F:C261201EUR1000,00", "-"]).encode()


def test_the_mt940_example_reads_as_the_camt_one():
    sta = read_statement("bank-statement-mt940.sta", (EXAMPLES / "bank-statement-mt940.sta").read_bytes())
    xml = read_statement("bank-statement-camt053.xml", (EXAMPLES / "bank-statement-camt053.xml").read_bytes())
    assert [(e.booked_on, e.amount, e.currency, e.reference, e.payer) for e in sta.entries] == \
        [(e.booked_on, e.amount, e.currency, e.reference, e.payer) for e in xml.entries]
    assert [e.where for e in sta.entries] == ["line 5", "line 9", "line 12"]     # each :61:'s line in the file
    assert (sta.skipped, sta.problems) == (1, [])                                   # the bank's fees


def test_mt940_structured_details_give_the_sepa_text_and_own_reference_and_the_payer():
    read = read_statement("s.sta", mt940(
        ":61:2612011201C99,50NTRFNONREF",
        ":86:166?00SEPA-GUTSCHRIFT?20EREF+PO-7781?21SVWZ+Rechnung INV-2026-12-0",
        "0002?22 vielen Dank?30BYLADEMMXXX?31DE02700100800030876808?32Mueller & Soehne Maschinenb?33au GmbH"))
    [entry] = read.entries
    assert entry.reference == "Rechnung INV-2026-12-00002 vielen Dank PO-7781"
    assert entry.payer == "Mueller & Soehne Maschinenbau GmbH"                      # ?32 and ?33 run on
    assert candidate_words(entry.reference) == ["INV-2026-12-00002", "PO-7781"]    # no IBAN looked up


def test_mt940_free_text_runs_a_word_on_after_a_full_line_and_else_joins_with_a_space():
    first = "Payments of Nov.: invoices INV-2026-12-00003 and INV-2026-12-0000"
    assert len(first) == 65                                                 # a full line, broken in a number
    read = read_statement("s.txt", mt940(":61:2612011201C10,00NTRFNONREF", f":86:{first}", "4 from",
                                         "Globex Corp"))
    assert read.entries[0].reference == \
        "Payments of Nov.: invoices INV-2026-12-00003 and INV-2026-12-00004 from Globex Corp"
    assert read.entries[0].payer == ""


def test_mt940_without_details_takes_the_lines_own_reference_else_the_banks():
    read = read_statement("s.sta", mt940(":61:2612011201C10,00NTRFINV-42//B-1", ":61:2612011201C11,NTRFNONREF//B-2",
                                         "extra details of the bank"))
    assert [(e.reference, e.amount) for e in read.entries] == [("INV-42", Decimal("10.00")), ("B-2", Decimal("11"))]


def test_mt940_debits_and_reversals_are_skipped_and_the_day_straddles_new_year():
    read = read_statement("s.sta", mt940(
        ":61:2612011201D5,00NCHGNONREF", ":61:2612011201RC5,00NTRFNONREF", ":61:2612011201RD5,00NDDTNONREF",
        ":61:2701021231C7,00NTRFNONREF//B-3", ":61:2612311231CR8,00NTRFNONREF//B-4", ":61:261215C9,00NTRFX"))
    assert read.skipped == 3
    assert [(e.booked_on, e.amount) for e in read.entries] == [
        (dt.date(2026, 12, 31), Decimal("7.00")),    # booked Dec 31, valued Jan 2
        (dt.date(2026, 12, 31), Decimal("8.00")),    # a funds code after the mark
        (dt.date(2026, 12, 15), Decimal("9.00"))]    # no entry date: the value date


def test_mt940_in_swift_blocks_with_several_statements_takes_each_ones_currency():
    data = (b"{1:F01BANKDEFFAXXX0000000000}{2:O9400000261201BANKDEFFAXXX00000000002612010000N}{4:\r\n"
            b":20:S1\r\n:25:X\r\n:28C:1\r\n:60F:C261130EUR0,\r\n:61:2612011201C1,00NTRFA-1\r\n:62F:C261201EUR1,\r\n-}"
            b"{1:F01BANKDEFFAXXX0000000000}{4:\r\n"
            b":20:S2\r\n:25:Y\r\n:28C:2\r\n:60M:C261130USD0,\r\n:61:2612011201C2,00NTRFA-2\r\n:62F:C261201USD2,\r\n-}"
            b"{5:{CHK:0}}")
    read = read_statement("statement.txt", data)
    assert [(e.currency, e.amount, e.reference) for e in read.entries] == [
        ("EUR", Decimal("1.00"), "A-1"), ("USD", Decimal("2.00"), "A-2")]


def test_mt940_lines_that_cannot_be_read_are_named_by_line_and_the_others_read():
    read = read_statement("s.sta", mt940(":61:26120C10,00", ":61:2613011301C10,00NTRFX", ":61:2612011201C0,00NTRFX",
                                         ":61:2612011201C12,00NTRFOK"))
    assert read.problems == ["line 5: the statement line (:61:) cannot be read.",
                             "line 6: its date or amount cannot be read.",
                             "line 7: its date or amount cannot be read."]
    assert [e.reference for e in read.entries] == ["OK"]
    no_balance = read_statement("s.sta", b":20:S\n:60F:C261130EUR0,\n-\n:20:T\n:61:2612011201C1,00NTRFX\n-\n")
    assert no_balance.entries == [] and no_balance.problems == []           # a statement without :60F: is none
    orphan = read_statement("s.sta", b":20:S\n:61:2612011201C1,00NTRFX\n:60F:C261130EUR0,\n-\n")
    assert orphan.problems == ["line 2: no opening balance (:60F:) before it gives the currency."]


def test_mt940_in_the_banks_latin_1_is_read():
    read = read_statement("s.sta", mt940(":61:2612011201C10,00NTRFNONREF",
                                         ":86:166?20SVWZ+INV-7?32M\u00fcller GmbH").decode().encode("latin-1"))
    assert read.entries[0].payer == "M\u00fcller GmbH"


def test_a_file_named_as_mt940_that_holds_no_statement_is_said():
    with pytest.raises(UnreadableStatement) as caught:
        read_statement("statement.sta", b"date,amount\n1,2\n")
    assert caught.value.message == "The file is no MT940 statement: it has no opening balance (:60F:)."


# ---- BAI2 -----------------------------------------------------------------------------------

def bai2(*details: str, currency: str = "USD") -> bytes:
    return "\n".join(["01,SELLER,BANK,261204,2300,1,80,,2/", f"02,SELLER,BANK,1,261203,2300,{currency},2/",
                      "03,0532013000,,010,100000,,/", *details, "49,0,2/", "98,0,1,4/", "99,0,1,6/"]).encode()


def test_the_bai2_example_reads_as_the_camt_one_without_the_payers():
    bai = read_statement("bank-statement-bai2.bai", (EXAMPLES / "bank-statement-bai2.bai").read_bytes())
    xml = read_statement("bank-statement-camt053.xml", (EXAMPLES / "bank-statement-camt053.xml").read_bytes())
    assert [(e.booked_on, e.amount, e.currency, e.reference) for e in bai.entries] == \
        [(e.booked_on, e.amount, e.currency, e.reference) for e in xml.entries]
    assert [e.where for e in bai.entries] == ["line 4", "line 10", "line 11"] and (bai.skipped, bai.problems) == (1, [])


def test_bai2_amounts_are_minor_units_of_the_accounts_currency_and_the_text_may_hold_commas():
    read = read_statement("s.txt", bai2("16,165,123456,0,BR-1,CR-9,Payment INV-7, INV-8, thanks/",
                                        "88,see remittance",
                                        "16,195,500000,S,100000,200000,200000,BR-2,,Wire for INV-9/",
                                        "16,175,2500,V,261202,,BR-3,INV-10,/",
                                        "16,142,700,D,2,1,300,2,400,BR-4,,ACH INV-11/"))
    assert [(e.amount, e.currency, e.reference) for e in read.entries] == [
        (Decimal("1234.56"), "USD", "Payment INV-7, INV-8, thanks see remittance CR-9"),
        (Decimal("5000.00"), "USD", "Wire for INV-9"),           # the funds type's availability skipped
        (Decimal("25.00"), "USD", "INV-10"),                     # no text: the customer reference
        (Decimal("7.00"), "USD", "ACH INV-11")]
    yen = read_statement("s.bai", bai2("16,165,9000,Z,,,INV-1/", currency="JPY"))
    assert [(e.amount, e.currency) for e in yen.entries] == [(Decimal("9000"), "JPY")]


@pytest.mark.parametrize("text, payer", [
    ("ORIG CO NAME:ACME INDUSTRIES ORIG ID:9876543210 DESC DATE:261203 ENTRY DESCR:PAYMENT SEC:CCD "
     "TRACE#:021000021234567 IND ID:INV-1002 IND NAME:NORTHWIND SUPPLY", "ACME INDUSTRIES"),   # an ACH credit
    ("B/O: ACME INDUSTRIES AG, BERLIN REF: ERP-SO-1005-5", "ACME INDUSTRIES AG, BERLIN"),        # a wire
    ("ORG=/DE89370400440532013000 ACME INDUSTRIES AG OBI=ERP-SO-1005-5", "ACME INDUSTRIES AG"),  # Fedwire tags
    ("ORG=1234567890 Zenith Tools GmbH", "Zenith Tools GmbH"),
    ("Payment INV-7 thanks", ""),                                                                # named nowhere
])
def test_bai2_reads_the_payer_where_the_bank_names_it(text, payer):
    [entry] = read_statement("s.bai", bai2(f"16,165,1000,Z,BR-1,,{text}/")).entries
    assert entry.payer == payer and entry.reference == text


def test_bai2_debits_are_skipped_and_details_that_cannot_be_read_named_by_line():
    read = read_statement("s.bai", bai2("16,475,1000,Z,,,check/", "16,699,1000,Z,,,fee/", "16,xx,1,Z,,,?/",
                                        "16,165,,Z,,,no amount/", "16,165,0,Z,,,zero/", "16,165,100,Z,BR-9,,/"))
    assert read.skipped == 2
    assert read.problems == ["line 6: the transaction detail (16) cannot be read.",
                             "line 7: its date or amount cannot be read.", "line 8: its date or amount cannot be read."]
    assert [(e.where, e.reference) for e in read.entries] == [("line 9", "BR-9")]      # the bank's reference


def test_a_file_named_as_bai2_that_holds_no_group_is_said():
    with pytest.raises(UnreadableStatement) as caught:
        read_statement("statement.bai", b"01,SELLER,BANK,261204,2300,1,80,,2/\n99,0,0,1/\n")
    assert caught.value.message == "The file is no BAI2 statement: it has no group header (02)."


def test_an_amount_of_any_length_is_said_too_large_not_raised():
    nines = "9" * 5_000                                         # beyond what int() reads from text
    said = "amount '" + "9" * 40 + "…' is too large: a payment is less than 1,000,000,000,000."
    assert read_statement("s.bai", bai2(f"16,165,{nines},Z,,,x/")).problems == [f"line 4: {said}"]
    assert read_statement("s.csv", f"date,amount,currency,reference\n2026-12-01,{nines},EUR,x\n".encode()) \
        .problems == [f"line 2: {said}"]


def test_a_payment_whose_currency_is_no_three_letter_code_is_said_not_kept():
    example = (EXAMPLES / "bank-statement-bai2.bai").read_bytes()
    read = read_statement("s.bai", example.replace(b"03,0532013000,EUR,", b"03,0532013000,010,"))
    assert read.entries == [] and read.problems[0] == "line 4: currency '010' is not a three-letter code."


def test_an_xml_declaring_an_encoding_no_codec_reads_is_refused_saying_so():
    example = (EXAMPLES / "bank-statement-camt053.xml").read_bytes()
    with pytest.raises(UnreadableStatement) as caught:
        read_statement("s.xml", example.replace(b'encoding="UTF-8"', b'encoding="TF-8"', 1))
    assert caught.value.message == "The XML declares an encoding that cannot be read (unknown encoding: TF-8)."


def test_a_camt_payer_longer_than_a_payment_holds_is_said_not_kept():
    example = (EXAMPLES / "bank-statement-camt053.xml").read_bytes()
    read = read_statement("s.xml", example.replace(b"<Nm>Acme Industries AG</Nm>", b"<Nm>" + b"x" * 300 + b"</Nm>", 1))
    assert "entry 1: payer is longer than 255 characters." in read.problems
    assert all(len(entry.payer) <= 255 for entry in read.entries)


def test_an_amount_with_more_decimals_than_its_currency_is_said_not_rounded():
    csv = (b"date,amount,currency,reference\n2026-12-01,1000.50,JPY,SAK-1\n2026-12-01,100.005,EUR,INV-2\n"
           b"2026-12-01,1000.00,JPY,SAK-3\n2026-12-01,25.5,eur,INV-4\n")
    read = read_statement("s.csv", csv)
    assert read.problems == ["line 2: amount 1000.50: JPY amounts have no decimals.",
                             "line 3: amount 100.005: EUR amounts have at most 2 decimals."]
    assert [(e.amount, e.currency, e.reference) for e in read.entries] == [
        (Decimal("1000.00"), "JPY", "SAK-3"), (Decimal("25.5"), "EUR", "INV-4")]
    in_camt = read_statement("s.xml", camt(entry("12.345")))
    assert in_camt.entries == [] and in_camt.problems[0].endswith("amount 12.345: EUR amounts have at most 2 decimals.")
