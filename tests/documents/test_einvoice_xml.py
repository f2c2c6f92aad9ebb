"""The EN 16931 XML made from a frozen invoice, checked by the official XSD and schematron."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree
from support.einvoices import SELLER, einvoice_document, texts, total

from oro_invoices.documents.einvoice import cii, rules, terms, ubl
from oro_invoices.documents.einvoice.reading import read_xml
from oro_invoices.domain.invoice import BuyerInfo, DocumentRef, DocumentType

PROFILES = ["en16931", "basic"]


def broken(xml: bytes, profile: str) -> set[str]:
    return {v.rule for v in rules.errors(rules.check(xml, profile))}


@pytest.mark.parametrize("profile", PROFILES)
def test_a_complete_invoice_passes_the_xsd_and_every_rule(profile):
    doc = einvoice_document()
    xml = cii.build_xml(doc, profile)
    assert rules.check(xml, profile) == []  # no error and no warning either
    assert texts(xml, "//rsm:ExchangedDocument/ram:ID") == ["INV-2025-03-00042"]
    assert texts(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert texts(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [cii.PROFILES[profile]]


def test_the_xml_says_what_the_invoice_says():
    doc = einvoice_document()
    xml = cii.build_xml(doc, "en16931")
    assert texts(xml, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == ["20250305"]
    assert texts(xml, "//ram:DueDateDateTime/udt:DateTimeString") == ["20250404"]
    assert total(xml, "LineTotalAmount") == doc.subtotal
    assert total(xml, "TaxTotalAmount") == doc.tax_amount
    assert total(xml, "GrandTotalAmount") == total(xml, "DuePayableAmount") == doc.total_amount
    assert texts(xml, "//ram:SellerTradeParty/ram:Name") == ["Northwind Supply GmbH"]
    assert texts(xml, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE123456788", "22/815/08154"]
    assert texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE136695976"]
    assert texts(xml, "//ram:BuyerReference") == ["ACME-AP-7"]
    assert texts(xml, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == [SELLER.iban]
    assert texts(xml, "//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == ["COBADEFFXXX"]
    assert texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:PaymentReference") == ["INV-2025-03-00042"]
    assert texts(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]  # SEPA, EUR
    assert [Decimal(v) for v in texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
                                           "/ram:RateApplicablePercent")] == [Decimal(7), Decimal(19)]
    assert texts(xml, "//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedTradeProduct/ram:Name") \
        == [line.description for line in doc.lines]
    assert cii.build_xml(doc, "en16931") == xml  # the same invoice, the same bytes


def test_a_date_of_a_year_before_1000_is_written_with_four_digits_of_year():
    """A posted invoice may be of any year from Earliest Year of a Posted Invoice on (as low as 1):
    its dates are CCYYMMDD (format 102) whatever the year, not seven digits from strftime."""
    doc = einvoice_document(invoice_date=dt.date(999, 12, 31), due_date=dt.date(1000, 1, 30))
    xml = cii.build_xml(doc, "en16931")
    assert texts(xml, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == ["09991231"]
    assert texts(xml, "//ram:DueDateDateTime/udt:DateTimeString") == ["10000130"]


def test_tampered_totals_are_caught_by_the_named_rule():
    xml = cii.build_xml(einvoice_document(), "en16931")
    tree = etree.fromstring(xml)
    (grand,) = tree.xpath("//ram:GrandTotalAmount", namespaces=cii.NSMAP)
    grand.text = str(Decimal(grand.text) + 1)
    assert "BR-CO-15" in broken(etree.tostring(tree), "en16931")  # total = net + VAT


def test_an_unknown_currency_is_caught():
    xml = cii.build_xml(einvoice_document(currency="EUX"), "en16931")
    problems = rules.errors(rules.check(xml, "en16931"))
    assert [(v.rule, v.message) for v in problems] \
        == [("FX-SCH-A-000595", "Value of 'ram:InvoiceCurrencyCode' is not allowed."),
            ("FX-SCH-A-000606", "Value of '@currencyID' is not allowed.")]


def test_reverse_charge_without_the_buyer_vat_id_is_caught():
    doc = einvoice_document([{"description": "Consulting", "quantity": "10", "unit_price": "120",
                              "tax_rate": "0", "tax_category": "AE"}], buyer=BuyerInfo(country_code="FR"))
    assert "BR-AE-02" in broken(cii.build_xml(doc, "en16931"), "en16931")
    with_id = einvoice_document([{"description": "Consulting", "quantity": "10", "unit_price": "120",
                                  "tax_rate": "0", "tax_category": "AE"}],
                                buyer=BuyerInfo(vat_id="FR40303265045", country_code="FR"))
    xml = cii.build_xml(with_id, "en16931")
    assert broken(xml, "en16931") == set()
    assert texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason") \
        == ["Reverse charge"]


@pytest.mark.parametrize("category,reason", [("Z", ""), ("E", "Exempt under § 4 Nr. 14 UStG"),
                                             ("K", ""), ("G", "")])
def test_each_vat_category_makes_a_valid_invoice(category, reason):
    buyer = BuyerInfo(vat_id="FR40303265045", country_code="FR") if category == "K" else None
    doc = einvoice_document(
        [{"description": "Item", "quantity": "2", "unit_price": "50", "tax_rate": "0",
          "tax_category": category, "tax_exemption_reason": reason},
         {"description": "Other", "quantity": "1", "unit_price": "10", "tax_rate": "0.19"}]
        if category in ("Z", "E") else
        [{"description": "Item", "quantity": "2", "unit_price": "50", "tax_rate": "0", "tax_category": category}],
        **({"buyer": buyer} if buyer else {}))
    xml = cii.build_xml(doc, "en16931")
    assert broken(xml, "en16931") == set()
    assert category in texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode")


def test_a_credit_note_is_type_381_and_names_the_invoice_it_credits():
    doc = einvoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                            credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)))
    xml = cii.build_xml(doc, "en16931")
    assert texts(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert texts(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == ["INV-2025-03-00042"]
    assert texts(xml, "//rsm:ExchangedDocument/ram:IncludedNote") == []      # no reason given
    assert broken(xml, "en16931") == set()


@pytest.mark.parametrize("profile", ["en16931", "xrechnung"])
def test_a_credit_note_is_cleared_against_its_invoice_not_paid_to_the_sellers_account(profile):
    """Its amount comes off the invoice it credits (the PDF: "nothing is to be paid on it"): its
    means of payment is clearing between partners (97), with no seller's account and none of
    the seller's payment terms; its due date stays (BR-CO-25)."""
    doc = einvoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                            credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)))
    assert doc.seller.iban and doc.seller.payment_terms
    for xml in (cii.build_xml(doc, profile), ubl.build_xml(doc, "ubl" if profile == "en16931" else "xrechnung_ubl")):
        flat = xml.decode()
        assert doc.seller.iban not in flat and doc.seller.payment_terms not in flat
    xml = cii.build_xml(doc, profile)
    assert texts(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["97"]
    assert texts(xml, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == ["20250404"]
    assert [v for v in rules.check(xml, profile) if not v.warning] == []
    invoice = cii.build_xml(einvoice_document(), profile)                       # an invoice: the seller's account
    assert texts(invoice, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]


@pytest.mark.parametrize("profile", ["basic", "en16931", "xrechnung"])
def test_a_credit_notes_reason_is_its_note_with_subject_code_acd(profile):
    doc = einvoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                            credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)),
                            credit_reason="Returned: 2 × chair <damaged> & late")
    xml = cii.build_xml(doc, profile)
    assert texts(xml, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content") == ["Returned: 2 × chair <damaged> & late"]
    assert texts(xml, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode") == ["ACD"]
    assert [v for v in rules.check(xml, profile) if not v.warning] == []


def test_a_seller_without_country_breaks_the_rules_by_name():
    doc = einvoice_document(seller=SELLER.__class__(**{**SELLER.as_dict(), "country_code": "",
                                                         "vat_id": "", "tax_id": ""}))
    problems = rules.check(cii.build_xml(doc, "en16931"), "en16931")
    assert problems and all(str(v).startswith("[") for v in problems)
    assert any(v.rule in ("XSD", "BR-09", "BR-CO-26", "BR-S-02") for v in problems)


def test_units_map_to_recommendation_20_codes():
    assert [terms.unit_code(u) for u in ("", "pcs", "hour", "kg", "KGM", "crate of apples", " Pair ", "Bag")] \
        == ["C62", "H87", "HUR", "KGM", "KGM", "C62", "PR", "XBG"]


def test_every_unit_the_table_knows_makes_a_valid_en16931_invoice():
    units = sorted(terms.UNIT_CODES)
    doc = einvoice_document([{"description": f"Line in {unit or 'no unit'}", "quantity": "2", "unit": unit,
                              "unit_price": "10", "tax_rate": "19"} for unit in units])
    xml = cii.build_xml(doc, "en16931")
    assert texts(xml, "//ram:BilledQuantity/@unitCode") == [terms.UNIT_CODES[unit] for unit in units]
    assert rules.check(xml, "en16931") == []


@pytest.mark.parametrize("profile", PROFILES)
def test_the_lean_schematron_reports_exactly_what_the_official_file_reports(profile):
    doc = einvoice_document([{"description": "Consulting", "quantity": "10", "unit_price": "120",
                              "tax_rate": "0", "tax_category": "AE"}],
                            buyer=BuyerInfo(country_code="FR"), currency="EUX")
    tree = etree.fromstring(cii.build_xml(doc, profile))
    (grand,) = tree.xpath("//ram:GrandTotalAmount", namespaces=cii.NSMAP)
    grand.text = "1.00"
    xml = etree.tostring(tree)
    official = rules.run(rules.compile_stylesheet(rules.processor(), profile, lean=False), xml)
    lean = rules.check_schematron(xml, profile)
    assert len(official) >= 4  # currency code lists, BR-AE-02, BR-CO-15 …
    assert lean == official


DELIVERY_EVENT = "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"


@pytest.mark.parametrize("profile", PROFILES)
def test_the_delivery_date_is_the_invoices_own_not_the_invoice_date(profile):
    doc = einvoice_document(delivery_date=dt.date(2025, 2, 27))
    xml = cii.build_xml(doc, profile)
    assert texts(xml, DELIVERY_EVENT) == ["20250227"]
    assert broken(xml, profile) == set()


@pytest.mark.parametrize("profile", PROFILES)
def test_an_invoicing_period_is_bg_14_and_takes_the_place_of_a_delivery_date(profile):
    doc = einvoice_document(delivery_period_start=dt.date(2025, 2, 1), delivery_period_end=dt.date(2025, 2, 28))
    xml = cii.build_xml(doc, profile)
    assert texts(xml, "//ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString") == ["20250201"]
    assert texts(xml, "//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == ["20250228"]
    assert texts(xml, DELIVERY_EVENT) == []  # the invoice date does not stand in
    assert broken(xml, profile) == set()


def test_without_a_delivery_date_the_invoice_date_stands_in_only_where_a_rule_needs_a_date():
    french = SELLER.__class__(**{**SELLER.as_dict(), "country_code": "FR", "vat_id": "FR40303265045",
                                 "tax_id": ""})
    doc = einvoice_document(seller=french, buyer=BuyerInfo(vat_id="DE136695976", country_code="DE"))
    for profile in PROFILES:
        xml = cii.build_xml(doc, profile)
        assert texts(xml, DELIVERY_EVENT) == [] and broken(xml, profile) == set()
    # a German seller (BR-FX-EN-04 in BASIC; German VAT law wants the date of supply)
    assert texts(cii.build_xml(einvoice_document(), "basic"), DELIVERY_EVENT) == ["20250305"]
    # an intra-community supply (BR-IC-11), from the French seller too
    supply = einvoice_document([{"description": "Item", "quantity": "2", "unit_price": "50", "tax_rate": "0",
                                 "tax_category": "K"}], seller=french,
                               buyer=BuyerInfo(vat_id="DE136695976", country_code="DE"))
    xml = cii.build_xml(supply, "en16931")
    assert texts(xml, DELIVERY_EVENT) == ["20250305"] and broken(xml, "en16931") == set()


def test_an_intra_community_supply_without_any_date_breaks_br_ic_11():
    doc = einvoice_document([{"description": "Item", "quantity": "2", "unit_price": "50", "tax_rate": "0",
                              "tax_category": "K"}], buyer=BuyerInfo(vat_id="FR40303265045", country_code="FR"))
    xml = cii.build_xml(doc, "en16931")
    tree = etree.fromstring(xml)
    (event,) = tree.xpath("//ram:ActualDeliverySupplyChainEvent", namespaces=cii.NSMAP)
    event.getparent().remove(event)
    assert "BR-IC-11" in broken(etree.tostring(tree), "en16931")


def test_the_sellers_postal_address_comes_from_its_address_fields():
    """BG-5: BT-35 street, BT-36 second line, BT-37 city, BT-38 postcode, BT-39 region, BT-40 country."""
    seller = dataclasses.replace(SELLER, street2="Speicher 3, 4. OG", region="Hamburg (Land)",
                                 business_address="Somewhere else 1\n99999 Nowhere")
    xml = cii.build_xml(einvoice_document(seller=seller), "en16931")
    address = "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:"
    assert texts(xml, address + "LineOne") == ["Hafenstraße 12"]
    assert texts(xml, address + "LineTwo") == ["Speicher 3, 4. OG"]
    assert texts(xml, address + "CityName") == ["Hamburg"]
    assert texts(xml, address + "PostcodeCode") == ["20457"]
    assert texts(xml, address + "CountrySubDivisionName") == ["Hamburg (Land)"]
    assert texts(xml, address + "CountryID") == ["DE"]
    assert rules.errors(rules.check(xml, "en16931")) == []


def test_the_buyers_and_delivery_addresses_carry_their_second_line_and_region():
    """BG-8 (BT-51 second line, BT-54 region) and BG-15 (BT-76, BT-79) from the invoice's addresses."""
    from support.einvoices import BILL_TO
    bill_to = dataclasses.replace(BILL_TO, street2="Gebäude B", region="Bayern")
    ship_to = dataclasses.replace(BILL_TO, organization="Acme Lager", street2="Tor 4", region="Sachsen")
    xml = cii.build_xml(einvoice_document(bill_to=bill_to, ship_to=ship_to), "en16931")
    buyer = "//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:"
    assert texts(xml, buyer + "LineTwo") == ["Gebäude B"]
    assert texts(xml, buyer + "CountrySubDivisionName") == ["Bayern"]
    delivery = "//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:"
    assert texts(xml, delivery + "LineTwo") == ["Tor 4"]
    assert texts(xml, delivery + "CountrySubDivisionName") == ["Sachsen"]
    assert rules.errors(rules.check(xml, "en16931")) == []


COUPON_LINES = [{"description": "Chair", "quantity": "2", "unit_price": "100", "tax_rate": "0.19"},
                {"description": "Coupon SPRING10", "quantity": "1", "unit_price": "-20", "tax_rate": "0.19"}]


@pytest.mark.parametrize("profile", ["en16931", "basic", "xrechnung", "ubl", "xrechnung_ubl"])
def test_a_discount_line_is_a_negative_quantity_at_its_price_so_br_27_holds(profile):
    """A shop's coupon line has a negative price; EN 16931 takes no negative price (BR-27) but a
    negative quantity, so the line says -1 × 20.00 = -20.00 and the invoice posts."""
    doc = einvoice_document(COUPON_LINES, buyer=dataclasses.replace(einvoice_document().buyer,
                                                                     reference="04011000-12345-03"))
    xml = ubl.build_xml(doc, profile) if profile in ubl.PROFILES else cii.build_xml(doc, profile)
    assert broken(xml, profile) == set()
    if profile in ubl.PROFILES:
        coupon = "//cac:InvoiceLine[cbc:ID='2']"
        assert ubl.element_texts(xml, f"{coupon}/cbc:InvoicedQuantity") == ["-1"]
        assert ubl.element_texts(xml, f"{coupon}/cac:Price/cbc:PriceAmount") == ["20"]
        assert ubl.element_texts(xml, f"{coupon}/cbc:LineExtensionAmount") == ["-20.00"]
    else:
        coupon = "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineID='2']"
        assert texts(xml, f"{coupon}//ram:BilledQuantity") == ["-1"]
        assert texts(xml, f"{coupon}//ram:NetPriceProductTradePrice/ram:ChargeAmount") == ["20"]
        assert texts(xml, f"{coupon}//ram:LineTotalAmount") == ["-20.00"]
    # read back, it is the line the shop sent: one coupon at -20
    lines = read_xml(xml).payload["lines"]
    assert [(line["description"], Decimal(line["quantity"]), Decimal(line["unit_price"])) for line in lines] \
        == [("Chair", 2, 100), ("Coupon SPRING10", 1, -20)]


@pytest.mark.parametrize("profile", ["basic", "en16931", "xrechnung"])
def test_the_buyers_po_number_is_the_buyer_order_reference(profile):
    doc = einvoice_document(order_identifier="SO-1007", purchase_order="PO-88231")
    xml = cii.build_xml(doc, profile)
    assert texts(xml, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == ["PO-88231"]
    assert texts(xml, "//ram:SellerOrderReferencedDocument/ram:IssuerAssignedID") \
        == ([] if profile == "basic" else ["SO-1007"])
    assert [v for v in rules.check(xml, profile) if not v.warning] == []
    assert texts(cii.build_xml(einvoice_document(), profile), "//ram:BuyerOrderReferencedDocument") == []
