"""``oro-invoices check-einvoice``: an e-invoice file checked by the official rules of its profile."""
from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from support.einvoices import EXAMPLES, UBL_CREDIT_NOTE, UBL_INVOICE, einvoice_document

from oro_invoices.cli import main
from oro_invoices.documents.einvoice import cii, hybrid, ubl

pytest.importorskip("saxonche")
PEPPOL_NOTE = ("  NOTE Peppol BIS Billing 3.0: checked by the CEN EN 16931 UBL rules and the Peppol rules the KoSIT "
               "XRechnung rules include (PEPPOL-EN16931-R001, R005, R008, R010, R020, R040–R044, R046, R053–R055, "
               "R061, R101, R110, R111, R120, R121, R130); the others (among them R002–R004, R006, R007, R080, "
               "PEPPOL-COMMON and the code lists) are not checked.")


def run(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(["check-einvoice", *map(str, argv)])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out.splitlines()


def blank_pdf() -> bytes:
    out = io.BytesIO()
    with pikepdf.new() as document:
        document.add_blank_page()
        document.save(out)
    return out.getvalue()


def test_valid_files_of_each_syntax_pass_by_the_profile_they_name(capsys, tmp_path):
    xrechnung = tmp_path / "xrechnung.xml"
    xrechnung.write_bytes(ubl.build_xml(einvoice_document(), "xrechnung_ubl"))
    hybrid_pdf = tmp_path / "factur-x.pdf"
    hybrid_pdf.write_bytes(hybrid.embed(blank_pdf(), cii.build_xml(einvoice_document(), "en16931"), "en16931",
                                        moment=dt.datetime(2025, 3, 5, tzinfo=dt.UTC)))
    code, lines = run(capsys, EXAMPLES / "invoice-cii.xml", UBL_INVOICE, UBL_CREDIT_NOTE, xrechnung, hybrid_pdf)
    assert code == 0
    assert lines == [f"{EXAMPLES / 'invoice-cii.xml'}: Factur-X EN 16931: valid",
                     f"{UBL_INVOICE}: EN 16931 UBL: valid", PEPPOL_NOTE,
                     f"{UBL_CREDIT_NOTE}: EN 16931 UBL: valid", PEPPOL_NOTE,
                     f"{xrechnung}: XRechnung 3.0 UBL: valid",
                     f"{hybrid_pdf}: Factur-X EN 16931: valid"]


def test_a_peppol_file_is_checked_by_the_peppol_rules_that_can_be_run(capsys, tmp_path):
    """A Peppol BIS invoice without its business process (BT-23) and with an empty element is valid
    EN 16931 but breaks PEPPOL-EN16931-R001 and -R008."""
    broken = tmp_path / "peppol.xml"
    text = UBL_INVOICE.read_bytes()
    start, end = text.index(b"<cbc:ProfileID>"), text.index(b"</cbc:ProfileID>") + len(b"</cbc:ProfileID>")
    without_process = text[:start] + text[end:]
    broken.write_bytes(without_process.replace(b"</cbc:InvoiceTypeCode>", b"</cbc:InvoiceTypeCode><cbc:Note></cbc:Note>"))
    code, lines = run(capsys, broken)
    assert code == 1
    assert lines[0] == f"{broken}: EN 16931 UBL: NOT valid (2 errors)"
    assert [line.split("]")[0] for line in lines if line.startswith("  ERROR ")] \
        == ["  ERROR [PEPPOL-EN16931-R008", "  ERROR [PEPPOL-EN16931-R001"]
    assert lines[-1] == PEPPOL_NOTE


def test_a_broken_rule_is_named_and_the_exit_code_is_1(capsys, tmp_path):
    wrong = tmp_path / "wrong.xml"
    wrong.write_bytes(UBL_INVOICE.read_bytes().replace(b">737.52</cbc:TaxInclusiveAmount>",
                                                       b">737.50</cbc:TaxInclusiveAmount>"))
    code, lines = run(capsys, wrong)
    assert code == 1
    errors = [line for line in lines if line.startswith("  ERROR ")]
    assert lines[0] == f"{wrong}: EN 16931 UBL: NOT valid ({len(errors)} errors)"
    assert ("  ERROR [BR-CO-15] Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) "
            "+ Invoice total VAT amount (BT-110).") in errors


def test_a_profile_given_is_the_one_checked_with_its_warnings(capsys):
    code, lines = run(capsys, UBL_INVOICE, "--profile", "xrechnung_ubl")
    assert code == 0                                     # warnings do not make a file invalid
    assert lines[0] == f"{UBL_INVOICE}: XRechnung 3.0 UBL: valid (1 warning)"
    assert lines[1].startswith("  WARNING [BR-DE-21] ")


def test_files_that_cannot_be_checked_say_why_with_exit_code_2(capsys, tmp_path):
    plain, damaged, text = tmp_path / "plain.pdf", tmp_path / "damaged.pdf", tmp_path / "note.xml"
    plain.write_bytes(blank_pdf())
    damaged.write_bytes(b"%PDF-1.4 not really")
    text.write_text("hello")
    code, lines = run(capsys, plain, damaged, text, tmp_path / "missing.xml")
    assert code == 2
    assert lines[0] == (f"{plain}: error: The PDF carries no e-invoice (no factur-x.xml, zugferd-invoice.xml or "
                        "xrechnung.xml attached).")
    assert lines[1].startswith(f"{damaged}: error: Cannot read the PDF: ")
    assert lines[2:4] == [f"{text}: Factur-X EN 16931: NOT valid (1 error)",
                          "  ERROR [XML] Start tag expected, '<' not found, line 1, column 1"]
    assert lines[4] == f"{tmp_path / 'missing.xml'}: error: No such file or directory"


def test_an_empty_or_binary_file_is_said_not_to_be_an_einvoice(capsys, tmp_path):
    empty, blank, binary = tmp_path / "empty.xml", tmp_path / "blank.xml", tmp_path / "photo.jpg"
    empty.write_bytes(b"")
    blank.write_bytes(b" \n\t\n")
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01")
    code, lines = run(capsys, empty, blank, binary)
    assert code == 2
    what = "it is not an e-invoice (CII or UBL XML, or a PDF carrying one)."
    assert lines == [f"{empty}: error: The file is empty: {what}",
                     f"{blank}: error: The file is empty: {what}",
                     f"{binary}: error: The file is neither XML nor PDF (binary content): {what}"]


def test_xml_in_utf16_is_still_checked_as_xml(capsys, tmp_path):
    utf16 = tmp_path / "utf16.xml"
    utf16.write_bytes('<?xml version="1.0" encoding="UTF-16"?><x/>'.encode("utf-16"))
    code, lines = run(capsys, utf16)
    assert code == 1
    assert lines[0] == f"{utf16}: Factur-X EN 16931: NOT valid (1 error)"
