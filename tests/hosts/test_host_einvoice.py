"""The reference shop with e-invoices on: seeded drafts post as valid Factur-X hybrids; bank
details on the storefront page; the XML downloaded from the back-office and the storefront."""
from __future__ import annotations

import pytest
from support.einvoices import texts
from support.variant import documents_made

from oro_invoices.documents.einvoice import rules, ubl
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.services.einvoicing import xml_in
from oro_invoices.services.importing import run_import


@pytest.fixture
def einvoicing(shop):
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.einvoice.enabled", True)
    return shop


def test_every_seeded_draft_posts_as_a_valid_einvoice(einvoicing, admin):
    service = admin.service
    drafts = service.list_invoices({"status": "draft"}, limit=100).items
    assert {d.currency for d in drafts} == {"EUR", "USD", "JPY"}  # German, US and Japanese buyers
    for draft in drafts:
        posted = documents_made(service, service.post(draft.id).id)
        doc, xml = service.open_xml(posted.id)
        assert rules.check(xml, "en16931") == [], posted.invoice_number
        assert texts(xml, "//rsm:ExchangedDocument/ram:ID") == [posted.invoice_number]
        assert texts(xml, "//ram:InvoiceCurrencyCode") == [posted.currency]
    acme = next(d for d in drafts if d.customer_name == "Acme Industries AG")
    _, xml = service.open_xml(acme.id)
    assert texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE136695976"]
    assert texts(xml, "//ram:BuyerReference") == ["ACME-AP-7"]


