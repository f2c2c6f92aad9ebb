"""Posting makes the e-invoice: the stored PDF/A-3 carries the checked XML of the frozen invoice."""
import dataclasses
import io
import re
from decimal import Decimal

import pikepdf
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from support.certificates import write_pkcs12
from support.einvoices import SELLER_SETTINGS, german_payload, stored_pdf, texts, total
from support.payloads import invoice_payload
from support.pdfs import pdf_text

from oro_invoices.documents.einvoice import rules
from oro_invoices.documents.render import PdfRenderer
from oro_invoices.domain.errors import ConfigurationError, EInvoiceInvalid, NotFound, ValidationError
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import InvalidSetting, Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.models import Activity, Invoice, InvoiceDocumentRow
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import verify

FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


@pytest.mark.parametrize("profile", ["en16931", "basic"])
def test_the_posted_pdf_carries_the_valid_xml_of_the_frozen_invoice(svc, settings, acme, profile):
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(german_payload(acme)).id)
    pdf = stored_pdf(svc, posted.id)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        spec = document.attachments["factur-x.xml"]
        xml = spec.get_file().read_bytes()
        assert document.Root.AF[0].AFRelationship == pikepdf.Name.Data
        assert spec.obj.AFRelationship == pikepdf.Name.Data
        assert str(spec.get_file().obj.Subtype) == "/text/xml"
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta[f"{{{FX}}}DocumentFileName"] == "factur-x.xml"
        assert meta[f"{{{FX}}}ConformanceLevel"] == {"en16931": "EN 16931", "basic": "BASIC"}[profile]
        assert document.Root.OutputIntents[0].S == pikepdf.Name.GTS_PDFA1
    assert rules.check(xml, profile) == []  # the XSD and every schematron rule, warnings included
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["factur-x.xml"] and reader.attachments["factur-x.xml"] == [xml]
    # The same number, dates, parties and amounts in the PDF's text and in the XML
    text = pdf_text(pdf)
    assert texts(xml, "//rsm:ExchangedDocument/ram:ID") == [posted.invoice_number]
    assert posted.invoice_number in text
    assert texts(xml, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == ["20261102"]
    assert "Nov 2, 2026" in text and "Dec 2, 2026" in text
    assert total(xml, "GrandTotalAmount") == posted.total_amount == Decimal("231.86")
    assert total(xml, "TaxTotalAmount") == posted.tax_amount
    assert total(xml, "LineTotalAmount") == posted.subtotal == Decimal("209.97")
    assert [Decimal(v) for v in texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
                                           "/ram:CalculatedAmount")] == [t.amount for t in posted.taxes]
    for amount in (posted.subtotal, *(t.amount for t in posted.taxes), posted.total_amount):
        assert f"€{amount}" in text
    assert texts(xml, "//ram:SellerTradeParty/ram:Name") == ["Northwind Supply GmbH"]
    assert texts(xml, "//ram:BuyerTradeParty/ram:Name") == ["Acme Industries AG"]
    assert "Northwind Supply GmbH" in text and "Acme Industries AG" in text
    # The bank details and the payment reference are printed, as the XML gives them
    assert texts(xml, "//ram:IBANID") == ["DE89370400440532013000"]
    assert "DE89 3704 0044 0532 0130 00" in text and "COBADEFFXXX" in text
    assert re.search(rf"Payment reference\s+{re.escape(posted.invoice_number)}", text)


def test_the_buyer_data_is_frozen_from_the_host_at_posting(svc, db, storage, host, acme):
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert (posted.buyer.vat_id, posted.buyer.country_code, posted.buyer.reference) \
        == ("DE136695976", "DE", "04011000-12345-03")
    host.customers.customers[acme.id] = acme.__class__(acme.id, acme.name, organization_id=1, vat_id="DE129273398")
    assert svc.get(posted.id).buyer.vat_id == "DE136695976"
    _, xml = svc.open_xml(posted.id)
    assert texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE136695976"]
    assert texts(xml, "//ram:BuyerReference") == ["04011000-12345-03"]
    assert verify(db, storage).ok  # the buyer snapshot is in the hash chain, and it holds


