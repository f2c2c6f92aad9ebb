"""The e-invoice through the API: the XML download, the tax categories, a refused posting (422)."""
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader
from support.api import make_http
from support.einvoices import SELLER_SETTINGS, UBL_CREDIT_NOTE, UBL_INVOICE, texts
from support.freeze import forget_seller_address
from support.pdfs import pdf_text

from oro_invoices.documents import LocalStorage, PdfRenderer
from oro_invoices.documents.einvoice import rules, ubl
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService


@pytest.fixture
def einvoice_api(db, settings, tmp_path):
    settings.apply({"oro_invoices.einvoice.enabled": True,
                    **{f"oro_invoices.seller.{k}": v for k, v in SELLER_SETTINGS.items()}})
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())
    return make_http(service, settings)


@pytest.mark.parametrize("profile", ["en16931", "ubl"])
def test_the_xml_is_downloaded_as_issued(einvoice_api, settings, profile):
    """A CII XML as the stored PDF carries it; a UBL one as it was kept at posting, beside a PDF
    that carries none."""
    settings.set("oro_invoices.einvoice.profile", profile)
    created = einvoice_api.create(currency="EUR", invoice_number="ACME/2026/5", buyer={"reference": "PO-4471"})
    assert einvoice_api.get(f"/api/invoices/{created['id']}/xml").status_code == 409  # a draft
    einvoice_api.post(f"/api/invoices/{created['id']}/post")
    resp = einvoice_api.get(f"/api/invoices/{created['id']}/xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="invoice-ACME-2026-5.xml"'
    xml = resp.get_data()
    attached = PdfReader(io.BytesIO(einvoice_api.get(f"/api/invoices/{created['id']}/pdf").get_data())).attachments
    if profile == "ubl":
        assert attached == {} and ubl.element_texts(xml, "/*/cbc:ID") == ["ACME/2026/5"]
    else:
        assert attached["factur-x.xml"] == [xml] and texts(xml, "//rsm:ExchangedDocument/ram:ID") == ["ACME/2026/5"]
    assert rules.check(xml, profile) == []
    stranger = einvoice_api.get(f"/api/invoices/{created['id']}/xml", token="tok-other")
    assert stranger.status_code == einvoice_api.get(f"/api/invoices/{created['id']}/pdf", token="tok-other").status_code
    assert stranger.status_code in (403, 404) and b"<?xml" not in stranger.get_data()


def test_tax_categories_go_in_and_come_out(einvoice_api):
    created = einvoice_api.create(currency="EUR", lines=[
        {"description": "Export crate", "quantity": "1", "unit_price": "500", "tax_rate": "0",
         "tax_category": "G"},
        {"description": "Widget", "quantity": "2", "unit_price": "10", "tax_rate": "0.19"}])
    assert [(l["tax_category"], l["tax_exemption_reason"]) for l in created["lines"]] == [("G", ""), ("S", "")]
    assert [(t["tax_category"], t["exemption_reason"]) for t in created["taxes"]] \
        == [("G", "Export outside the EU"), ("S", "")]
    posted = einvoice_api.post(f"/api/invoices/{created['id']}/post").get_json()
    assert posted["buyer"] == {"vat_id": "", "country_code": "US", "reference": ""}
    xml = einvoice_api.get(f"/api/invoices/{created['id']}/xml").get_data()
    assert texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode") == ["G", "S"]


def test_a_refused_posting_answers_422_with_the_rule_ids(einvoice_api):
    created = einvoice_api.create(currency="EUR", lines=[
        {"description": "Consulting", "quantity": "10", "unit_price": "120", "tax_rate": "0",
         "tax_category": "AE"}])
    resp = einvoice_api.post(f"/api/invoices/{created['id']}/post")
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.get_json()["errors"]}
    assert "BR-AE-02" in errors and "Reverse charge" in errors["BR-AE-02"]
    assert einvoice_api.get(f"/api/invoices/{created['id']}").get_json()["status"] == "draft"


def test_a_bad_tax_category_is_refused_on_its_field(einvoice_api):
    resp = einvoice_api.post("/api/invoices", {**einvoice_api_payload(), "lines": [
        {"description": "X", "quantity": "1", "unit_price": "1", "tax_rate": "0", "tax_category": "E"}]})
    assert resp.status_code == 422
    assert any(e["field"] == "lines[0].tax_category" and "tax_exemption_reason" in e["message"]
               for e in resp.get_json()["errors"])


