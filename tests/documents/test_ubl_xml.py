"""The EN 16931 XML in UBL 2.1 syntax made from a frozen invoice, checked by the UBL 2.1 XSD, the CEN
EN 16931 UBL rules and, for XRechnung UBL, the KoSIT rules; it states what the CII XML states."""
import dataclasses
import datetime as dt

import pytest
from lxml import etree
from support.einvoices import BUYER, SELLER, einvoice_document

from oro_invoices.documents.einvoice import cii, rules, ubl
from oro_invoices.documents.einvoice.reading import profile_of, read_xml
from oro_invoices.domain.invoice import BuyerInfo, DocumentRef, DocumentType

pytest.importorskip("saxonche")

PROFILES = ["ubl", "xrechnung_ubl"]
LEITWEG = dataclasses.replace(BUYER, reference="04011000-12345-03")


def broken(xml: bytes, profile: str = "ubl") -> set[str]:
    return {v.rule for v in rules.errors(rules.check(xml, profile))}


def texts(xml: bytes, path: str) -> list[str]:
    return ubl.element_texts(xml, path)


def credit_note(**overrides):
    return einvoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                             credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)),
                             buyer=LEITWEG, **overrides)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_complete_invoice_passes_the_xsd_and_every_rule(profile):
    xml = ubl.build_xml(einvoice_document(buyer=LEITWEG), profile)
    assert rules.check(xml, profile) == []  # no error and no warning either
    assert etree.QName(etree.fromstring(xml)).localname == "Invoice"
    assert texts(xml, "/*/cbc:CustomizationID") == [ubl.PROFILES[profile]]
    assert texts(xml, "/*/cbc:ProfileID") == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert profile_of(xml) == profile


