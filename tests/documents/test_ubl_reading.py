"""Reading UBL invoices and credit notes into an imported invoice's fields
(``documents.einvoice.ubl_reading``, through ``reading.read_xml``)."""
from __future__ import annotations

import pytest
from support.einvoices import UBL_CREDIT_NOTE, UBL_INVOICE

from oro_invoices.documents.einvoice.reading import is_ubl, read_cii, read_xml

INVOICE, CREDIT_NOTE = UBL_INVOICE.read_bytes(), UBL_CREDIT_NOTE.read_bytes()


def test_the_peppol_example_reads_as_a_posted_invoice_with_its_totals_and_vat_ids():
    found = read_xml(INVOICE)
    assert found.problems == []
    assert {k: found.payload[k] for k in ("external_id", "invoice_number", "status", "invoice_date", "due_date",
                                          "delivery_date", "currency", "customer_name", "order_identifier",
                                          "purchase_order")} == {
        "external_id": "RE-2025-0118", "invoice_number": "RE-2025-0118", "status": "posted",
        "invoice_date": "2025-03-21", "due_date": "2025-04-20", "delivery_date": "2025-03-19", "currency": "EUR",
        "customer_name": "Initech GmbH", "order_identifier": "SO-2025-0412", "purchase_order": "PO-88241"}
    assert "document_type" not in found.payload and "payment_status" not in found.payload
    assert found.payload["bill_to"] == found.payload["ship_to"] == {
        "name": "Initech GmbH", "street": "Schillerstraße 20", "city": "München", "postal_code": "80336",
        "country": "DE"}
    assert found.payload["lines"] == [
        {"description": "Label printer LP-50", "sku": "LP-50", "quantity": "3", "unit": "pcs",
         "unit_price": "149.00", "tax_category": "S", "tax_rate": "0.19"},
        {"description": "On-site setup", "sku": "SVC-SETUP", "quantity": "1.5", "unit": "h",
         "unit_price": "90.00", "tax_category": "S", "tax_rate": "0.19"},
        {"description": "Label rolls, 500 labels", "sku": "LR-500", "quantity": "10", "unit": "",
         "unit_price": "4.2", "tax_category": "S", "tax_rate": "0.07"}]          # 42.00 per 10 (BT-149)
    assert (found.buyer_vat_id, found.seller_vat_id) == ("DE129273398", "DE123456788")
    assert found.payload["buyer"] == {"vat_id": "DE129273398", "reference": "4711",      # BT-48, BT-10
                                      "electronic_address": "9930:DE129273398"}        # BT-49, a participant id
    assert found.totals == {"subtotal": "624.00", "tax_amount": "113.52", "total_amount": "737.52"}
    assert is_ubl(INVOICE) and not is_ubl(b"<x/>") and not is_ubl(b"<broken")


def test_a_credit_note_names_the_invoice_it_credits_and_its_reason():
    found = read_xml(CREDIT_NOTE)
    assert found.problems == []
    assert {k: found.payload[k] for k in ("document_type", "credited_invoice_external_id", "credit_reason",
                                          "due_date")} == {
        "document_type": "credit_note", "credited_invoice_external_id": "RE-2025-0118",
        "credit_reason": "One label printer returned unused", "due_date": "2025-04-11"}   # BT-9 of a credit note
    assert [line["quantity"] for line in found.payload["lines"]] == ["1"]                 # cbc:CreditedQuantity


def test_an_invoice_document_of_type_381_is_a_credit_note_too():
    found = read_xml(INVOICE.replace(b">380</cbc:InvoiceTypeCode>", b">381</cbc:InvoiceTypeCode>"))
    assert found.payload["document_type"] == "credit_note"


@pytest.mark.parametrize(("prepaid", "status"), [("737.52", "paid_in_full"), ("100.00", "paid_partially"),
                                                 ("0.00", None)])
def test_a_paid_amount_sets_the_payment_status(prepaid, status):
    xml = INVOICE.replace(b'<cbc:PayableAmount currencyID="EUR">',
                          f'<cbc:PrepaidAmount currencyID="EUR">{prepaid}</cbc:PrepaidAmount>'
                          '<cbc:PayableAmount currencyID="EUR">'.encode())
    assert read_xml(xml).payload.get("payment_status") == status


