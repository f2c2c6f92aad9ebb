"""Importing e-invoices: Factur-X / ZUGFeRD PDFs and CII XML become posted invoices.

The files are the add-on's own e-invoices, made by posting in one database and imported
into another (empty) one, so every field can be compared with where it came from.
"""
from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pikepdf
import pytest
from support.databases import make_database
from support.einvoices import einvoice_service as make_service
from support.einvoices import texts
from support.payloads import invoice_payload

from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import
from oro_invoices.services.pdf_backlog import render_pdfs

BILL_TO = {"name": "Accounts Payable", "organization": "Acme Industries AG", "street": "Industriestraße 5",
           "street2": "Building C", "city": "Stuttgart", "postal_code": "70565", "country": "DE"}
LINES = [{"description": "Consulting", "sku": "CONS", "unit": "hour", "quantity": "7.5",
          "unit_price": "120.00", "tax_rate": "0.19"},
         {"description": "Handbook", "sku": "BK-1", "unit": "", "quantity": "3", "unit_price": "24.90",
          "tax_rate": "0.07"},
         {"description": "Delivery to Zürich", "quantity": "1", "unit_price": "40", "tax_rate": "0",
          "tax_category": "G", "tax_exemption_reason": "Export outside the EU"}]


@pytest.fixture
def source(sqlite_db, tmp_path):
    return make_service(sqlite_db, tmp_path, "source-pdf", customers=[("Acme Industries AG", "DE136695976")])


@pytest.fixture
def target(request, tmp_path):
    (tmp_path / "target").mkdir()
    db = make_database("sqlite", request, tmp_path / "target")
    yield make_service(db, tmp_path, "target-pdf", customers=[("Northwind Trading", "DE999999999"),
                                                               ("Acme Industries AG", "de 136.695.976")])
    db.dispose()


def post_invoice(svc: InvoiceService, **overrides) -> int:
    acme = svc.host.customers.customers[1]
    payload = invoice_payload(currency="EUR", customer_id=acme.id, customer_user_id=None, order_id=None,
                              customer_name=acme.name, customer_user_email="ap@acme.example", bill_to=BILL_TO,
                              ship_to={"name": "Dock 4", "street": "Kai 1", "city": "Hamburg",
                                       "postal_code": "20457", "country": "DE"},
                              order_identifier="PO-4711", lines=LINES, delivery_date="2026-10-30", **overrides)
    return svc.post(svc.create(payload).id).id


def stored_pdf(svc: InvoiceService, invoice_id: int) -> bytes:
    _, stream = svc.open_pdf(invoice_id)
    with stream:
        return stream.read()


def facts(doc) -> tuple:
    """What an imported invoice must keep of the one it came from."""
    # a German seller's XML states the date of supply: the invoice date where none was given
    return (doc.invoice_number, doc.document_type.value, doc.status.value, doc.invoice_date, doc.due_date,
            doc.delivery_date or doc.invoice_date, doc.currency, doc.customer_name, doc.customer_user_email, doc.order_identifier,
            doc.bill_to.organization or doc.bill_to.name, doc.bill_to.street, doc.bill_to.street2,
            doc.bill_to.city, doc.bill_to.postal_code, doc.bill_to.country,
            doc.ship_to and (doc.ship_to.name, doc.ship_to.street, doc.ship_to.city, doc.ship_to.country),
            [(l.description, l.sku, l.quantity, l.unit_price, l.tax_rate, l.tax_category.value,
              l.tax_exemption_reason or l.tax_category.default_reason) for l in doc.lines],
            doc.subtotal, doc.tax_amount, doc.total_amount,
            doc.credited_invoice and doc.credited_invoice.number, doc.credit_reason)


def only(svc: InvoiceService, number: str):
    (item,) = [i for i in svc.list_invoices(sort="id", limit=100).items if i.invoice_number == number]
    return svc.get(item.id)