def test_what_the_invoice_states_of_the_buyer_wins_and_the_rest_comes_from_the_customer(svc, db, storage, acme):
    """An ERP knows the buyer's VAT id and Leitweg-ID of each invoice; a part it leaves out is
    the customer's at posting."""
    draft = svc.create(german_payload(acme, buyer={"vat_id": " ATU13585627 ", "reference": ""}))
    assert draft.buyer.as_dict() == {"vat_id": "ATU13585627", "country_code": "", "reference": ""}
    posted = svc.post(draft.id)
    assert posted.buyer.as_dict() == {"vat_id": "ATU13585627", "country_code": "DE",
                                      "reference": "04011000-12345-03"}
    _, xml = svc.open_xml(posted.id)
    assert texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["ATU13585627"]
    assert verify(db, storage).ok


def test_a_buyer_without_a_customer_keeps_the_vat_id_a_reverse_charge_needs(svc):
    """BR-AE-02: a reverse-charge invoice names the buyer's VAT id; with no customer to take it
    from, the invoice states it."""
    lines = [{"description": "Consulting", "quantity": "10", "unit_price": "120", "tax_rate": "0",
              "tax_category": "AE"}]
    payload = invoice_payload(currency="EUR", customer_id=None, customer_user_id=None, order_id=None,
                              customer_name="Wiener Werkstätten GmbH", lines=lines,
                              bill_to={"name": "Wiener Werkstätten GmbH", "street": "Ring 1", "city": "Wien",
                                       "postal_code": "1010", "country": "AT"})
    with pytest.raises(EInvoiceInvalid):
        svc.post(svc.create(payload).id)
    posted = svc.post(svc.create({**payload, "buyer": {"vat_id": "ATU13585627"}}).id)
    assert (posted.buyer.vat_id, posted.buyer.country_code) == ("ATU13585627", "AT")   # the country: billing's
    _, xml = svc.open_xml(posted.id)
    assert texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["ATU13585627"]


@pytest.mark.parametrize(("buyer", "field", "message"), [
    ({"country_code": "Germany"}, "buyer.country_code", "Must be an ISO 3166-1 country code such as 'DE' (or empty)."),
    ({"vat": "DE1"}, "buyer.vat", "Unknown field."),
    ({"reference": "x" * 256}, "buyer.reference", "At most 255 characters."),
    ({"reference": "04011000-\u200b1234512345-06"}, "buyer.reference", "Must not contain U+200B ZERO WIDTH SPACE: an "
     "invisible character, which the e-invoice would state without anyone seeing it."),
    ({"electronic_address": "4035811991021"}, "buyer.electronic_address",
     "Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021."),
    *(({"electronic_address": address}, "buyer.electronic_address",
       "Must be an email address or a Peppol participant id written scheme:id, such as 0088:4035811991021.")
      for address in ("@", "billing@", "@acme.example", "billing@@acme.example", "billing@acme\u200b.example",
                      "0088:40358\u200b11991021")),
])
def test_a_wrong_buyer_is_refused_on_its_field(svc, acme, buyer, field, message):
    with pytest.raises(ValidationError) as refused:
        svc.create(german_payload(acme, buyer=buyer))
    assert refused.value.errors == [(field, message)]


def test_an_invalid_einvoice_refuses_the_posting_with_the_rules_and_writes_nothing(svc, db, storage, acme):
    draft = svc.create(german_payload(acme, lines=[
        {"description": "Consulting", "quantity": "10", "unit_price": "120", "tax_rate": "0",
         "tax_category": "AE"}]))
    svc.context.host.customers.customers[acme.id] = acme.__class__(acme.id, acme.name, organization_id=1,
                                                                     country_code="FR")
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert "BR-AE-02" in dict(caught.value.errors)
    assert f"Invoice Draft #{draft.id} was not posted" in caught.value.message
    assert "[BR-AE-02]" in caught.value.message
    assert not svc.get(draft.id).is_posted
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InvoiceDocumentRow)) == 0
        assert s.scalar(select(Invoice.invoice_number).where(Invoice.id == draft.id)) is None
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.kind == "einvoice")) == 0


