"""Reading CII XML into an imported invoice's fields (``documents.einvoice.reading``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from oro_invoices.documents.einvoice.reading import read_cii

EXAMPLE = (Path(__file__).parents[2] / "docs" / "examples" / "invoice-cii.xml").read_bytes()


def test_the_example_reads_as_a_posted_invoice_with_its_totals_and_vat_ids():
    found = read_cii(EXAMPLE)
    assert found.problems == []
    assert {k: found.payload[k] for k in ("external_id", "invoice_number", "status", "invoice_date", "due_date",
                                          "delivery_date", "currency", "customer_name", "order_identifier",
                                          "purchase_order")} == {
        "external_id": "RE-2025-0117", "invoice_number": "RE-2025-0117", "status": "posted",
        "invoice_date": "2025-03-14", "due_date": "2025-04-13", "delivery_date": "2025-03-12", "currency": "EUR",
        "customer_name": "Initech GmbH", "order_identifier": "SO-2025-0398", "purchase_order": "PO-88213"}
    assert found.payload["bill_to"] == {"name": "Initech GmbH", "street": "Schillerstraße 20", "city": "München",
                                        "postal_code": "80336", "country": "DE"}
    assert found.payload["lines"][1] == {"description": "Installation and training", "sku": "SVC-INST",
                                         "quantity": "2.5", "unit": "h", "unit_price": "95", "tax_category": "S",
                                         "tax_rate": "0.19"}
    assert (found.buyer_vat_id, found.seller_vat_id) == ("DE129273398", "DE123456788")
    assert found.payload["buyer"] == {"vat_id": "DE129273398"}                            # no BT-10
    assert found.totals == {"subtotal": "1043.50", "tax_amount": "192.27", "total_amount": "1235.77"}
    assert "payment_status" not in found.payload


@pytest.mark.parametrize(("prepaid", "status"), [("1235.77", "paid_in_full"), ("200.00", "paid_partially"),
                                                 ("0.00", None)])
def test_a_paid_amount_sets_the_payment_status(prepaid, status):
    xml = EXAMPLE.replace(b"<ram:DuePayableAmount>", f"<ram:TotalPrepaidAmount>{prepaid}</ram:TotalPrepaidAmount>"
                                                     "<ram:DuePayableAmount>".encode())
    assert read_cii(xml).payload.get("payment_status") == status


def test_a_price_for_several_units_is_a_price_per_unit():
    xml = EXAMPLE.replace(b"<ram:ChargeAmount>12.5</ram:ChargeAmount>",
                          b"<ram:ChargeAmount>125</ram:ChargeAmount><ram:BasisQuantity>10</ram:BasisQuantity>")
    assert read_cii(xml).payload["lines"][2]["unit_price"] == "12.5"
    broken = EXAMPLE.replace(b"<ram:ChargeAmount>12.5</ram:ChargeAmount>",
                             b"<ram:ChargeAmount>125</ram:ChargeAmount><ram:BasisQuantity>0</ram:BasisQuantity>")
    assert read_cii(broken).problems == [("lines[2].unit_price", "The price 125 per 0 units (BT-149) is not a "
                                                                 "price per unit.")]


def test_a_third_address_line_joins_the_second():
    xml = EXAMPLE.replace(b"<ram:LineOne>Schillerstra\xc3\x9fe 20</ram:LineOne>",
                          "<ram:LineOne>Schillerstraße 20</ram:LineOne><ram:LineTwo>Haus B</ram:LineTwo>"
                          "<ram:LineThree>3. OG</ram:LineThree>".encode(), 1)
    assert read_cii(xml).payload["bill_to"]["street2"] == "Haus B, 3. OG"


def test_entities_are_not_expanded():
    xml = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
           b"&e;</rsm:CrossIndustryInvoice>")
    found = read_cii(xml)
    assert "root:" not in repr(found.payload) and found.problems


def test_the_schema_check_refuses_a_file_declaring_a_document_type_in_words():
    from oro_invoices.documents.einvoice import rules
    xml = (b'<?xml version="1.0"?><!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY e "expanded-entity-marker">]>'
           b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
           b"<rsm:ExchangedDocumentContext>&e;</rsm:ExchangedDocumentContext></rsm:CrossIndustryInvoice>")
    [found] = rules.check_xsd(xml, "en16931")
    assert found.rule == "XML" and "declares a document type (a DOCTYPE" in found.message
    assert rules.check_xsd(xml.replace(b"&e;", b""), "en16931")[0].rule == "XML"   # declared, not even used


def test_a_line_whose_net_amount_is_not_its_quantity_times_its_price_is_refused():
    """A line states its net amount (BT-131); one its quantity and net price do not make is a problem of
    that line, and BT-106 must be the sum of the lines' (BR-CO-10)."""
    xml = EXAMPLE.replace(b"<ram:LineTotalAmount>237.50</ram:LineTotalAmount>",
                          b"<ram:LineTotalAmount>230.00</ram:LineTotalAmount>", 1)
    assert xml != EXAMPLE
    assert read_cii(xml).problems == [
        ("lines[1].BT-131", "The line's net amount (BT-131) is 230.00, but its quantity times its net price, with "
                            "its allowances and charges, makes 237.50."),
        ("BT-106", "[BR-CO-10] The sum of the line net amounts (BT-106) is 1043.50, but the lines' net amounts "
                   "(BT-131) add up to 1036.00.")]
    unreadable = EXAMPLE.replace(b"<ram:LineTotalAmount>237.50</ram:LineTotalAmount>",
                                 b"<ram:LineTotalAmount>abc</ram:LineTotalAmount>", 1)
    assert read_cii(unreadable).problems == [("lines[1].BT-131", "The line's net amount 'abc' (BT-131) is not an "
                                                                 "amount.")]


def test_the_sum_of_the_line_net_amounts_must_be_the_lines_sum():
    summed = b"<ram:LineTotalAmount>1043.50</ram:LineTotalAmount>"
    assert EXAMPLE.count(summed) == 1
    xml = EXAMPLE.replace(summed, b"<ram:LineTotalAmount>1043.51</ram:LineTotalAmount>")
    assert read_cii(xml).problems == [
        ("BT-106", "[BR-CO-10] The sum of the line net amounts (BT-106) is 1043.51, but the lines' net amounts "
                   "(BT-131) add up to 1043.50.")]