@pytest.mark.parametrize("apart", [False, True], ids=["checked-here", "checked-apart"])
def test_factur_x_pdfs_import_as_posted_invoices_with_their_pdf_kept_byte_for_byte(source, target, tmp_path, apart):
    invoice_id = post_invoice(source)
    note_id = source.create_credit_note(invoice_id, {"full": False, "lines": [{"line": 2, "quantity": "1"}],
                                                     "settlement": "outside",
                                                     "reason": "One handbook returned"}).credit_note.id
    files = []
    for doc_id in (invoice_id, note_id):
        path = tmp_path / f"{source.get(doc_id).invoice_number}.pdf"
        path.write_bytes(stored_pdf(source, doc_id))
        files.append(path)

    report = run_import(target, files, organization_id=1, check_apart=apart)

    assert report.problems == [] and len(report.created) == 2 and report.pdfs_attached == 2
    for doc_id, path in zip((invoice_id, note_id), files, strict=True):
        original = source.get(doc_id)
        imported = only(target, original.invoice_number)
        assert facts(imported) == facts(original)
        assert imported.external_id == original.invoice_number
        assert imported.customer_id == target.host.customers.customers[2].id   # found by the buyer's VAT id
        assert stored_pdf(target, imported.id) == path.read_bytes()
        assert target.open_xml(imported.id)[1] == source.open_xml(doc_id)[1]
    assert only(target, source.get(note_id).invoice_number).credited_invoice.number == \
        source.get(invoice_id).invoice_number
    again = run_import(target, files, organization_id=1)
    assert again.problems == [] and again.unchanged == report.created


@pytest.mark.parametrize("einvoicing", [True, False], ids=["einvoices-on", "einvoices-off"])
def test_cii_xml_imports_and_the_pdf_made_after_the_import_carries_that_xml(source, target, tmp_path, einvoicing):
    """Byte for byte, also what the invoice's fields cannot say: the buyer's routing reference
    (BT-10) of a buyer no customer has, and whatever the e-invoice settings."""
    target.settings.set("oro_invoices.einvoice.enabled", einvoicing)
    invoice_id = post_invoice(source)
    xml = source.open_xml(invoice_id)[1].replace(
        b"<ram:ApplicableHeaderTradeAgreement>",
        b"<ram:ApplicableHeaderTradeAgreement><ram:BuyerReference>04011000-12345-03</ram:BuyerReference>", 1)
    path = tmp_path / "invoice.xml"
    path.write_bytes(xml)

    report = run_import(target, [path], organization_id=1)

    assert report.problems == [] and len(report.created) == 1
    imported = only(target, source.get(invoice_id).invoice_number)
    assert facts(imported) == facts(source.get(invoice_id))
    assert report.pending_pdfs == [imported.id]                    # rendered later, like any import's
    render_pdfs(target, report.pending_pdfs)
    assert target.open_xml(imported.id)[1] == xml
    assert run_import(target, [path], organization_id=1).unchanged == report.created


def xml_of(source: InvoiceService, **overrides) -> bytes:
    return source.open_xml(post_invoice(source, **overrides))[1]


def import_xml(target: InvoiceService, tmp_path, xml: bytes, name: str = "in.xml"):
    path = tmp_path / name
    path.write_bytes(xml)
    report = run_import(target, [path], organization_id=1)
    return [(p.record.rsplit("/", 1)[-1], p.field, p.message) for p in report.problems], report


def test_totals_that_the_lines_do_not_make_are_reported_and_nothing_is_written(source, target, tmp_path):
    xml = xml_of(source)
    grand = texts(xml, "//ram:GrandTotalAmount")[0]
    wrong = xml.replace(f"<ram:GrandTotalAmount>{grand}</ram:GrandTotalAmount>".encode(),
                        b"<ram:GrandTotalAmount>1000.00</ram:GrandTotalAmount>")
    problems, report = import_xml(target, tmp_path, wrong)
    assert problems == [("in.xml", "BT-112", f"The e-invoice states a total with VAT of 1000.00 EUR; "
                                             f"its lines make {Decimal(grand):.2f} EUR.")]
    assert not report.written and target.list_invoices(limit=10).items == []


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda x: x.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>386</ram:TypeCode>", 1), "BT-3",
     "Document type 386 cannot be imported; only commercial invoices (380) and credit notes (381) can."),
    (lambda x: re.sub(rb'(<ram:IssueDateTime>\s*<udt:DateTimeString format=")102(">)\d+',
                      rb"\g<1>610\g<2>202611", x), "BT-2",
     "'202611' (format 610) is not a date in format 102 (YYYYMMDD)."),
    (lambda x: re.sub(rb"<ram:IncludedSupplyChainTradeLineItem>.*?</ram:IncludedSupplyChainTradeLineItem>\s*",
                      b"", x, flags=re.S), "BG-25",
     "The e-invoice has no invoice lines (a MINIMUM or BASIC WL profile); only profiles with lines "
     "(BASIC, EN 16931, EXTENDED, XRechnung) can be imported."),
])
def test_what_cannot_be_imported_is_named_by_its_business_term(source, target, tmp_path, change, field, message):
    problems, report = import_xml(target, tmp_path, change(xml_of(source)))
    assert ("in.xml", field, message) in problems
    assert not report.written