def einvoice_api_payload():
    from support.api import api_payload
    return api_payload(currency="EUR")


def test_an_xrechnung_without_buyer_reference_answers_422_naming_br_de_15(einvoice_api, settings):
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    created = einvoice_api.create(currency="EUR")
    resp = einvoice_api.post(f"/api/invoices/{created['id']}/post")
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.get_json()["errors"]}
    assert errors == {"BR-DE-15": "The invoice has no buyer reference (BT-10), which XRechnung requires (the "
                                  "Leitweg-ID of a public buyer): set the customer's buyer reference "
                                  "(CustomerRef.buyer_reference) or state one on the invoice (buyer.reference)."}
    assert einvoice_api.get(f"/api/invoices/{created['id']}").get_json()["status"] == "draft"


def test_the_delivery_date_and_period_go_in_come_out_and_are_in_the_xml(einvoice_api):
    created = einvoice_api.create(currency="EUR", delivery_date="2026-10-28",
                                  delivery_period_start="2026-10-01", delivery_period_end="2026-10-31")
    assert (created["delivery_date"], created["delivery_period_start"], created["delivery_period_end"]) \
        == ("2026-10-28", "2026-10-01", "2026-10-31")
    einvoice_api.post(f"/api/invoices/{created['id']}/post")
    xml = einvoice_api.get(f"/api/invoices/{created['id']}/xml").get_data()
    assert texts(xml, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") \
        == ["20261028"]
    assert texts(xml, "//ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString") == ["20261001"]
    assert texts(xml, "//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == ["20261031"]
    pdf = einvoice_api.get(f"/api/invoices/{created['id']}/pdf").get_data()
    assert "Delivery date" in pdf_text(pdf) and "Oct 28, 2026" in pdf_text(pdf)


def test_a_delivery_period_ending_before_it_starts_is_refused_on_its_field(einvoice_api):
    resp = einvoice_api.post("/api/invoices", {**einvoice_api_payload(), "delivery_period_start": "2026-10-31",
                                               "delivery_period_end": "2026-10-01"})
    assert resp.status_code == 422
    assert {e["field"]: e["message"] for e in resp.get_json()["errors"]} \
        == {"delivery_period_end": "Must not be before delivery_period_start."}


def posted_einvoice(api) -> tuple[dict, bytes, bytes]:
    created = api.create(currency="EUR", invoice_number="ERP-2026-0042")
    posted = api.post(f"/api/invoices/{created['id']}/post").get_json()
    return (posted, api.get(f"/api/invoices/{created['id']}/pdf").get_data(),
            api.get(f"/api/invoices/{created['id']}/xml").get_data())


def test_a_factur_x_pdf_posted_to_the_api_becomes_a_posted_invoice_with_that_pdf(einvoice_api):
    original, pdf, xml = posted_einvoice(einvoice_api)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=pdf, content_type="application/pdf",
                                token="tok-other")                      # organization 2 has no such number yet
    assert resp.status_code == 201, resp.get_data()
    assert resp.headers["Invoice-Write-Result"] == "created"
    body = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/invoices/{body['id']}")
    assert (body["status"], body["invoice_number"], body["external_id"], body["organization_id"], body["pdf"]["source"]) \
        == ("posted", "ERP-2026-0042", "ERP-2026-0042", 2, "imported")
    assert [(l["description"], Decimal(l["quantity"]), Decimal(l["unit_price"]), l["tax_rate"]) for l in body["lines"]] \
        == [(l["description"], Decimal(l["quantity"]), Decimal(l["unit_price"]), l["tax_rate"])
            for l in original["lines"]]
    assert body["total_amount"] == original["total_amount"]
    assert einvoice_api.get(f"/api/invoices/{body['id']}/pdf", token="tok-other").get_data() == pdf
    assert einvoice_api.get(f"/api/invoices/{body['id']}/xml", token="tok-other").get_data() == xml
    again = einvoice_api.request("POST", "/api/e-invoices", data=pdf, content_type="application/pdf",
                                 token="tok-other")
    assert (again.status_code, again.headers["Invoice-Write-Result"], again.get_json()["id"]) \
        == (200, "unchanged", body["id"])


def test_cii_xml_posted_to_the_api_gets_a_pdf_carrying_that_xml(einvoice_api):
    _, _, xml = posted_einvoice(einvoice_api)
    sent = xml.replace(b"ERP-2026-0042", b"ERP-2026-0043").replace(b"<ram:TypeCode>380</ram:TypeCode>",
                                                                   b"<ram:TypeCode>380</ram:TypeCode>\n    "
                                                                   b"<ram:IncludedNote><ram:Content>As agreed"
                                                                   b"</ram:Content></ram:IncludedNote>", 1)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml")
    assert resp.status_code == 201, resp.get_data()
    body = resp.get_json()
    assert (body["invoice_number"], body["pdf"]["source"]) == ("ERP-2026-0043", "generated")
    assert einvoice_api.get(f"/api/invoices/{body['id']}/xml").get_data() == sent   # the XML sent, note and all


def test_a_peppol_ubl_invoice_and_credit_note_posted_to_the_api_are_kept_as_sent(einvoice_api):
    created = []
    for example in (UBL_INVOICE, UBL_CREDIT_NOTE):
        resp = einvoice_api.request("POST", "/api/e-invoices", data=example.read_bytes(), content_type="text/xml")
        assert resp.status_code == 201, resp.get_data()
        created.append(resp.get_json())
    invoice, note = created
    assert (invoice["invoice_number"], invoice["document_type"], invoice["total_amount"], invoice["pdf"]["source"]) \
        == ("RE-2025-0118", "invoice", "737.52", "generated")
    assert (note["document_type"], note["credited_invoice"]["number"], note["credit_reason"]) \
        == ("credit_note", "RE-2025-0118", "One label printer returned unused")
    xml = einvoice_api.get(f"/api/invoices/{invoice['id']}/xml")
    assert xml.headers["Content-Disposition"] == 'attachment; filename="invoice-RE-2025-0118.xml"'
    assert xml.get_data() == UBL_INVOICE.read_bytes()
    pdf = einvoice_api.get(f"/api/invoices/{invoice['id']}/pdf").get_data()
    assert PdfReader(io.BytesIO(pdf)).attachments == {}           # Factur-X carries CII, not a second XML
    assert "RE-2025-0118" in pdf_text(pdf)
    again = einvoice_api.request("POST", "/api/e-invoices", data=UBL_INVOICE.read_bytes(),
                                 content_type="application/xml")
    assert (again.status_code, again.headers["Invoice-Write-Result"]) == (200, "unchanged")


def test_every_problem_of_an_e_invoice_comes_back_on_its_field(einvoice_api):
    _, _, xml = posted_einvoice(einvoice_api)
    (grand,) = texts(xml, "//ram:GrandTotalAmount")
    bad = re.sub(rb'(<ram:BilledQuantity unitCode="C62">)[^<]*<', rb"\g<1>0<",
                 xml.replace(b"ERP-2026-0042", b"ERP-2026-0044")
                 .replace(f"<ram:GrandTotalAmount>{grand}<".encode(), b"<ram:GrandTotalAmount>1.00<"), count=1)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=bad, content_type="application/xml")
    assert resp.status_code == 422
    # lines that do not load make no totals to compare; the line's net amount no longer matches its quantity
    first_net = texts(xml, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")[0]
    assert resp.get_json()["errors"] == [
        {"field": "lines[0].BT-131", "message": f"The line's net amount (BT-131) is {first_net}, but its quantity "
                                               "times its net price, with its allowances and charges, makes 0.00."},
        {"field": "lines[0].quantity", "message": "Must be greater than 0."}]
    fine_lines = xml.replace(b"ERP-2026-0042", b"ERP-2026-0044").replace(
        f"<ram:GrandTotalAmount>{grand}<".encode(), b"<ram:GrandTotalAmount>1.00<")
    resp = einvoice_api.request("POST", "/api/e-invoices", data=fine_lines, content_type="application/xml")
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "BT-112", "message": "The e-invoice states a total with VAT "
                                          f"of 1.00 EUR; its lines make {grand} EUR."}]
    assert einvoice_api.get("/api/invoices", query={"external_id": "ERP-2026-0044"}).get_json()["data"] == []


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"<x/>", "application/json",
     "Send the e-invoice's bytes with 'Content-Type: application/pdf' (Factur-X, ZUGFeRD) or "
     "'Content-Type: application/xml' (CII or UBL)."),
    (b"<x/>", "application/pdf", "The body is not a PDF, but the Content-Type says application/pdf."),
    (b"%PDF-1.7", "application/xml", "The body is a PDF, but the Content-Type says application/xml."),
])
def test_a_body_that_is_not_what_it_says_is_400(einvoice_api, body, content_type, message):
    resp = einvoice_api.request("POST", "/api/e-invoices", data=body, content_type=content_type)
    assert resp.status_code == 400
    assert resp.get_json()["errors"] == [{"field": "content-type", "message": message}]


