"""Posting in a Peppol profile (EN 16931 UBL, XRechnung) refuses, naming what to set, an invoice
whose data cannot keep the Peppol rules; the buyer's electronic address comes from the customer."""
import dataclasses

import pytest
from support.einvoices import german_payload

from oro_invoices.documents.einvoice import cii, rules, ubl
from oro_invoices.documents.einvoice.reading import read_xml
from oro_invoices.domain.errors import EInvoiceInvalid
from oro_invoices.i18n import translate

pytest.importorskip("saxonche")

NO_USER = {"customer_user_email": None}


def kept_xml(svc, invoice_id):
    return svc.open_xml(invoice_id)[1]


@pytest.mark.parametrize("profile", ["ubl", "xrechnung_ubl"])
def test_the_customers_participant_id_is_the_buyers_electronic_address(svc, host, settings, acme, profile):
    settings.set("oro_invoices.einvoice.profile", profile)
    host.customers.customers[acme.id] = dataclasses.replace(acme, einvoice_address="0088:4035811991021")
    posted = svc.post(svc.create(german_payload(acme, **NO_USER)).id)
    xml = kept_xml(svc, posted.id)
    assert ubl.element_texts(xml, "//cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == ["4035811991021"]
    assert ubl.element_texts(xml, "//cac:AccountingCustomerParty/cac:Party/cbc:EndpointID/@schemeID") == ["0088"]
    assert rules.errors(rules.check_peppol(xml)) == []


def test_the_customers_invoicing_email_comes_before_the_customer_users(svc, host, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "ubl")
    host.customers.customers[acme.id] = dataclasses.replace(acme, einvoice_address="ap@acme.example")
    posted = svc.post(svc.create(german_payload(acme)).id)
    xml = kept_xml(svc, posted.id)
    assert ubl.element_texts(xml, "//cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == ["ap@acme.example"]
    assert posted.buyer.electronic_address == "ap@acme.example"


@pytest.mark.parametrize(("profile", "label"), [("ubl", "EN 16931 UBL"), ("xrechnung", "XRechnung 3.0")])
def test_no_electronic_address_refuses_posting_naming_what_to_set(svc, settings, acme, profile, label):
    settings.set("oro_invoices.einvoice.profile", profile)
    draft = svc.create(german_payload(acme, **NO_USER))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert caught.value.message.startswith(
        f"Invoice Draft #{draft.id} was not posted: its {label} e-invoice breaks 1 rule: [PEPPOL-EN16931-R010] The "
        "buyer has no electronic address (BT-49): set the customer's e-invoice address (CustomerRef.einvoice_address, "
        "an invoicing email or a Peppol participant id) or give the invoice a customer user with an email address.")
    assert not svc.get(draft.id).is_posted


def test_an_address_that_is_neither_email_nor_participant_id_is_named(svc, host, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "ubl")
    host.customers.customers[acme.id] = dataclasses.replace(acme, einvoice_address="4035811991021")
    draft = svc.create(german_payload(acme))
    with pytest.raises(EInvoiceInvalid, match=r"\[PEPPOL-EN16931-R010\] The customer's e-invoice address "
                                              r"'4035811991021' \(BT-49\) is neither an email address nor"):
        svc.post(draft.id)


def test_no_buyer_reference_refuses_a_ubl_posting(svc, host, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "ubl")
    host.customers.customers[acme.id] = dataclasses.replace(acme, buyer_reference="")
    draft = svc.create(german_payload(acme))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert ("[PEPPOL-EN16931-R003] The invoice has no buyer reference (BT-10) and no purchase order reference "
            "(BT-13), one of which Peppol requires: give the buyer's PO number (PO Number on the invoice, "
            "purchase_order), set the customer's buyer reference (CustomerRef.buyer_reference) or state one on the "
            "invoice (buyer.reference).") in caught.value.message
    stated = svc.create(german_payload(acme, buyer={"reference": "PO-4471"}))
    assert ubl.element_texts(kept_xml(svc, svc.post(stated.id).id), "/*/cbc:BuyerReference") == ["PO-4471"]


def test_a_po_number_instead_of_a_buyer_reference_keeps_r003(svc, host, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "ubl")
    host.customers.customers[acme.id] = dataclasses.replace(acme, buyer_reference="")
    posted = svc.post(svc.create(german_payload(acme, purchase_order="4500012877")).id)
    xml = kept_xml(svc, posted.id)
    assert ubl.element_texts(xml, "/*/cbc:BuyerReference") == []
    assert ubl.element_texts(xml, "/*/cac:OrderReference/cbc:ID") == ["4500012877"]
    assert rules.errors(rules.check_peppol(xml)) == []


def test_xrechnung_still_asks_for_the_buyer_reference_beside_a_po_number(svc, host, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "xrechnung_ubl")
    host.customers.customers[acme.id] = dataclasses.replace(acme, buyer_reference="")
    with pytest.raises(EInvoiceInvalid, match=r"\[BR-DE-15\] The invoice has no buyer reference"):
        svc.post(svc.create(german_payload(acme, purchase_order="4500012877")).id)


def test_sepa_direct_debit_refuses_an_xrechnung_posting_naming_the_setting(svc, settings, acme):
    settings.apply({"oro_invoices.einvoice.profile": "xrechnung_ubl"})
    settings.store.save("oro_invoices.seller.payment_means", "sepa_direct_debit", "global", None)  # saved earlier
    draft = svc.create(german_payload(acme))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert "[PEPPOL-EN16931-R061] Direct debit needs the mandate reference (BT-89), which invoices do not " \
           "keep: set the seller's Payment Means (oro_invoices.seller.payment_means) to another means." \
           in caught.value.message
    assert "[BR-DE-25-a]" in caught.value.message and caught.value.message.count("R061") == 1


@pytest.mark.parametrize("profile", ["ubl", "en16931"])
def test_the_shops_order_number_is_the_sellers_order_reference(svc, settings, acme, profile):
    """BT-14, not the buyer's purchase order (BT-13), which the shop does not know: UBL writes "NA" there."""
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(german_payload(acme, order_identifier="SO-0005")).id)
    xml = kept_xml(svc, posted.id)
    if profile == "ubl":
        assert ubl.element_texts(xml, "/*/cac:OrderReference/cbc:ID") == ["NA"]
        assert ubl.element_texts(xml, "/*/cac:OrderReference/cbc:SalesOrderID") == ["SO-0005"]
    else:
        assert cii.element_texts(xml, "//ram:SellerOrderReferencedDocument/ram:IssuerAssignedID") == ["SO-0005"]
        assert cii.element_texts(xml, "//ram:BuyerOrderReferencedDocument") == []


def test_a_factur_x_basic_invoice_states_both_electronic_addresses(svc, settings, acme):
    """BT-49 and BT-34 are in the BASIC profile (its XSD has ram:URIUniversalCommunication in both
    parties); BT-14 is not (no ram:SellerOrderReferencedDocument), and BT-13 is the buyer's order, not the shop's."""
    settings.set("oro_invoices.einvoice.profile", "basic")
    posted = svc.post(svc.create(german_payload(acme, **NO_USER, order_identifier="SO-0005",
                                                buyer={"electronic_address": "9930:DE136695976"})).id)
    xml = kept_xml(svc, posted.id)
    buyer = "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"
    assert cii.element_texts(xml, buyer) == ["DE136695976"]
    assert cii.element_texts(xml, f"{buyer}/@schemeID") == ["9930"]
    seller = "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID"
    assert cii.element_texts(xml, seller) == ["billing@northwind.example"]
    assert cii.element_texts(xml, f"{seller}/@schemeID") == ["EM"]
    assert cii.element_texts(xml, "//ram:SellerOrderReferencedDocument") == []
    assert cii.element_texts(xml, "//ram:BuyerOrderReferencedDocument") == []


def test_direct_debit_refuses_a_ubl_posting(svc, settings, acme):
    """R061 asks a mandate of payment means 49 as of 59."""
    settings.apply({"oro_invoices.einvoice.profile": "ubl"})
    settings.store.save("oro_invoices.seller.payment_means", "direct_debit", "global", None)
    with pytest.raises(EInvoiceInvalid, match=r"breaks 1 rule: \[PEPPOL-EN16931-R061\] Direct debit needs the mandate"):
        svc.post(svc.create(german_payload(acme)).id)


@pytest.mark.parametrize("profile", ["ubl", "en16931"])
def test_the_invoice_states_the_participant_id_and_its_xml_reads_back_with_it(svc, settings, acme, profile):
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(german_payload(acme, **NO_USER, buyer={"electronic_address": "9930:DE136695976"})).id)
    assert posted.buyer.electronic_address == "9930:DE136695976"
    read = read_xml(kept_xml(svc, posted.id))
    assert read.payload["buyer"]["electronic_address"] == "9930:DE136695976"
    assert read.payload["order_identifier"] == "SO-0005"


