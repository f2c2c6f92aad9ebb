"""The XRechnung profile: the German CIUS, checked by the CEN EN 16931 and KoSIT XRechnung rules."""
import dataclasses

import pytest
from support.einvoices import BUYER, SELLER, einvoice_document, texts

from oro_invoices.documents.einvoice import cii, rules
from oro_invoices.domain.invoice import BuyerInfo

pytest.importorskip("saxonche")


def violations(xml: bytes) -> dict[str, str]:
    return {v.rule: v.message for v in rules.errors(rules.check(xml, "xrechnung"))}


def test_a_demo_like_invoice_passes_the_xsd_the_en16931_and_the_xrechnung_rules():
    doc = einvoice_document(buyer=dataclasses.replace(BUYER, reference="04011000-12345-03"))
    xml = cii.build_xml(doc, "xrechnung")
    assert rules.check_xsd(xml, "xrechnung") == []
    assert rules.check(xml, "xrechnung") == []  # no error and no warning either
    assert texts(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") \
        == ["urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"]
    assert texts(xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") \
        == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert texts(xml, "//ram:BuyerReference") == ["04011000-12345-03"]
    contact = "//ram:SellerTradeParty/ram:DefinedTradeContact"
    assert texts(xml, f"{contact}/ram:PersonName") == ["Accounts Receivable"]
    assert texts(xml, f"{contact}/ram:TelephoneUniversalCommunication/ram:CompleteNumber") == ["+49 40 555 0100"]
    assert texts(xml, f"{contact}/ram:EmailURIUniversalCommunication/ram:URIID") == ["billing@northwind.example"]
    assert texts(xml, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert texts(xml, "//ram:IBANID") == [SELLER.iban]


def test_both_rule_sets_run_each_catches_what_it_owns():
    xml = cii.build_xml(einvoice_document(), "xrechnung")
    compiled = rules.compile_xrechnung(rules.processor())
    assert [len(rules.errors(rules.run(executable, xml))) for executable in compiled] == [0, 0]
    tampered = xml.replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1")
    assert "BR-CO-15" in violations(tampered)  # CEN EN 16931: total = net + VAT


def test_a_missing_leitweg_id_is_caught_by_the_rule_that_names_it():
    doc = einvoice_document(buyer=BuyerInfo(vat_id="DE136695976", country_code="DE"))
    broken = violations(cii.build_xml(doc, "xrechnung"))
    assert list(broken) == ["BR-DE-15"]
    assert "Buyer reference" in broken["BR-DE-15"] and "(BT-10)" in broken["BR-DE-15"]
    # The Factur-X EN 16931 profile does not need one
    assert rules.errors(rules.check(cii.build_xml(doc, "en16931"), "en16931")) == []


def test_a_seller_without_phone_is_caught_by_the_xrechnung_rule():
    doc = einvoice_document(seller=dataclasses.replace(SELLER, phone=""))
    assert list(violations(cii.build_xml(doc, "xrechnung"))) == ["BR-DE-6"]  # BT-42


def test_without_any_seller_contact_the_group_is_missing():
    doc = einvoice_document(seller=dataclasses.replace(SELLER, phone="", contact_email="", contact_name=""))
    assert "BR-DE-2" in violations(cii.build_xml(doc, "xrechnung"))  # BG-6 SELLER CONTACT
    assert texts(cii.build_xml(doc, "xrechnung"), "//ram:DefinedTradeContact") == []


def test_the_contact_person_defaults_to_the_company_name():
    doc = einvoice_document(seller=dataclasses.replace(SELLER, contact_name=""))
    xml = cii.build_xml(doc, "xrechnung")
    assert texts(xml, "//ram:DefinedTradeContact/ram:PersonName") == ["Northwind Supply GmbH"]
    assert violations(xml) == {}


def test_an_invoice_without_means_of_payment_breaks_br_de_1():
    doc = einvoice_document(seller=dataclasses.replace(SELLER, iban="", bic=""))
    assert "BR-DE-1" in violations(cii.build_xml(doc, "xrechnung"))  # BG-16 payment instructions


def test_missing_rule_files_say_which_extra_installs_them(monkeypatch):
    monkeypatch.setattr(rules, "XRECHNUNG_PACKAGE", "no_such_package_here")
    with pytest.raises(ImportError, match=r"pip install 'oro-invoices\[xrechnung\]'"):
        rules.xrechnung_directory()