def test_a_reader_cannot_import(einvoice_api):
    _, pdf, _ = posted_einvoice(einvoice_api)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=pdf, content_type="application/pdf",
                                token="tok-reader")
    assert resp.status_code == 403


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
def test_an_e_invoice_declaring_a_doctype_is_refused_whatever_its_encoding(einvoice_api, encoding):
    xml = UBL_INVOICE.read_text(encoding="utf-8").replace('encoding="UTF-8"?>', f'encoding="{encoding}"?>'
                                                           '<!DOCTYPE Invoice [<!ENTITY n "2025-0118">]>', 1)
    sent = xml.replace("<cbc:ID>RE-2025-0118</cbc:ID>", "<cbc:ID>RE-&n;</cbc:ID>", 1).encode(encoding.lower())
    resp = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml")
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "", "message": "The XML declares a DOCTYPE; an e-invoice has none."}]
    assert einvoice_api.get("/api/invoices").get_json()["data"] == []


def test_a_credit_notes_xml_is_downloaded_at_its_credit_note_url(einvoice_api):
    created = einvoice_api.create(currency="EUR")
    einvoice_api.post(f"/api/invoices/{created['id']}/post")
    resp = einvoice_api.post(f"/api/invoices/{created['id']}/credit-notes", {"lines": [{"line": 1, "quantity": "1"}]})
    note = resp.get_json()
    xml = einvoice_api.get(f"/api/credit-notes/{note['id']}/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.headers["Content-Disposition"] == f'attachment; filename="credit-note-{note["invoice_number"]}.xml"'
    assert texts(xml.get_data(), "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xml.get_data() == einvoice_api.get(f"/api/invoices/{note['id']}/xml").get_data()
    invoice = einvoice_api.get(f"/api/credit-notes/{created['id']}/xml")
    assert invoice.status_code == 404 and "is an invoice, not a credit note" in invoice.get_json()["errors"][0]["message"]


def test_an_e_invoice_sent_again_with_other_content_is_a_409_naming_each_differing_field(einvoice_api):
    _, _, xml = posted_einvoice(einvoice_api)
    first = einvoice_api.request("POST", "/api/e-invoices", data=xml, content_type="application/xml",
                                 token="tok-other")
    assert first.status_code == 201, first.get_data()
    (description,) = texts(xml, "//ram:SpecifiedTradeProduct/ram:Name")[:1]
    changed = xml.replace(f">{description}<".encode(), b">Something else<", 1)
    (buyer,) = texts(xml, "//ram:BuyerTradeParty/ram:Name")
    changed = changed.replace(f"<ram:Name>{buyer}</ram:Name>".encode(), b"<ram:Name>Someone Else Ltd</ram:Name>", 1)
    again = einvoice_api.request("POST", "/api/e-invoices", data=changed, content_type="application/xml",
                                 token="tok-other")
    assert again.status_code == 409
    errors = again.get_json()["errors"]
    assert [e["field"] for e in errors] == ["bill_to", "customer_name", "lines"]    # the buyer's name is both
    assert {e["message"] for e in errors} == {
        "Invoice ERP-2026-0042 is posted and can no longer be modified (tried to change: bill_to, customer_name, "
        "lines). Only its payment status, payments and notes may change."}
    stored = einvoice_api.get(f"/api/invoices/{first.get_json()['id']}", token="tok-other").get_json()
    assert stored == first.get_json()


@pytest.mark.parametrize("quantity", ["99999999999999999999", "1" * 5000, "1e400"])
def test_a_quantity_no_field_takes_is_refused_on_its_field_alone(einvoice_api, quantity):
    xml = UBL_INVOICE.read_bytes()
    stated = re.search(rb"<cbc:InvoicedQuantity[^>]*>([^<]*)<", xml).group(1)
    sent = xml.replace(b">" + stated + b"<", b">" + quantity.encode() + b"<", 1)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml")
    assert resp.status_code == 422
    [error] = resp.get_json()["errors"]        # no line net amount made of it, however long
    assert error["field"] == "lines[0].quantity" and len(error["message"]) < 200


def test_the_seller_electronic_address_an_e_invoice_states_is_kept_and_compared_when_sent_again(einvoice_api, db):
    _, _, xml = posted_einvoice(einvoice_api)
    assert texts(xml, "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID") == ["billing@northwind.example"]
    sent = xml.replace(b'schemeID="EM">billing@northwind.example<', b'schemeID="0088">4035811991021<', 1)
    created = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml",
                                   token="tok-other")
    assert created.status_code == 201, created.get_data()
    assert created.get_json()["seller"]["electronic_address"] == "0088:4035811991021"
    same = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml",
                                token="tok-other")
    assert (same.status_code, same.headers["Invoice-Write-Result"]) == (200, "unchanged")
    forget_seller_address(db, created.get_json()["id"])
    same = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml",
                                token="tok-other")
    assert (same.status_code, same.headers["Invoice-Write-Result"]) == (200, "unchanged")
    other = einvoice_api.request("POST", "/api/e-invoices", data=sent.replace(b">4035811991021<", b">4035811991038<"),
                                 content_type="application/xml", token="tok-other")
    assert other.status_code == 409
    assert [(e["field"], e["message"]) for e in other.get_json()["errors"]] == [(
        "BT-34", "Invoice ERP-2026-0042 is posted and can no longer be modified (tried to change: BT-34). Only its "
                 "payment status, payments and notes may change.")]