@pytest.mark.parametrize("profile", ["ubl", "en16931", "basic"])
def test_the_sellers_e_invoice_address_setting_is_its_electronic_address(svc, settings, acme, profile):
    """BT-34: the seller's E-Invoice Address when set, frozen with the invoice; else its contact email."""
    settings.set("oro_invoices.einvoice.profile", profile)
    settings.set("oro_invoices.seller.electronic_address", "0204:991-1234512345-06")
    posted = svc.post(svc.create(german_payload(acme, buyer={"reference": "991-1234512345-06"})).id)
    settings.set("oro_invoices.seller.electronic_address", "ap@northwind.example")    # later: the posted one stays
    xml = kept_xml(svc, posted.id)
    if profile == "ubl":
        endpoint = "//cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"
        assert ubl.element_texts(xml, endpoint) == ["991-1234512345-06"]
        assert ubl.element_texts(xml, f"{endpoint}/@schemeID") == ["0204"]
        assert rules.errors(rules.check_peppol(xml)) == []
    else:
        endpoint = "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID"
        assert cii.element_texts(xml, endpoint) == ["991-1234512345-06"]
        assert cii.element_texts(xml, f"{endpoint}/@schemeID") == ["0204"]
    later = kept_xml(svc, svc.post(svc.create(german_payload(acme)).id).id)
    assert b'schemeID="EM">ap@northwind.example<' in later