@pytest.mark.parametrize(("profile", "label"), [("en16931", "Factur-X EN 16931"), ("ubl", "EN 16931 UBL")])
def test_post_without_posts_a_plain_pdf_and_records_the_broken_rules(svc, settings, acme, profile, label):
    settings.apply({"oro_invoices.einvoice.on_invalid": "post_without", "oro_invoices.einvoice.profile": profile})
    svc.context.host.customers.customers[acme.id] = acme.__class__(acme.id, acme.name, organization_id=1,
                                                                     country_code="FR", buyer_reference="ACME-AP-7")
    posted = svc.post(svc.create(german_payload(acme, lines=[
        {"description": "Consulting", "quantity": "10", "unit_price": "120", "tax_rate": "0",
         "tax_category": "AE"}])).id)
    assert posted.is_posted and posted.pdf is not None and not posted.einvoice_kept
    assert PdfReader(io.BytesIO(stored_pdf(svc, posted.id))).attachments == {}
    assert posted.pdf.carries_xml is False and not svc.offers_xml(posted)       # no Download XML to nothing
    (entry,) = [a for a in svc.history(posted.id).activities if a.kind == "einvoice"]
    assert entry.summary.startswith(f"Posted without an e-invoice: the {label} XML breaks BR-AE-02")
    assert entry.data["attached"] is False and entry.data["broken"][0]["rule"] == "BR-AE-02"
    with pytest.raises(NotFound, match="has no e-invoice"):
        svc.open_xml(posted.id)


def test_off_by_default_posting_stores_the_plain_pdf(db, storage, host, acme):
    svc = InvoiceService(db, plugins=get_plugin_manager(False), settings=Settings(host.config),
                         storage=storage, renderer=PdfRenderer(), host=host)
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert PdfReader(io.BytesIO(stored_pdf(svc, posted.id))).attachments == {}
    assert not any(a.kind == "einvoice" for a in svc.history(posted.id).activities)


def test_download_xml_is_offered_where_the_stored_pdf_carries_xml_whatever_the_setting_is_now(svc, settings, acme):
    hybrid = svc.post(svc.create(german_payload(acme)).id)
    settings.set("oro_invoices.einvoice.enabled", False)
    plain = svc.post(svc.create(german_payload(acme)).id)
    settings.set("oro_invoices.einvoice.enabled", True)       # on again: the plain one still has none
    assert (hybrid.pdf.carries_xml, plain.pdf.carries_xml) == (True, False)
    assert (svc.offers_xml(hybrid), svc.offers_xml(plain)) == (True, False)
    settings.set("oro_invoices.einvoice.enabled", False)      # off: the hybrid's XML is still there
    assert svc.offers_xml(svc.get(hybrid.id)) and svc.open_xml(hybrid.id)[1] == xml_in(stored_pdf(svc, hybrid.id))
    # a PDF stored before what it carries was recorded: as the setting says
    unknown = dataclasses.replace(plain, pdf=dataclasses.replace(plain.pdf, carries_xml=None))
    assert not svc.offers_xml(unknown)
    settings.set("oro_invoices.einvoice.enabled", True)
    assert svc.offers_xml(unknown)


def test_an_uploaded_or_imported_pdf_is_looked_into_for_its_xml(svc, settings, acme):
    hybrid_bytes = stored_pdf(svc, svc.post(svc.create(german_payload(acme)).id).id)
    settings.set("oro_invoices.generate_pdf_on_post", False)
    uploaded = svc.post(svc.create(german_payload(acme)).id)
    uploaded = svc.attach_pdf(uploaded.id, hybrid_bytes)
    plain = svc.post(svc.create(german_payload(acme)).id)
    plain = svc.attach_pdf(plain.id, _minimal_pdf())
    imported = svc.create(german_payload(acme, status="posted"), pdf=hybrid_bytes)
    assert [d.pdf.carries_xml for d in (uploaded, plain, imported)] == [True, False, True]
    assert [svc.offers_xml(d) for d in (uploaded, plain, imported)] == [True, False, True]


def test_a_pdf_made_after_posting_carries_the_xml_too(svc, db, storage, settings, acme):
    settings.set("oro_invoices.generate_pdf_on_post", False)
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert posted.pdf is None
    settings.set("oro_invoices.generate_pdf_on_post", True)
    completed = svc.ensure_pdf(posted.id)
    assert completed.pdf.carries_xml is True and svc.offers_xml(completed)
    _, xml = svc.open_xml(posted.id)
    assert rules.check(xml, "en16931") == []
    assert verify(db, storage).ok


def test_tax_categories_are_stored_frozen_and_shown(svc, acme):
    posted = svc.post(svc.create(german_payload(acme, lines=[
        {"description": "Medical service", "quantity": "1", "unit_price": "80", "tax_rate": "0",
         "tax_category": "E", "tax_exemption_reason": "Exempt under § 4 Nr. 14 UStG"},
        {"description": "Widget", "quantity": "2", "unit_price": "10", "tax_rate": "0.19"}])).id)
    assert [(l.tax_category.value, l.tax_exemption_reason) for l in posted.lines] \
        == [("E", "Exempt under § 4 Nr. 14 UStG"), ("S", "")]
    assert [(t.category.value, t.exemption_reason) for t in posted.taxes] \
        == [("E", "Exempt under § 4 Nr. 14 UStG"), ("S", "")]
    _, xml = svc.open_xml(posted.id)
    assert texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason") \
        == ["Exempt under § 4 Nr. 14 UStG"]
    assert "Tax 0% (E: Exempt under § 4 Nr. 14" in pdf_text(stored_pdf(svc, posted.id))


