"""Importing UBL e-invoices (Peppol BIS Billing 3.0, XRechnung UBL) as posted invoices and
credit notes, from the Peppol examples in docs/examples (valid by the CEN EN 16931 UBL rules).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from support.databases import make_database
from support.einvoices import UBL_CREDIT_NOTE, UBL_INVOICE, einvoice_document, einvoice_service, ubl_errors
from support.freeze import forget_seller_address

from oro_invoices.documents.einvoice import ubl
from oro_invoices.domain.invoice import BuyerInfo
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.importing import run_import
from oro_invoices.services.pdf_backlog import render_pdfs

INVOICE, CREDIT_NOTE = UBL_INVOICE.read_bytes(), UBL_CREDIT_NOTE.read_bytes()


@pytest.fixture
def target(request, tmp_path):
    db = make_database("sqlite", request, tmp_path)
    yield einvoice_service(db, tmp_path, "pdf", customers=[("Northwind Trading", "DE999999999"),
                                                           ("Initech GmbH", "DE 129 273 398")])
    db.dispose()


def only(svc, number: str):
    (item,) = [i for i in svc.list_invoices(sort="id", limit=100).items if i.invoice_number == number]
    return svc.get(item.id)


def import_files(target, tmp_path, *files: tuple[str, bytes]):
    paths = []
    for name, data in files:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    report = run_import(target, paths, organization_id=1)
    return [(p.record.rsplit("/", 1)[-1], p.field, p.message) for p in report.problems], report


def test_the_examples_are_valid_ubl_and_en16931():
    assert ubl_errors(INVOICE) == [] and ubl_errors(CREDIT_NOTE) == []
    wrong = INVOICE.replace(b">737.52</cbc:TaxInclusiveAmount>", b">737.50</cbc:TaxInclusiveAmount>")
    assert "BR-CO-15" in [v.rule for v in ubl_errors(wrong)]
    misplaced = INVOICE.replace(b"<cbc:DueDate>2025-04-20</cbc:DueDate>", b"").replace(
        b"</cbc:DocumentCurrencyCode>", b"</cbc:DocumentCurrencyCode><cbc:DueDate>2025-04-20</cbc:DueDate>")
    assert [v.rule for v in ubl_errors(misplaced)] == ["XSD"]


def test_a_peppol_invoice_and_its_credit_note_import_with_every_field(target, tmp_path):
    problems, report = import_files(target, tmp_path, ("invoice.xml", INVOICE), ("credit-note.xml", CREDIT_NOTE))

    assert problems == [] and sorted(report.created) == ["GS-2025-0009", "RE-2025-0118"]
    invoice = only(target, "RE-2025-0118")
    initech = target.host.customers.customers[2]
    assert (invoice.status.value, invoice.document_type.value, invoice.external_id) == (
        "posted", "invoice", "RE-2025-0118")
    assert invoice.customer_id == initech.id and invoice.customer_name == "Initech GmbH"  # by the buyer's VAT id
    assert invoice.buyer.as_dict() == {"vat_id": "DE129273398", "country_code": "DE", "reference": "4711",
                                       "electronic_address": "9930:DE129273398"}
    assert (invoice.invoice_date, invoice.due_date, invoice.delivery_date) == (
        dt.date(2025, 3, 21), dt.date(2025, 4, 20), dt.date(2025, 3, 19))
    assert (invoice.currency, invoice.order_identifier) == ("EUR", "SO-2025-0412")
    assert (invoice.bill_to.name, invoice.bill_to.street, invoice.bill_to.postal_code, invoice.bill_to.city,
            invoice.bill_to.country) == ("Initech GmbH", "Schillerstraße 20", "80336", "München", "DE")
    assert invoice.ship_to is not None and invoice.ship_to.street == "Schillerstraße 20"
    assert [(l.sku, l.description, l.quantity, l.unit, l.unit_price, l.tax_rate) for l in invoice.lines] == [
        ("LP-50", "Label printer LP-50", Decimal("3"), "pcs", Decimal("149.00"), Decimal("0.19")),
        ("SVC-SETUP", "On-site setup", Decimal("1.5"), "h", Decimal("90.00"), Decimal("0.19")),
        ("LR-500", "Label rolls, 500 labels", Decimal("10"), "", Decimal("4.20"), Decimal("0.07"))]
    assert (invoice.subtotal, invoice.tax_amount, invoice.total_amount) == (
        Decimal("624.00"), Decimal("113.52"), Decimal("737.52"))

    note = only(target, "GS-2025-0009")
    assert note.document_type.value == "credit_note" and note.credited_invoice.number == "RE-2025-0118"
    assert note.credit_reason == "One label printer returned unused"
    assert (note.due_date, note.total_amount) == (dt.date(2025, 4, 11), Decimal("177.31"))
    assert [(l.sku, l.quantity) for l in note.lines] == [("LP-50", Decimal("1"))]

    again = run_import(target, [tmp_path / "invoice.xml", tmp_path / "credit-note.xml"], organization_id=1)
    assert again.problems == [] and sorted(again.unchanged) == sorted(report.created)


def test_the_ubl_is_kept_as_issued_and_the_pdf_carries_no_second_e_invoice(target, tmp_path):
    """Factur-X carries CII only: with e-invoices on, the PDF made for a UBL invoice carries no
    XML built from its fields, and Download XML gives the UBL it came as."""
    _, report = import_files(target, tmp_path, ("invoice.xml", INVOICE))
    (invoice_id,) = report.pending_pdfs
    render_pdfs(target, report.pending_pdfs)
    _, stream = target.open_pdf(invoice_id)
    with stream:
        assert xml_in(stream.read()) is None
    assert target.open_xml(invoice_id)[1] == INVOICE
    assert target.kept_einvoice(invoice_id) == INVOICE
    (entry,) = [a for a in target.activities(invoice_id) if a.kind == "einvoice"]
    assert entry.summary == "Peppol BIS Billing 3.0 e-invoice kept as issued (Download XML); the PDF carries no XML"


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda x: x.replace(b">380</cbc:InvoiceTypeCode>", b">384</cbc:InvoiceTypeCode>"), "BT-3",
     "Document type 384 cannot be imported; only commercial invoices (380) and credit notes (381) can."),
    (lambda x: x.replace(b">2025-03-21</cbc:IssueDate>", b">21.03.2025</cbc:IssueDate>"), "BT-2",
     "'21.03.2025' is not a date (YYYY-MM-DD)."),
    (lambda x: x.replace(b"<cbc:IssueDate>2025-03-21</cbc:IssueDate>", b""), "BT-2",
     "The date (cbc:IssueDate) is missing."),
    (lambda x: x.replace(b"<cac:Item>", b"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
                                        b"<cbc:Amount currencyID='EUR'>-5</cbc:Amount></cac:AllowanceCharge>"
                                        b"<cac:Item>", 1), "lines[1].unit_price",
     "The allowance or charge amount '-5' (BT-92, BT-99) is not an amount."),
    (lambda x: re.sub(rb"<cac:InvoiceLine>.*?</cac:InvoiceLine>\s*", b"", x, flags=re.S), "BG-25",
     "The e-invoice has no invoice lines (cac:InvoiceLine)."),
    (lambda x: x.replace(b">737.52</cbc:TaxInclusiveAmount>", b">737.50</cbc:TaxInclusiveAmount>"), "BT-112",
     "The e-invoice states a total with VAT of 737.50 EUR; its lines make 737.52 EUR."),
    (lambda x: x.replace(b"<cbc:CompanyID>DE123456788</cbc:CompanyID>", b"<cbc:CompanyID>FR40303265045"
                                                                        b"</cbc:CompanyID>"), "BT-31",
     "The seller's VAT id is FR40303265045, not this organization's (DE123456788): only invoices the "
     "organization issued can be imported."),
    (lambda x: x.replace(b'<cbc:InvoicedQuantity unitCode="HUR">1.5<', b'<cbc:InvoicedQuantity unitCode="HUR">0<'),
     "lines[1].quantity", "Must be greater than 0."),
    (lambda x: x.replace(b'<cbc:EndpointID schemeID="9930">DE123456788<',
                         b'<cbc:EndpointID schemeID="EM">' + b"a" * 250 + b"@seller.example<", 1),
     "BT-34", "The seller's electronic address (BT-34) is longer than 255 characters."),
])
def test_what_cannot_be_imported_is_named_by_its_business_term(target, tmp_path, change, field, message):
    problems, report = import_files(target, tmp_path, ("in.xml", change(INVOICE)))
    assert ("in.xml", field, message) in problems
    assert not report.written and target.list_invoices(limit=10).items == []


def test_an_empty_ubl_invoice_lists_what_it_lacks(target, tmp_path):
    empty = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"
    problems, _ = import_files(target, tmp_path, ("empty.xml", empty))
    assert {(f, m) for _, f, m in problems} >= {
        ("BT-1", "The invoice number (cbc:ID) is missing."),
        ("BT-3", "The document names no document type (BT-3); only commercial invoices (380) and credit notes (381) "
                "can be imported."),
        ("BT-5", "The invoice currency (cbc:DocumentCurrencyCode) is missing."),
        ("BG-7", "The buyer (cac:AccountingCustomerParty) is missing.")}


def test_a_credit_note_of_an_invoice_not_imported_is_refused(target, tmp_path):
    problems, report = import_files(target, tmp_path, ("credit-note.xml", CREDIT_NOTE))
    assert [f for _, f, _ in problems] == ["credited_invoice_external_id"]
    assert not report.written


#: The Peppol example with 10 % off its first line (BG-27) and a shipping charge (BG-21), its
#: totals as EN 16931 works them out
WITH_ALLOWANCES = (INVOICE
    .replace(b'<cbc:LineExtensionAmount currencyID="EUR">447.00</cbc:LineExtensionAmount>',
             b'<cbc:LineExtensionAmount currencyID="EUR">402.30</cbc:LineExtensionAmount>'
             b"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
             b"<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>"
             b"<cbc:AllowanceChargeReason>Volume discount</cbc:AllowanceChargeReason>"
             b'<cbc:Amount currencyID="EUR">44.70</cbc:Amount></cac:AllowanceCharge>')
    .replace(b"<cac:TaxTotal>", b"<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
                                b"<cbc:AllowanceChargeReasonCode>FC</cbc:AllowanceChargeReasonCode>"
                                b"<cbc:AllowanceChargeReason>Shipping</cbc:AllowanceChargeReason>"
                                b'<cbc:Amount currencyID="EUR">10.00</cbc:Amount>'
                                b"<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>"
                                b"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>"
                                b"</cac:AllowanceCharge><cac:TaxTotal>", 1)
    .replace(b">113.52<", b">106.93<").replace(b">582.00<", b">547.30<").replace(b">110.58<", b">103.99<")
    .replace(b'<cbc:LineExtensionAmount currencyID="EUR">624.00</cbc:LineExtensionAmount>',
             b'<cbc:LineExtensionAmount currencyID="EUR">579.30</cbc:LineExtensionAmount>')
    .replace(b">624.00</cbc:TaxExclusiveAmount>", b">589.30</cbc:TaxExclusiveAmount>"
                                                  b'<cbc:TaxInclusiveAmount currencyID="EUR">696.23'
                                                  b"</cbc:TaxInclusiveAmount>"
                                                  b'<cbc:ChargeTotalAmount currencyID="EUR">10.00'
                                                  b"</cbc:ChargeTotalAmount>")
    .replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">737.52</cbc:TaxInclusiveAmount>', b"")
    .replace(b">737.52</cbc:PayableAmount>", b">696.23</cbc:PayableAmount>"))


def test_allowances_and_charges_import_as_lines_of_their_own(target, tmp_path):
    """A discount on a line follows that line at its negative amount; a document's charge is a
    line at the end; so the lines make the totals the e-invoice states."""
    assert ubl_errors(WITH_ALLOWANCES) == []                     # a valid e-invoice to begin with
    problems, report = import_files(target, tmp_path, ("invoice.xml", WITH_ALLOWANCES))
    assert problems == []
    invoice = only(target, "RE-2025-0118")
    assert [(l.description, l.quantity, l.unit_price, l.tax_rate) for l in invoice.lines] == [
        ("Label printer LP-50", Decimal("3"), Decimal("149.00"), Decimal("0.19")),
        ("Volume discount", Decimal("1"), Decimal("-44.70"), Decimal("0.19")),
        ("On-site setup", Decimal("1.5"), Decimal("90.00"), Decimal("0.19")),
        ("Label rolls, 500 labels", Decimal("10"), Decimal("4.20"), Decimal("0.07")),
        ("Shipping", Decimal("1"), Decimal("10.00"), Decimal("0.19"))]
    assert (invoice.subtotal, invoice.tax_amount, invoice.total_amount) == (
        Decimal("589.30"), Decimal("106.93"), Decimal("696.23"))
    assert target.open_xml(invoice.id)[1] == WITH_ALLOWANCES     # kept as it came, its structure too


def test_a_line_of_negative_quantity_imports_as_one_at_a_negative_price(target, tmp_path):
    """A discount written as EN 16931 has it (-1 × 20.00: no negative price, BR-27) is the
    discount line it was; refused before as a quantity not greater than 0."""
    doc = einvoice_document([{"description": "Chair", "quantity": "2", "unit_price": "100", "tax_rate": "0.19"},
                             {"description": "Coupon SPRING10", "quantity": "1", "unit_price": "-20",
                              "tax_rate": "0.19"}],
                            buyer=BuyerInfo(vat_id="DE129273398", country_code="DE"), customer_name="Initech GmbH")
    xml = ubl.build_xml(doc)
    assert ubl.element_texts(xml, "//cac:InvoiceLine[cbc:ID='2']/cbc:InvoicedQuantity") == ["-1"]
    problems, report = import_files(target, tmp_path, ("coupon.xml", xml))
    assert problems == [] and report.created == [doc.invoice_number]
    imported = only(target, doc.invoice_number)
    assert [(line.description, line.quantity, line.unit_price) for line in imported.lines] \
        == [("Chair", 2, 100), ("Coupon SPRING10", 1, -20)]
    assert imported.total_amount == doc.total_amount == Decimal("214.20")


def test_the_seller_electronic_address_is_kept_and_stated_in_the_invoices_ubl(target, tmp_path):
    emailed = INVOICE.replace(b'<cbc:EndpointID schemeID="9930">DE123456788</cbc:EndpointID>',
                              b'<cbc:EndpointID schemeID="EM">invoices@seller.example</cbc:EndpointID>', 1)
    problems, _ = import_files(target, tmp_path, ("invoice.xml", emailed))
    assert problems == []
    invoice = only(target, "RE-2025-0118")
    assert invoice.seller.electronic_address == "invoices@seller.example"
    seller = "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
    assert ubl.element_texts(ubl.build_xml(invoice), seller) == ["invoices@seller.example"]
    assert ubl.element_texts(ubl.build_xml(invoice), f"{seller}/@schemeID") == ["EM"]
    again, report = import_files(target, tmp_path, ("invoice.xml", emailed))
    assert (again, report.unchanged) == ([], ["RE-2025-0118"])
    other = emailed.replace(b">invoices@seller.example<", b">billing@seller.example<")
    refused, _ = import_files(target, tmp_path, ("invoice.xml", other))
    assert [(field, str(message)) for _, field, message in refused] == [(
        "BT-34", "Invoice RE-2025-0118 is posted and can no longer be modified (tried to change: BT-34). Only its "
            "payment status, payments and notes may change.")]


def test_the_same_file_sent_again_is_unchanged_when_its_invoice_was_imported_before_bt34_was_kept(target, tmp_path):
    """An invoice imported before the seller's electronic address was read keeps none (or the
    setting's); the very file sent again is unchanged, another stating a different one is refused."""
    emailed = INVOICE.replace(b'<cbc:EndpointID schemeID="9930">DE123456788</cbc:EndpointID>',
                              b'<cbc:EndpointID schemeID="EM">invoices@seller.example</cbc:EndpointID>', 1)
    assert import_files(target, tmp_path, ("invoice.xml", emailed))[0] == []
    invoice = only(target, "RE-2025-0118")
    forget_seller_address(target.db, invoice.id)
    assert only(target, "RE-2025-0118").seller.electronic_address == ""
    again, report = import_files(target, tmp_path, ("invoice.xml", emailed))
    assert (again, report.unchanged) == ([], ["RE-2025-0118"])
    other = emailed.replace(b">invoices@seller.example<", b">billing@seller.example<")
    refused, _ = import_files(target, tmp_path, ("invoice.xml", other))
    assert [field for _, field, _ in refused] == ["BT-34"]