def test_a_sellers_e_invoice_address_that_no_e_invoice_can_state_is_refused(settings):
    from oro_invoices.integration.config import InvalidSetting
    with pytest.raises(InvalidSetting, match=r"invalid value '4035811991021': Must be an email address or a Peppol "
                                             r"participant id written scheme:id, such as 0088:4035811991021\."):
        settings.set("oro_invoices.seller.electronic_address", "4035811991021")
    assert settings.stored("oro_invoices.seller.electronic_address") is None


def test_an_xrechnung_without_buyer_reference_says_what_to_set_in_english_and_in_the_readers_language(
        svc, host, settings, acme):
    """BR-DE-15 in the add-on's words, as R003 (not the XRechnung rules' German "Das Element …"):
    English where the API and the command line say it, the reader's language on a page."""
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    host.customers.customers[acme.id] = dataclasses.replace(acme, buyer_reference="")
    draft = svc.create(german_payload(acme))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert str(caught.value.message) == (
        f"Invoice Draft #{draft.id} was not posted: its XRechnung 3.0 e-invoice breaks 1 rule: [BR-DE-15] The invoice "
        "has no buyer reference (BT-10), which XRechnung requires (the Leitweg-ID of a public buyer): set the "
        "customer's buyer reference (CustomerRef.buyer_reference) or state one on the invoice (buyer.reference).")
    assert list(dict(caught.value.errors)) == ["BR-DE-15"]
    assert translate("de", caught.value.message).endswith(
        "verletzt 1 Regel: [BR-DE-15] Die Rechnung hat keine Käuferreferenz (BT-10), die XRechnung verlangt (bei "
        "einem öffentlichen Auftraggeber die Leitweg-ID): Legen Sie die Käuferreferenz des Kunden fest "
        "(CustomerRef.buyer_reference) oder geben Sie eine auf der Rechnung an (buyer.reference).")