@pytest.mark.parametrize("line,field,message", [
    ({"tax_category": "X"}, "tax_category", "Must be one of S, Z, E, AE, K, G, O"),
    ({"tax_category": "E", "tax_rate": "0"}, "tax_category", "needs tax_exemption_reason"),
    ({"tax_category": "AE", "tax_rate": "0.19"}, "tax_category", "charged at tax rate 0"),
    ({"tax_category": "S", "tax_rate": "0"}, "tax_category", "needs a tax rate above 0"),
])
def test_a_wrong_tax_category_is_refused_on_its_field(svc, line, field, message):
    payload = invoice_payload()
    payload["lines"][0].update(line)
    with pytest.raises(ValidationError) as caught:
        svc.create(payload)
    errors = dict(caught.value.errors)
    assert message in errors[f"lines[0].{field}"]


@pytest.mark.parametrize("key,value,message", [
    ("iban", "DE89370400440532013001", "is not a valid IBAN: its check digits are wrong."),
    ("bic", "XXXXXXXX", "is not a valid BIC"),
    ("vat_id", "DE811234567", "is not a valid VAT identification number"),
    ("country_code", "XX", "is not an ISO 3166-1 country code"),
])
def test_bad_bank_and_tax_data_is_refused_when_saved(settings, key, value, message):
    with pytest.raises(InvalidSetting) as caught:
        settings.set(f"oro_invoices.seller.{key}", value, "organization", 1)
    assert message in str(caught.value)
    assert settings.value(f"oro_invoices.seller.{key}") == SELLER_SETTINGS.get(key, "")


def test_an_iban_is_saved_compact():
    settings = Settings(MemoryHost().config)
    assert settings.set("oro_invoices.seller.iban", " de89 3704 0044 0532 0130 00 ") == "DE89370400440532013000"


@pytest.fixture
def pkcs12(tmp_path, monkeypatch):
    """A self-signed certificate and key in a passphrase-protected PKCS#12 file."""
    path = tmp_path / "signing.p12"
    cert = write_pkcs12(path, b"s3cret")
    monkeypatch.setenv("ORO_INVOICES_SIGNING_PASSPHRASE", "s3cret")
    return path, cert


def test_a_configured_certificate_signs_the_hybrid_and_keeps_the_xml(svc, settings, acme, pkcs12):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    path, cert = pkcs12
    settings.set("oro_invoices.einvoice.signing_certificate", str(path))
    posted = svc.post(svc.create(german_payload(acme)).id)
    pdf = stored_pdf(svc, posted.id)
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    trust = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    # on a thread of its own: pyHanko runs an event loop, and a browser test may hold this one's
    status = _on_own_thread(lambda: validate_pdf_signature(signature, ValidationContext(trust_roots=[trust])))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    assert signature.signer_cert.subject.human_friendly == "Common Name: Northwind Supply GmbH"
    _, xml = svc.open_xml(posted.id)
    assert rules.check(xml, "en16931") == []


def test_signing_works_inside_a_running_event_loop(pkcs12):
    """An ASGI host may post from inside its event loop: signing must not call asyncio.run there."""
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader

    from oro_invoices.documents.einvoice import signing
    path, _ = pkcs12
    pdf = _minimal_pdf()

    async def in_the_loop() -> bytes:
        return signing.sign(pdf, str(path))

    signed = _on_own_thread(lambda: asyncio.run(in_the_loop()))
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert signature.field_name == signing.FIELD_NAME


