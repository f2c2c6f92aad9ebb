"""The UBL the add-on issues keeps the Peppol BIS Billing 3.0 rules a Peppol access point checks
(PEPPOL-EN16931-R*), as far as the add-on has the data they ask for."""
import dataclasses
import datetime as dt

import pytest
from support.einvoices import BUYER, SELLER, einvoice_document, peppol_errors

from oro_invoices.documents.einvoice import rules, ubl
from oro_invoices.domain.invoice import Address, DocumentRef, DocumentType

pytest.importorskip("saxonche")

CREDIT_NOTE = dict(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                   credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)))


def rules_broken(doc, profile="ubl"):
    return [str(v) for v in peppol_errors(ubl.build_xml(doc, profile))]


@pytest.mark.parametrize("profile", ["ubl", "xrechnung_ubl"])
@pytest.mark.parametrize("doc", [
    pytest.param(lambda: einvoice_document(), id="invoice"),
    pytest.param(lambda: einvoice_document(credit_reason="Two chairs returned", **CREDIT_NOTE), id="credit note"),
    pytest.param(lambda: einvoice_document(due_date=None, currency="USD"), id="no due date, USD"),
    pytest.param(lambda: einvoice_document(seller=dataclasses.replace(SELLER, iban="", bic="", payment_terms="",
                                                                      phone="", legal_registration_id="")),
                 id="seller without bank, terms, phone or register"),
    pytest.param(lambda: einvoice_document(ship_to=Address(country="FR"), bill_to=None), id="bare addresses"),
    pytest.param(lambda: einvoice_document(customer_user_email="", order_identifier="SO-0005",
                                           buyer=dataclasses.replace(BUYER, electronic_address="9930:DE136695976")),
                 id="participant id, shop order"),
])
def test_an_issued_ubl_keeps_the_peppol_rules(profile, doc):
    """R001 the billing process (BT-23) in every UBL, not only an XRechnung's; R008 no empty
    element; R010/R020 both electronic addresses; R053 one tax total with its subtotals."""
    xml = ubl.build_xml(doc(), profile)
    assert rules_broken(doc(), profile) == []
    assert ubl.element_texts(xml, "/*/cbc:ProfileID") == ["urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"]
    assert len(ubl.element_texts(xml, "/*/cac:TaxTotal")) == 1
    assert ubl.element_texts(xml, "//*[not(*) and normalize-space(text()) = '']") == []


def test_a_credit_note_names_the_invoice_it_credits_for_peppol():
    xml = ubl.build_xml(einvoice_document(**CREDIT_NOTE))
    assert ubl.element_texts(xml, "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") \
        == ["INV-2025-03-00042"]


def test_the_checks_catch_what_they_check():
    """Without the buyer's email address there is no electronic address (R010); the rules say so."""
    assert rules_broken(einvoice_document(customer_user_email="")) \
        == ["[PEPPOL-EN16931-R010] Buyer electronic address MUST be provided"]
    xml = ubl.build_xml(einvoice_document()).replace(b"<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
                                                     b"</cbc:ProfileID>", b"")
    assert [v.rule for v in peppol_errors(xml)] == ["PEPPOL-EN16931-R001"]


def test_sepa_direct_debit_has_no_mandate_to_state():
    """The add-on keeps no direct debit mandate (BT-89): an XRechnung with payment means 59 breaks
    R061 and the XRechnung direct debit rule, as the docs say."""
    doc = einvoice_document(seller=dataclasses.replace(SELLER, payment_means="sepa_direct_debit"))
    assert rules_broken(doc, "xrechnung_ubl") == ["[PEPPOL-EN16931-R061] Mandate reference MUST be provided for "
                                                  "direct debit."]
    xml = ubl.build_xml(doc, "xrechnung_ubl")
    assert {"PEPPOL-EN16931-R061", "BR-DE-25-a"} <= {v.rule for v in rules.errors(rules.check(xml, "xrechnung_ubl"))}