def test_an_e_invoice_whose_hook_fails_after_its_commit_is_created_with_a_warning(einvoice_api):
    """A plugin's invoice_created hook meets the database busy once the invoice is committed: 201
    with the invoice and a warning naming the hook, never a 503 that would have the ERP send it
    again (which answers 200 unchanged)."""
    from oro_invoices.domain.errors import DatabaseBusy
    from oro_invoices.integration.plugins import hookimpl

    class Accounting:
        @hookimpl
        def invoice_created(self, invoice):
            raise DatabaseBusy()

    _, _, xml = posted_einvoice(einvoice_api)
    sent = xml.replace(b"ERP-2026-0042", b"ERP-2026-0050")
    einvoice_api.service.plugins.register(Accounting())
    resp = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml")

    assert resp.status_code == 201, resp.get_data()
    assert (resp.headers["Invoice-Write-Result"], resp.get_json()["invoice_number"]) == ("created", "ERP-2026-0050")
    assert resp.headers["Invoice-Write-Warning"] == (
        "The invoice is imported, but a plugin failed in the invoice_created hook that followed, so what it does for "
        "a new invoice was not done, and importing it again does not repeat it: ask an administrator to "
        "check the log.")
    again = einvoice_api.request("POST", "/api/e-invoices", data=sent, content_type="application/xml")
    assert (again.status_code, again.headers["Invoice-Write-Result"]) == (200, "unchanged")
    assert "Invoice-Write-Warning" not in again.headers