def test_the_xml_is_offered_on_both_invoice_pages(einvoicing, admin):
    service = admin.service
    draft = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                 if d.customer_name == "Acme Industries AG")
    posted = documents_made(service, service.post(draft.id).id)
    page = admin.get(f"/admin/invoices/{posted.id}").get_data(as_text=True)
    assert "Download XML" in page
    resp = admin.get(f"/admin/invoices/{posted.id}/download/xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert texts(resp.get_data(), "//rsm:ExchangedDocument/ram:ID") == [posted.invoice_number]
    customer = ShopClient(einvoicing[0])
    customer.login_customer("amanda.cole@acme.example")
    page = customer.get(f"/customer/invoices/{posted.id}").get_data(as_text=True)
    assert "Download XML" in page
    assert customer.get(f"/customer/invoices/{posted.id}/download/xml").get_data() == resp.get_data()


def test_with_a_ubl_profile_posting_issues_ubl_offered_on_both_invoice_pages(einvoicing, admin):
    """The admin picks EN 16931 UBL: every seeded draft posts with its UBL kept beside a PDF that
    carries none; both view pages offer it, the same file, at once (while the PDF may still be made)."""
    Settings(einvoicing[0].extensions["oro_reference_host"].config).set("oro_invoices.einvoice.profile", "ubl")
    service = admin.service
    drafts = service.list_invoices({"status": "draft"}, limit=100).items
    for draft in drafts:
        if not service.get(draft.id).buyer.reference:  # a Peppol invoice needs BT-10 (or a PO, BT-13): R003
            service.update(draft.id, {"buyer": {"reference": f"PO-{draft.id}"}})
        posted = service.post(draft.id)
        _, xml = service.open_xml(posted.id)
        assert rules.check(xml, "ubl") == [], posted.invoice_number
        assert ubl.element_texts(xml, "/*/cbc:ID") == [posted.invoice_number]
        assert ubl.element_texts(xml, "/*/cbc:DocumentCurrencyCode") == [posted.currency]
    acme = service.get(next(d.id for d in drafts if d.customer_name == "Acme Industries AG"))
    page = admin.get(f"/admin/invoices/{acme.id}").get_data(as_text=True)
    assert "Download XML" in page
    resp = admin.get(f"/admin/invoices/{acme.id}/download/xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="invoice-{acme.invoice_number}.xml"'
    assert resp.get_data() == service.kept_einvoice(acme.id)
    customer = ShopClient(einvoicing[0])
    customer.login_customer("amanda.cole@acme.example")
    assert "Download XML" in customer.get(f"/customer/invoices/{acme.id}").get_data(as_text=True)
    assert customer.get(f"/customer/invoices/{acme.id}/download/xml").get_data() == resp.get_data()
    documents_made(service, acme.id)
    _, stream = service.open_pdf(acme.id)
    with stream:
        assert xml_in(stream.read()) is None


def test_the_storefront_page_shows_the_bank_details_and_the_payment_reference(shop):
    customer = ShopClient(shop[0])
    customer.login_customer("carla.nguyen@acme.example")
    invoice_id = customer.service.find_id(external_id="ERP-SO-1003-3")
    number = customer.service.get(invoice_id).invoice_number
    page = customer.get(f"/customer/invoices/{invoice_id}").get_data(as_text=True)
    assert "Pay by Bank Transfer" in page
    assert "DE89 3704 0044 0532 0130 00" in page and "COBADEFFXXX" in page
    assert f"<dd data-oi-remittance-reference>{number}</dd>" in page
    assert "Download XML" not in page  # e-invoices are off in the seeded shop


def test_a_refused_posting_names_the_broken_rules_in_the_admins_language(einvoicing, admin):
    Settings(einvoicing[0].extensions["oro_reference_host"].config).set("oro_invoices.einvoice.profile", "xrechnung")
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    inv = admin.service.find_id(external_id="ERP-SO-1009-9")  # Globex: no buyer reference (BT-10)
    view = f"/admin/invoices/{inv}"
    resp = admin.submit(f"{view}?dialog=send-to-customer", f"{view}/send-to-customer", {"confirm": "1"})
    assert resp.status_code == 303 and not admin.service.get(inv).is_posted
    shown = text_of(admin.get(resp.headers["Location"]).get_data(as_text=True))
    assert (f"Rechnung Entwurf #{inv} wurde nicht gebucht: ihre XRechnung 3.0-E-Rechnung verletzt 1 Regel: "
            "[BR-DE-15] Die Rechnung hat keine Käuferreferenz (BT-10), die XRechnung verlangt (bei einem öffentlichen "
            "Auftraggeber die Leitweg-ID): Legen Sie die Käuferreferenz des Kunden fest (CustomerRef.buyer_reference) "
            "oder geben Sie eine auf der Rechnung an (buyer.reference).") in shown


def test_an_imported_e_invoice_goes_to_the_customer_with_the_buyers_vat_id(einvoicing, admin, tmp_path):
    """Acme and its Berlin branch share a VAT id: the buyer's name tells them apart; Acme's
    corporate customer user then finds the branch's invoice in the storefront."""
    service = admin.service
    customers = {c["name"]: c["id"] for c in einvoicing[1]["customers"]}
    draft = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                 if d.customer_name == "Acme Industries AG")
    posted = documents_made(service, service.post(draft.id).id)
    xml = service.open_xml(posted.id)[1]
    (branch_name,) = [name for name in customers if "Berlin" in name]
    for number, buyer, vat_id in (("EXT-1", branch_name, "DE 136 695 976"),
                                  ("EXT-2", "Initech GmbH", "de129273398")):
        changed = (xml.replace(f"<ram:ID>{posted.invoice_number}</ram:ID>".encode(), f"<ram:ID>{number}</ram:ID>".encode())
                   .replace(b"<ram:Name>Acme Industries AG</ram:Name>", f"<ram:Name>{buyer}</ram:Name>".encode())
                   .replace(b">DE136695976<", f">{vat_id}<".encode()))
        (tmp_path / f"{number}.xml").write_bytes(changed)
    report = run_import(service, sorted(tmp_path.glob("EXT-*.xml")), organization_id=1)
    assert report.problems == [] and report.created == ["EXT-1", "EXT-2"]
    assert service.get(service.find_id(external_id="EXT-1")).customer_id == customers[branch_name]
    assert service.get(service.find_id(external_id="EXT-2")).customer_id == customers["Initech GmbH"]
    corporate = ShopClient(einvoicing[0])
    corporate.login_customer("amanda.cole@acme.example")
    listed = text_of(corporate.get("/customer/invoices").get_data(as_text=True))
    assert "EXT-1" in listed and "EXT-2" not in listed


def test_both_view_pages_name_a_non_standard_vat_category_as_the_pdf_does(einvoicing, admin):
    """A reverse-charge rate reads "Tax 0% (AE: Reverse charge)" on the back-office and
    storefront pages, as on the PDF, not a bare 0% that looks zero-rated; so does its credit note."""
    service = admin.service
    acme = next(d for d in service.list_invoices({"status": "draft"}, limit=100).items
                if d.customer_user_email == "amanda.cole@acme.example")
    created = service.create({
        "invoice_date": acme.invoice_date.isoformat(), "currency": "EUR", "customer_id": acme.customer_id,
        "customer_user_id": acme.customer_user_id, "website_id": acme.website_id,
        "bill_to": {"name": "Accounts Payable", "organization": "Acme Industries AG", "street": "Industriestraße 5",
                    "city": "Stuttgart", "postal_code": "70565", "country": "DE"},
        "lines": [{"description": "Consulting", "quantity": "10", "unit_price": "120.00", "tax_rate": "0",
                   "tax_category": "AE"},
                  {"description": "Manual", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}]})
    posted = documents_made(service, service.post(created.id).id)
    page = text_of(admin.get(f"/admin/invoices/{posted.id}").get_data(as_text=True))
    assert "Tax 0% (AE: Reverse charge) on €1,200.00" in page and "Tax 19% on €10.00" in page
    customer = ShopClient(einvoicing[0])
    customer.login_customer("amanda.cole@acme.example")
    store = text_of(customer.get(f"/customer/invoices/{posted.id}").get_data(as_text=True))
    assert "Tax 0% (AE: Reverse charge)" in store and "(S" not in store
    note = service.create_credit_note(posted.id, {"amounts": [{"tax_rate": "0", "amount": "200.00"}]},
                                      actor="admin").credit_note
    page = text_of(admin.get(f"/admin/invoices/{note.id}").get_data(as_text=True))
    assert "Tax 0% (AE: Reverse charge) on €200.00" in page