def test_the_vat_total_is_the_one_in_the_invoice_currency():
    """BT-111, the VAT total in the accounting currency, is a second cac:TaxTotal without subtotals."""
    xml = INVOICE.replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
                          b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
                          b"<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>").replace(
        b"<cac:TaxTotal>", b'<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">1290.00</cbc:TaxAmount></cac:TaxTotal>'
                           b"<cac:TaxTotal>", 1)
    assert read_xml(xml).totals["tax_amount"] == "113.52"


def test_names_addresses_and_exemption_reasons():
    xml = (INVOICE
           .replace(b"<cbc:RegistrationName>Initech GmbH</cbc:RegistrationName>", b"")
           .replace(b'<cbc:EndpointID schemeID="9930">DE129273398</cbc:EndpointID>',
                    b'<cbc:EndpointID schemeID="EM">ap@initech.example</cbc:EndpointID>'
                    b"<cac:PartyName><cbc:Name>Initech</cbc:Name></cac:PartyName>")
           .replace(b"<cbc:PostalZone>80336</cbc:PostalZone>",
                    b"<cbc:PostalZone>80336</cbc:PostalZone><cac:AddressLine><cbc:Line>3. OG</cbc:Line>"
                    b"</cac:AddressLine>", 1)
           .replace(b"<cbc:ID>S</cbc:ID>\n        <cbc:Percent>7</cbc:Percent>",
                    b"<cbc:ID>E</cbc:ID>\n        <cbc:Percent>0</cbc:Percent>")
           .replace(b"<cbc:Percent>0</cbc:Percent>", b"<cbc:Percent>0</cbc:Percent>"
                    b"<cbc:TaxExemptionReason>Exempt under section 4 UStG</cbc:TaxExemptionReason>", 1))
    found = read_xml(xml)
    assert found.payload["customer_name"] == "Initech"                       # the trading name, for want of BT-44
    assert found.payload["customer_user_email"] == "ap@initech.example"       # an electronic address of scheme EM
    assert found.payload["bill_to"]["street2"] == "3. OG"                     # BT-163
    # the reason is the category's (BT-120, in the VAT breakdown)
    assert [(line["tax_category"], line["tax_rate"], line.get("tax_exemption_reason"))
            for line in found.payload["lines"]] == [
        ("S", "0.19", None), ("S", "0.19", None), ("E", "0", "Exempt under section 4 UStG")]


def test_a_ubl_file_is_not_read_as_cii_and_other_documents_are_named():
    assert read_cii(INVOICE).problems == [("", "Not a CII e-invoice: the document is <Invoice>, not "
                                               "<rsm:CrossIndustryInvoice>.")]
    assert read_xml(b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>").problems == [
        ("", "Not an EN 16931 e-invoice: the document is <Order>, not a CII <rsm:CrossIndustryInvoice> or a UBL "
             "<Invoice> or <CreditNote>.")]


def test_entities_are_not_expanded():
    xml = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' "
           b"xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'>"
           b"<cbc:ID>&e;</cbc:ID></Invoice>")
    found = read_xml(xml)
    assert "root:" not in repr(found.payload) and found.problems


def test_a_line_whose_net_amount_is_not_its_quantity_times_its_price_is_refused():
    line = b'<cbc:LineExtensionAmount currencyID="EUR">135.00</cbc:LineExtensionAmount>'
    assert INVOICE.count(line) == 1
    found = read_xml(INVOICE.replace(line, b'<cbc:LineExtensionAmount currencyID="EUR">130.00</cbc:LineExtensionAmount>'))
    assert found.problems == [
        ("lines[1].BT-131", "The line's net amount (BT-131) is 130.00, but its quantity times its net price, with "
                            "its allowances and charges, makes 135.00."),
        ("BT-106", "[BR-CO-10] The sum of the line net amounts (BT-106) is 624.00, but the lines' net amounts "
                   "(BT-131) add up to 619.00.")]


def test_an_order_reference_of_na_is_no_po_number():
    found = read_xml(INVOICE.replace(b"<cbc:ID>PO-88241</cbc:ID>", b"<cbc:ID>NA</cbc:ID>"))
    assert found.problems == [] and "purchase_order" not in found.payload
    assert found.payload["order_identifier"] == "SO-2025-0412"