def test_the_xml_says_what_the_invoice_says():
    doc = einvoice_document()
    xml = ubl.build_xml(doc)
    assert texts(xml, "/*/cbc:ID") == ["INV-2025-03-00042"]
    assert texts(xml, "/*/cbc:InvoiceTypeCode") == ["380"]
    assert (texts(xml, "/*/cbc:IssueDate"), texts(xml, "/*/cbc:DueDate")) == (["2025-03-05"], ["2025-04-04"])
    totals = "//cac:LegalMonetaryTotal/cbc:"
    assert texts(xml, f"{totals}LineExtensionAmount") == texts(xml, f"{totals}TaxExclusiveAmount") \
        == [str(doc.subtotal)]
    assert texts(xml, f"{totals}TaxInclusiveAmount") == texts(xml, f"{totals}PayableAmount") == [str(doc.total_amount)]
    assert texts(xml, "/*/cac:TaxTotal/cbc:TaxAmount") == [str(doc.tax_amount)]
    assert texts(xml, "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["7", "19"]
    assert texts(xml, "//cac:TaxTotal/cbc:TaxAmount/@currencyID") == ["EUR"]
    supplier = "//cac:AccountingSupplierParty/cac:Party"
    assert texts(xml, f"{supplier}/cac:PartyLegalEntity/cbc:RegistrationName") == ["Northwind Supply GmbH"]
    assert texts(xml, f"{supplier}/cac:PartyTaxScheme/cbc:CompanyID") == ["DE123456788", "22/815/08154"]
    assert texts(xml, f"{supplier}/cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == ["VAT", "FC"]
    assert texts(xml, "//cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID") == ["DE136695976"]
    assert texts(xml, "/*/cbc:BuyerReference") == ["ACME-AP-7"]
    assert texts(xml, "//cac:PaymentMeans/cbc:PaymentMeansCode") == ["58"]  # SEPA, EUR
    assert texts(xml, "//cac:PaymentMeans/cbc:PaymentID") == ["INV-2025-03-00042"]
    assert texts(xml, "//cac:PayeeFinancialAccount/cbc:ID") == [SELLER.iban]
    assert texts(xml, "//cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == ["COBADEFFXXX"]
    assert texts(xml, "//cac:PaymentTerms/cbc:Note") == [SELLER.payment_terms]
    assert texts(xml, "//cac:InvoiceLine/cac:Item/cbc:Name") == [line.description for line in doc.lines]
    assert ubl.build_xml(doc) == xml  # the same invoice, the same bytes


def test_the_ubl_and_the_cii_of_an_invoice_state_the_same_terms():
    """Read back by the importer, both syntaxes give the same invoice: one set of terms, two spellings."""
    doc = einvoice_document(ship_to=dataclasses.replace(einvoice_document().bill_to, street2="Tor 3", region="BW"),
                            delivery_date=dt.date(2025, 3, 3))
    from_ubl, from_cii = read_xml(ubl.build_xml(doc)), read_xml(cii.build_xml(doc, "en16931"))
    assert from_ubl.problems == from_cii.problems == []
    assert from_ubl.payload == from_cii.payload
    assert (from_ubl.totals, from_ubl.buyer_vat_id, from_ubl.seller_vat_id) \
        == (from_cii.totals, from_cii.buyer_vat_id, from_cii.seller_vat_id)


@pytest.mark.parametrize("profile", PROFILES)
def test_a_credit_note_is_a_ubl_credit_note_naming_the_invoice_it_credits(profile):
    doc = credit_note(credit_reason="Returned: 2 × chair <damaged> & late")
    xml = ubl.build_xml(doc, profile)
    assert rules.check(xml, profile) == []
    assert etree.QName(etree.fromstring(xml)).localname == "CreditNote"
    assert texts(xml, "/*/cbc:CreditNoteTypeCode") == ["381"]
    assert texts(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == ["INV-2025-03-00042"]
    assert texts(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == ["2025-03-01"]
    assert texts(xml, "/*/cbc:Note") == ["#ACD#Returned: 2 × chair <damaged> & late"]
    assert texts(xml, "/*/cbc:DueDate") == [] and texts(xml, "//cac:PaymentMeans/cbc:PaymentDueDate") == ["2025-04-04"]
    assert [line.tag.rsplit("}", 1)[1] for line in etree.fromstring(xml).iterfind(f"{{{ubl.CAC}}}CreditNoteLine")] \
        == ["CreditNoteLine"] * len(doc.lines)
    read = read_xml(xml)
    assert (read.payload["document_type"], read.payload["credit_reason"], read.payload["credited_invoice_external_id"]) \
        == ("credit_note", "Returned: 2 × chair <damaged> & late", "INV-2025-03-00042")


@pytest.mark.parametrize("category,reason", [("Z", ""), ("E", "Exempt under § 4 Nr. 14 UStG"), ("K", ""),
                                             ("G", ""), ("AE", ""), ("O", "")])
def test_each_vat_category_makes_a_valid_invoice(category, reason):
    foreign = category in ("K", "AE")
    buyer = BuyerInfo(vat_id="FR40303265045", country_code="FR") if foreign else BUYER
    lines = [{"description": "Item", "quantity": "2", "unit_price": "50", "tax_rate": "0", "tax_category": category,
              "tax_exemption_reason": reason}]
    if category in ("Z", "E"):
        lines.append({"description": "Other", "quantity": "1", "unit_price": "10", "tax_rate": "0.19"})
    xml = ubl.build_xml(einvoice_document(lines, buyer=buyer))
    assert broken(xml) == set()
    assert category in texts(xml, "/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID")
    if category == "O":  # outside the scope of VAT: no rate and no VAT ids
        assert texts(xml, "//cac:ClassifiedTaxCategory/cbc:Percent") == []
        assert texts(xml, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") == []


def test_an_invoicing_period_and_a_delivery_place_are_stated():
    doc = einvoice_document(delivery_period_start=dt.date(2025, 2, 1), delivery_period_end=dt.date(2025, 2, 28))
    xml = ubl.build_xml(doc)
    assert broken(xml) == set()
    assert (texts(xml, "//cac:InvoicePeriod/cbc:StartDate"), texts(xml, "//cac:InvoicePeriod/cbc:EndDate")) \
        == (["2025-02-01"], ["2025-02-28"])
    assert texts(xml, "//cac:Delivery/cbc:ActualDeliveryDate") == []        # the period takes its place
    assert texts(xml, "//cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:CityName") == ["Stuttgart"]


def test_the_checks_catch_what_they_check():
    xml = ubl.build_xml(einvoice_document())
    tree = etree.fromstring(xml)
    (payable,) = tree.xpath("//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", namespaces=ubl.NSMAP)
    payable.text = "1.00"
    assert "BR-CO-15" in broken(etree.tostring(tree))       # total = net + VAT (the CEN UBL rules)
    without_currency = xml.replace(b'<cbc:PayableAmount currencyID="EUR">', b"<cbc:PayableAmount>")
    assert [v.rule for v in rules.check(without_currency, "ubl")] == ["XSD"]   # UBL amounts name their currency
    assert "BR-DE-15" in broken(ubl.build_xml(einvoice_document(buyer=dataclasses.replace(BUYER, reference=""))),
                                "xrechnung_ubl")           # XRechnung: the Leitweg-ID (KoSIT rules)


def test_a_seller_without_phone_breaks_the_xrechnung_ubl_rule_but_not_en16931():
    doc = einvoice_document(seller=dataclasses.replace(SELLER, phone=""), buyer=LEITWEG)
    assert broken(ubl.build_xml(doc, "ubl")) == set()
    assert "BR-DE-6" in broken(ubl.build_xml(doc, "xrechnung_ubl"), "xrechnung_ubl")


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="use one of ubl, xrechnung_ubl"):
        ubl.build_xml(einvoice_document(), "peppol")


@pytest.mark.parametrize("profile", PROFILES)
def test_the_buyers_po_number_is_the_order_reference_else_na(profile):
    xml = ubl.build_xml(einvoice_document(buyer=LEITWEG, order_identifier="SO-1007", purchase_order="PO-88231"),
                        profile)
    assert texts(xml, "/*/cac:OrderReference/cbc:ID") == ["PO-88231"]
    assert texts(xml, "/*/cac:OrderReference/cbc:SalesOrderID") == ["SO-1007"]
    assert rules.check(xml, profile) == []
    alone = ubl.build_xml(einvoice_document(buyer=LEITWEG, order_identifier="", purchase_order="PO-88231"), profile)
    assert texts(alone, "/*/cac:OrderReference/cbc:ID") == ["PO-88231"]
    assert texts(alone, "/*/cac:OrderReference/cbc:SalesOrderID") == []
    assert rules.check(alone, profile) == []
    unknown = ubl.build_xml(einvoice_document(buyer=LEITWEG, order_identifier="SO-1007"), profile)
    assert texts(unknown, "/*/cac:OrderReference/cbc:ID") == ["NA"]