def test_a_line_problem_names_the_line_and_the_field(source, target, tmp_path):
    xml = re.sub(rb'(<ram:BilledQuantity unitCode="\w+">)7.5<', rb"\g<1>0<", xml_of(source))
    problems, _ = import_xml(target, tmp_path, xml)
    assert ("in.xml", "lines[0].quantity", "Must be greater than 0.") in problems


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"<order/>", "order.xml", "Not an EN 16931 e-invoice: the document is <order>, not a CII "
                               "<rsm:CrossIndustryInvoice> or a UBL <Invoice> or <CreditNote>."),
    (b"<rsm:CrossIndustryInvoice", "cut.xml", None),
    (b"just text", "text.pdf", "Not a PDF."),
])
def test_a_file_that_is_no_e_invoice_is_one_clear_problem(target, tmp_path, content, name, message):
    problems, _ = import_xml(target, tmp_path, content, name)
    assert len(problems) == 1 and problems[0][:2] == (name, "")
    if message is None:
        assert problems[0][2].startswith("Not well-formed XML: ")
    else:
        assert problems[0][2] == message


def test_a_pdf_without_an_e_invoice_says_so(target, tmp_path):
    out = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(out)
    problems, _ = import_xml(target, tmp_path, out.getvalue(), "scan.pdf")
    assert problems == [("scan.pdf", "", "The PDF carries no e-invoice (no factur-x.xml, zugferd-invoice.xml "
                                         "or xrechnung.xml attached); only Factur-X / ZUGFeRD PDFs can be imported.")]


def test_several_customers_with_the_buyers_vat_id_are_told_apart_by_name(source, target, tmp_path):
    branch = target.host.add_customer("Acme Industries Berlin", vat_id="DE136695976", country_code="DE")
    xml = xml_of(source)
    _, report = import_xml(target, tmp_path, xml)
    assert report.problems == []
    assert target.get(target.list_invoices(limit=1).items[0].id).customer_id == 2     # named as the buyer
    ambiguous = xml.replace(b"<ram:Name>Acme Industries AG</ram:Name>", b"<ram:Name>Acme</ram:Name>")
    ambiguous = ambiguous.replace(b"<ram:ID>INV-", b"<ram:ID>X-INV-", 1)
    problems, _ = import_xml(target, tmp_path, ambiguous, "other.xml")
    assert problems == [("other.xml", "BT-48", "Several customers have the buyer's VAT id DE136695976 "
                                               f"(Acme Industries AG (2), Acme Industries Berlin ({branch.id})); "
                                               "none of them is named Acme, as the buyer (BT-44) is.")]


def test_a_buyer_no_customer_has_the_vat_id_of_keeps_its_name_and_tax_data(source, target, tmp_path):
    xml = xml_of(source).replace(b">DE136695976<", b">DE811569869<").replace(
        b"<ram:ApplicableHeaderTradeAgreement>",
        b"<ram:ApplicableHeaderTradeAgreement><ram:BuyerReference>04011000-12345-03</ram:BuyerReference>", 1)
    problems, report = import_xml(target, tmp_path, xml)
    assert problems == []
    imported = target.get(target.list_invoices(limit=1).items[0].id)
    assert imported.customer_id is None and imported.customer_name == "Acme Industries AG"
    # its VAT id, BT-10 and the billing address's country, for the PDF made for it
    assert imported.buyer.as_dict() == {"vat_id": "DE811569869", "country_code": "DE",
                                        "reference": "04011000-12345-03"}


def test_an_e_invoice_of_a_number_already_taken_is_refused(source, tmp_path):
    invoice_id = post_invoice(source)
    problems, report = import_xml(source, tmp_path, source.open_xml(invoice_id)[1])
    number = source.get(invoice_id).invoice_number
    assert problems == [("in.xml", "invoice_number",
                         f"Invoice number {number} is already used by another invoice of this organization.")]
    assert not report.written


def test_an_invoice_another_seller_issued_is_refused(source, target, tmp_path):
    xml = xml_of(source).replace(b">DE123456788<", b">FR40303265045<")
    problems, report = import_xml(target, tmp_path, xml)
    assert problems == [("in.xml", "BT-31", "The seller's VAT id is FR40303265045, not this organization's "
                                            "(DE123456788): only invoices the organization issued can be imported.")]
    assert not report.written
    spaced = xml_of(source, invoice_number="OWN-1").replace(b">DE123456788<", b">DE 123 456 788<")
    assert import_xml(target, tmp_path, spaced, "own.xml")[0] == []