def test_a_ubl_credit_note_of_an_invoice_without_buyer_reference_says_where_to_give_one(svc, host, settings, acme):
    """R003 holds for credit notes too: the shop knows no purchase order (BT-13) and the credited
    invoice's number is no buyer reference, so the reference is asked for when crediting."""
    host.customers.customers[acme.id] = dataclasses.replace(acme, buyer_reference="")
    invoice = svc.post(svc.create(german_payload(acme)).id)    # posted as Factur-X: no BT-10 needed
    settings.set("oro_invoices.einvoice.profile", "ubl")
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.create_credit_note(invoice.id, {"full": True}, actor="admin")
    assert (f"[PEPPOL-EN16931-R003] The credit note has no buyer reference (BT-10) and no purchase order reference "
            f"(BT-13), one of which Peppol requires, and invoice {invoice.invoice_number}, which it credits, states "
            "none either: give the buyer's reference when creating the credit note (Buyer reference on the Create "
            "Credit Note form, buyer_reference in POST /api/invoices/{id}/credit-notes) or set the customer's buyer "
            "reference (CustomerRef.buyer_reference).") in caught.value.message
    assert svc.credit_notes_of(invoice.id) == []
    note = svc.create_credit_note(invoice.id, {"full": True, "buyer_reference": " PO-4471 "},
                                  actor="admin").credit_note
    assert note.buyer.reference == "PO-4471"
    xml = kept_xml(svc, note.id)
    assert ubl.element_texts(xml, "/*/cbc:BuyerReference") == ["PO-4471"]
    assert rules.errors(rules.check_peppol(xml)) == []


NO_SELLER_ADDRESS = ("[PEPPOL-EN16931-R020] The seller has no electronic address (BT-34): set the seller's E-Invoice "
                     "Address (oro_invoices.seller.electronic_address, an invoicing email or a Peppol participant id) "
                     "or its contact email (oro_invoices.seller.contact_email).")


@pytest.mark.parametrize(("profile", "label"), [("ubl", "EN 16931 UBL"), ("xrechnung_ubl", "XRechnung 3.0 UBL"),
                                                ("xrechnung", "XRechnung 3.0")])
def test_no_seller_electronic_address_refuses_posting_naming_the_setting(svc, settings, acme, profile, label):
    settings.apply({"oro_invoices.einvoice.profile": profile, "oro_invoices.seller.contact_email": ""})
    draft = svc.create(german_payload(acme))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert caught.value.message.startswith(f"Invoice Draft #{draft.id} was not posted: its {label} e-invoice breaks")
    assert NO_SELLER_ADDRESS in caught.value.message and caught.value.message.count("R020") == 1
    assert "PEPPOL-EN16931-R020" in dict(caught.value.errors)
    assert not svc.get(draft.id).is_posted


def test_the_sellers_e_invoice_address_alone_keeps_r020(svc, settings, acme):
    settings.apply({"oro_invoices.einvoice.profile": "ubl", "oro_invoices.seller.contact_email": "",
                    "oro_invoices.seller.electronic_address": "0088:4035811991021"})
    xml = kept_xml(svc, svc.post(svc.create(german_payload(acme)).id).id)
    assert ubl.element_texts(xml, "//cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == ["4035811991021"]
    assert rules.errors(rules.check_peppol(xml)) == []


def test_post_without_posts_a_plain_pdf_when_the_seller_has_no_electronic_address(svc, settings, acme):
    settings.apply({"oro_invoices.einvoice.profile": "ubl", "oro_invoices.seller.contact_email": "",
                    "oro_invoices.einvoice.on_invalid": "post_without"})
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert posted.is_posted and not posted.einvoice_kept
    (entry,) = [a for a in svc.history(posted.id).activities if a.kind == "einvoice"]
    assert entry.summary == "Posted without an e-invoice: the EN 16931 UBL XML breaks PEPPOL-EN16931-R020"


def test_a_ubl_credit_note_without_seller_electronic_address_is_refused(svc, settings, acme):
    invoice = svc.post(svc.create(german_payload(acme)).id)
    settings.apply({"oro_invoices.einvoice.profile": "ubl", "oro_invoices.seller.contact_email": ""})
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.create_credit_note(invoice.id, {"full": True}, actor="admin")
    assert NO_SELLER_ADDRESS in caught.value.message
    assert svc.credit_notes_of(invoice.id) == []