def _on_own_thread(call):
    """``call()`` on a new thread (one that has no event loop running)."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _minimal_pdf() -> bytes:
    import pikepdf
    out = io.BytesIO()
    document = pikepdf.new()
    document.add_blank_page()
    document.save(out)
    return out.getvalue()


def test_a_wrong_passphrase_refuses_the_posting_and_says_why(svc, settings, acme, pkcs12, monkeypatch):
    path, _ = pkcs12
    settings.set("oro_invoices.einvoice.signing_certificate", str(path))
    monkeypatch.setenv("ORO_INVOICES_SIGNING_PASSPHRASE", "wrong")    # changed since the certificate was saved
    draft = svc.create(german_payload(acme))
    with pytest.raises(ConfigurationError, match="ORO_INVOICES_SIGNING_PASSPHRASE") as caught:
        svc.post(draft.id)
    assert f"Invoice Draft #{draft.id} was not posted" in str(caught.value)
    assert not svc.get(draft.id).is_posted


def test_export_records_carry_only_the_categories_a_line_does_not_get_by_itself(svc, acme):
    from oro_invoices.services.import_payloads import document_payload
    draft = svc.create(german_payload(acme, lines=[
        {"description": "Medical service", "quantity": "1", "unit_price": "80", "tax_rate": "0",
         "tax_category": "E", "tax_exemption_reason": "Exempt under § 4 Nr. 14 UStG"},
        {"description": "Widget", "quantity": "2", "unit_price": "10", "tax_rate": "0.19", "tax_category": "S"}]))
    lines = document_payload(draft)["lines"]
    assert (lines[0]["tax_category"], lines[0]["tax_exemption_reason"]) == ("E", "Exempt under § 4 Nr. 14 UStG")
    assert "tax_category" not in lines[1]
    again = svc.create(german_payload(acme, lines=lines))
    assert [(l.tax_category, l.tax_exemption_reason) for l in again.lines] \
        == [(l.tax_category, l.tax_exemption_reason) for l in draft.lines]


def test_an_xrechnung_is_posted_checked_by_the_kosit_rules_and_downloadable_as_xml(svc, settings, acme):
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    posted = svc.post(svc.create(german_payload(acme)).id)
    pdf = stored_pdf(svc, posted.id)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert document.open_metadata()[f"{{{FX}}}ConformanceLevel"] == "XRECHNUNG"
    _, xml = svc.open_xml(posted.id)
    assert xml.startswith(b"<?xml") and rules.check(xml, "xrechnung") == []
    assert texts(xml, "//ram:BuyerReference") == ["04011000-12345-03"]
    entry = next(a for a in svc.history(posted.id).activities if a.kind == "einvoice")
    assert entry.summary == "XRechnung 3.0 e-invoice attached (factur-x.xml)"


def test_an_xrechnung_without_leitweg_id_is_refused_naming_br_de_15(svc, db, settings, host):
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    city = host.add_customer("Stadt Musterhausen", vat_id="DE136695976", country_code="DE")
    draft = svc.create(german_payload(city))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert list(dict(caught.value.errors)) == ["BR-DE-15"]
    assert "its XRechnung 3.0 e-invoice breaks 1 rule: [BR-DE-15]" in caught.value.message
    assert "(BT-10)" in caught.value.message
    assert not svc.get(draft.id).is_posted
    settings.set("oro_invoices.einvoice.on_invalid", "post_without")
    posted = svc.post(draft.id)
    entry = next(a for a in svc.history(posted.id).activities if a.kind == "einvoice")
    assert entry.summary == "Posted without an e-invoice: the XRechnung 3.0 XML breaks BR-DE-15"


def test_a_delivery_period_is_frozen_in_the_hash_chain_and_in_the_xml(svc, db, storage, acme, drop_guards):
    posted = svc.post(svc.create(german_payload(acme, delivery_period_start="2026-10-01",
                                                delivery_period_end="2026-10-31")).id)
    assert (posted.delivery_period_start.isoformat(), posted.delivery_period_end.isoformat()) \
        == ("2026-10-01", "2026-10-31") and posted.delivery_date is None
    _, xml = svc.open_xml(posted.id)
    assert texts(xml, "//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == ["20261031"]
    assert texts(xml, "//ram:ActualDeliverySupplyChainEvent") == []
    assert re.search(r"Delivery period\s+Oct 1, 2026 – Oct 31, 2026", pdf_text(stored_pdf(svc, posted.id)))
    assert verify(db, storage).ok
    drop_guards()
    with db.engine.begin() as conn:  # a changed period no longer matches the chain link
        conn.exec_driver_sql(f"UPDATE oro_invoice_invoice SET delivery_period_end = NULL WHERE id = {posted.id}")
    report = verify(db, storage)
    assert any(posted.invoice_number in p and "content does not match" in p for p in report.problems), \
        report.problems


@pytest.mark.parametrize("profile", ["en16931", "basic", "xrechnung"])
def test_the_stored_hybrid_passes_the_structural_pdfa_3b_checks(svc, settings, acme, profile):
    from support.pdfa import pdfa3b_problems
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert pdfa3b_problems(stored_pdf(svc, posted.id)) == []


def test_the_signed_hybrid_still_passes_the_structural_pdfa_3b_checks(svc, settings, acme, pkcs12):
    from support.pdfa import pdfa3b_problems
    settings.set("oro_invoices.einvoice.signing_certificate", str(pkcs12[0]))
    posted = svc.post(svc.create(german_payload(acme)).id)
    assert pdfa3b_problems(stored_pdf(svc, posted.id)) == []


def test_the_structural_checks_catch_what_they_check(svc, acme):
    from support.pdfa import pdfa3b_problems
    posted = svc.post(svc.create(german_payload(acme)).id)
    pdf = stored_pdf(svc, posted.id)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                for each in [font, *font.get("/DescendantFonts", [])]:
                    descriptor = each.get("/FontDescriptor")
                    if descriptor is not None:
                        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                            if key in descriptor:
                                del descriptor[key]
        del document.Root.OutputIntents
        del document.attachments["factur-x.xml"]
        document.Root.AF = pikepdf.Array([])
        document.attachments["notes.txt"] = pikepdf.AttachedFileSpec(document, b"hello", filename="notes.txt")
        out = io.BytesIO()
        document.save(out)
    problems = pdfa3b_problems(out.getvalue())
    assert "no GTS_PDFA1 output intent" in problems
    assert any("is not embedded" in p for p in problems)
    assert "notes.txt has no MIME type (/Subtype)" in problems
    assert "notes.txt has no modification date (/Params /ModDate)" in problems
    plain = PdfRenderer().render(svc.get(posted.id))
    assert "no GTS_PDFA1 output intent" in pdfa3b_problems(plain)  # not PDF/A


def test_without_the_xrechnung_rules_posting_is_refused_naming_the_extra(svc, db, settings, acme, monkeypatch):
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    monkeypatch.setattr(rules, "XRECHNUNG_PACKAGE", "no_such_package_here")
    monkeypatch.setattr(rules, "_stylesheets", {})  # as in a process that has not compiled them yet
    draft = svc.create(german_payload(acme))
    with pytest.raises(ConfigurationError, match=r"The XRechnung 3.0 e-invoice cannot be checked: .*"
                                                 r"pip install 'oro-invoices\[xrechnung\]'"):
        svc.post(draft.id)
    assert not svc.get(draft.id).is_posted
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InvoiceDocumentRow)) == 0


def test_an_invoice_with_a_coupon_line_posts_as_a_valid_einvoice(svc, acme):
    """A negative line (a coupon, a discount) once broke BR-27 and refused the posting."""
    posted = svc.post(svc.create(german_payload(acme, lines=[
        {"description": "Chair", "quantity": "2", "unit_price": "100", "tax_rate": "0.19"},
        {"description": "Coupon SPRING10", "quantity": "1", "unit_price": "-20", "tax_rate": "0.19"}])).id)
    assert posted.total_amount == Decimal("214.20")
    _, xml = svc.open_xml(posted.id)
    assert rules.check(xml, "en16931") == []
    assert total(xml, "GrandTotalAmount") == posted.total_amount


@pytest.mark.parametrize("where, msgid", [
    ("missing", "The signing certificate %(path)s cannot be read: %(reason)s."),
    ("directory", "The signing certificate %(path)s could not be opened: not a PKCS#12 file, or the passphrase in "
                  "$%(variable)s is wrong.")])
def test_an_unusable_certificate_refuses_the_posting_in_the_readers_language(svc, settings, acme, tmp_path, where,
                                                                              msgid):
    from oro_invoices.i18n import translate

    path = tmp_path / "missing.p12" if where == "missing" else tmp_path
    # saving refuses such a path (test_signing_certificate_setting): the file went away since
    settings.store.save("oro_invoices.einvoice.signing_certificate", str(path), "global", None)
    draft = svc.create(german_payload(acme))
    with pytest.raises(ConfigurationError) as caught:
        svc.post(draft.id)
    assert f"The signing certificate {str(path)!r} c" in str(caught.value)
    detail = caught.value.message.values["detail"]        # a message, not English text
    assert getattr(detail, "msgid", None) == msgid
    assert translate("de", detail) == translate("de", detail.msgid) % detail.values
    assert not svc.get(draft.id).is_posted