def test_a_damaged_pdf_says_what_pikepdf_found(target, tmp_path):
    problems, _ = import_xml(target, tmp_path, b"%PDF-1.7\nnothing else", "damaged.pdf")
    assert problems == [("damaged.pdf", "", "Cannot read the PDF: unable to find trailer dictionary while recovering damaged file.")]


def test_a_folder_stands_for_the_e_invoices_in_it(source, target, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "2026" / "11").mkdir(parents=True)
    first, second = post_invoice(source), post_invoice(source)
    (inbox / "2026" / "11" / "a.pdf").write_bytes(stored_pdf(source, first))
    (inbox / "b.xml").write_bytes(source.open_xml(second)[1])
    (inbox / "notes.txt").write_text("not an invoice")
    (inbox / ".hidden.xml").write_bytes(b"<broken")
    report = run_import(target, [inbox], organization_id=1)
    assert report.problems == []
    assert sorted(report.created) == sorted(source.get(i).invoice_number for i in (first, second))
    empty = tmp_path / "empty"
    (empty / ".git").mkdir(parents=True)
    (empty / ".git" / "x.xml").write_bytes(b"<x/>")
    refused = run_import(target, [empty, inbox], organization_id=1)
    assert [(p.record, p.message) for p in refused.problems] == [
        (str(empty), "The folder holds no file to import (.json, .jsonl, .ndjson, .csv, .xml or .pdf).")]
    assert not refused.written



def test_with_background_jobs_the_worker_makes_the_pdf_that_carries_the_xml(source, request, tmp_path):
    """take_einvoice (the API's and the back-office's) leaves the PDF to the render_pdf job."""
    from support.held_jobs import HeldJobs

    from oro_invoices.services.einvoice_intake import take_einvoice
    from oro_invoices.services.jobs import RENDER_PDF, Job

    xml = source.open_xml(post_invoice(source))[1]
    (tmp_path / "bg").mkdir()
    db = make_database("sqlite", request, tmp_path / "bg")
    jobs = HeldJobs()
    service = make_service(db, tmp_path, "bg-pdf", customers=[], jobs=jobs)
    doc, outcome = take_einvoice(service, xml, organization_id=1, actor="erp")
    assert outcome == "created" and doc.is_posted and doc.pdf is None
    assert jobs.submitted == [Job(RENDER_PDF, (doc.id,))]
    service.ensure_pdf(doc.id)                                  # what the render_pdf job does
    assert service.open_xml(doc.id)[1] == xml
    db.dispose()


def test_verify_checks_the_kept_xml(source, target, tmp_path):
    from oro_invoices.services.verification import verify

    path = tmp_path / "in.xml"
    path.write_bytes(xml_of(source))
    report = run_import(target, [path], organization_id=1)
    render_pdfs(target, report.pending_pdfs)
    assert verify(target.db, target.storage).ok
    sha = hashlib.sha256(path.read_bytes()).hexdigest()             # kept by its content's hash
    target.storage.path_for(sha).unlink()
    (imported,) = report.created
    problems = verify(target.db, target.storage).problems
    assert problems == [f"invoice {imported} (id 1): kept e-invoice XML {sha[:12]}…: missing"]


def test_a_file_larger_than_a_pdf_may_be_is_refused_unread():
    from oro_invoices.domain.limits import MAX_PDF_BYTES
    from oro_invoices.services.import_einvoices import einvoice_record

    record = einvoice_record(b"<" * (MAX_PDF_BYTES + 1), "huge.xml")
    assert [(p.field, p.message) for p in record.problems] == [("", "Larger than 64 MiB.")]
    assert record.payload == {}


@pytest.mark.parametrize("way", ["one-e-invoice", "bulk-import"])
def test_an_e_invoice_for_a_draft_of_its_number_posts_the_draft_and_keeps_the_xml(source, target, tmp_path, way):
    """The ERP made a draft with the e-invoice's number as its external id before sending it."""
    from oro_invoices.services.einvoice_intake import take_einvoice
    from oro_invoices.services.einvoicing import xml_in

    xml = xml_of(source)
    (number,) = texts(xml, "//rsm:ExchangedDocument/ram:ID")
    draft = target.create(invoice_payload(external_id=number, currency="EUR", customer_id=None,
                                          customer_user_id=None, order_id=None))
    if way == "one-e-invoice":
        doc, outcome = take_einvoice(target, xml, organization_id=1, actor="erp")
        assert (outcome, doc.id, doc.is_posted) == ("updated", draft.id, True)
    else:
        problems, report = import_xml(target, tmp_path, xml)
        assert problems == [] and report.updated == [number]
        render_pdfs(target, report.pending_pdfs)
    assert target.kept_einvoice(draft.id) == xml
    _, stream = target.open_pdf(draft.id)
    with stream:
        assert xml_in(stream.read()) == xml                    # the PDF carries it byte for byte