@pytest.mark.parametrize("outage, retry_after, message", [
    ("busy", "5", "The invoices' database is busy with another change, and nothing of this one was written. "
                  "Try again in a moment."),
    ("not migrated", None, "The database has no table oro_invoice_activity: the add-on's migrations have not "
                           "run on it. Run `oro-invoices migrate --db URL`"),
])
def test_an_e_invoice_the_database_cannot_take_says_why(einvoice_api, monkeypatch, outage, retry_after, message):
    """Busy (SQLite's lock waited for in vain) or not migrated: 503 saying which, nothing written."""
    from sqlalchemy.exc import OperationalError

    from oro_invoices.domain.errors import DatabaseBusy, DatabaseNotMigrated
    from oro_invoices.services import lifecycle
    error = DatabaseBusy() if outage == "busy" else DatabaseNotMigrated(
        "The database has no table oro_invoice_activity: the add-on's migrations have not run on it. Run "
        "`oro-invoices migrate --db URL` (or alembic with the add-on's migrations).")

    def record(*args, **kwargs):
        raise error from OperationalError("INSERT INTO oro_invoice_activity", {}, Exception("database is locked"))

    _, _, xml = posted_einvoice(einvoice_api)
    monkeypatch.setattr(lifecycle.activity, "record", record)
    resp = einvoice_api.request("POST", "/api/e-invoices", data=xml.replace(b"ERP-2026-0042", b"ERP-2026-0051"),
                                content_type="application/xml")

    assert resp.status_code == 503 and resp.headers.get("Retry-After") == retry_after
    assert message in resp.get_json()["errors"][0]["message"]
    assert einvoice_api.service.id_of_external_id(1, "ERP-2026-0051") is None