def test_allowances_and_charges_import_as_lines_of_their_own_cii(target, tmp_path):
    """The example with 10 % off its first line (BG-27) and a freight charge (BG-21), valid by the
    EN 16931 rules: the lines (a negative one for the discount) make its totals."""
    from pathlib import Path

    from oro_invoices.documents.einvoice import rules

    example = (Path(__file__).parents[2] / "docs" / "examples" / "invoice-cii.xml").read_bytes()
    allowance = (b"<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator>"
                 b"</ram:ChargeIndicator><ram:ActualAmount>75.60</ram:ActualAmount><ram:ReasonCode>95</ram:ReasonCode>"
                 b"<ram:Reason>Loyalty discount</ram:Reason></ram:SpecifiedTradeAllowanceCharge>")
    charge = (b"<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>true</udt:Indicator>"
              b"</ram:ChargeIndicator><ram:ActualAmount>12.40</ram:ActualAmount><ram:Reason>Freight</ram:Reason>"
              b"<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>"
              b"<ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:CategoryTradeTax>"
              b"</ram:SpecifiedTradeAllowanceCharge>")
    xml = (example
           .replace(b"<ram:LineTotalAmount>756.00</ram:LineTotalAmount>", b"<ram:LineTotalAmount>680.40</ram:LineTotalAmount>")
           .replace(b"</ram:ApplicableTradeTax>\n        <ram:SpecifiedTradeSettlementLineMonetarySummation>\n"
                    b"          <ram:LineTotalAmount>680.40",
                    b"</ram:ApplicableTradeTax>" + allowance + b"<ram:SpecifiedTradeSettlementLineMonetarySummation>"
                    b"<ram:LineTotalAmount>680.40")
           .replace(b"<ram:SpecifiedTradePaymentTerms>", charge + b"<ram:SpecifiedTradePaymentTerms>")
           .replace(b"<ram:CalculatedAmount>188.77</ram:CalculatedAmount>", b"<ram:CalculatedAmount>176.76</ram:CalculatedAmount>")
           .replace(b"<ram:BasisAmount>993.50</ram:BasisAmount>", b"<ram:BasisAmount>930.30</ram:BasisAmount>")
           .replace(b"<ram:LineTotalAmount>1043.50</ram:LineTotalAmount>",
                    b"<ram:LineTotalAmount>967.90</ram:LineTotalAmount><ram:ChargeTotalAmount>12.40</ram:ChargeTotalAmount>")
           .replace(b"<ram:TaxBasisTotalAmount>1043.50", b"<ram:TaxBasisTotalAmount>980.30")
           .replace(b">192.27</ram:TaxTotalAmount>", b">180.26</ram:TaxTotalAmount>")
           .replace(b"1235.77", b"1160.56"))
    assert rules.errors(rules.check(xml, "en16931")) == []
    problems, report = import_xml(target, tmp_path, xml)
    assert problems == []
    imported = target.get(target.list_invoices(limit=1).items[0].id)
    assert [(l.description, l.unit_price, l.tax_rate) for l in imported.lines] == [
        ("Thermal printer TP-200", Decimal("189"), Decimal("0.19")),
        ("Loyalty discount", Decimal("-75.60"), Decimal("0.19")),
        ("Installation and training", Decimal("95"), Decimal("0.19")),
        ("Printer manual (printed)", Decimal("12.5"), Decimal("0.07")),
        ("Freight", Decimal("12.40"), Decimal("0.19"))]
    assert (imported.subtotal, imported.tax_amount, imported.total_amount) == (
        Decimal("980.30"), Decimal("180.26"), Decimal("1160.56"))


def test_an_einvoice_sent_again_with_other_content_is_a_problem_naming_the_fields(source, target, tmp_path):
    invoice_id = post_invoice(source)
    xml = source.open_xml(invoice_id)[1]
    path = tmp_path / "invoice.xml"
    path.write_bytes(xml)
    assert run_import(target, [path], organization_id=1).problems == []
    path.write_bytes(xml.replace(b"Consulting", b"Consultancy"))

    again = run_import(target, [path], organization_id=1, on_error="skip")

    number = source.get(invoice_id).invoice_number
    assert again.unchanged == [] and again.skipped == [number]
    assert [(p.field, p.message) for p in again.problems] == [
        ("lines", f"Invoice {number} is posted and can no longer be modified (tried to change: lines). Only its "
                  "payment status, payments and notes may change.")]
    assert only(target, number).lines[0].description == "Consulting"
