"""The EN 16931 rules of the VAT categories an imported e-invoice must meet: reverse charge
(AE) and intra-community supplies (K) name the buyer's VAT id, K a date and country of supply,
O no buyer VAT id and no other category; each broken rule names itself, the lines and what is
missing, beside the record's other problems (CLI, report file, API 422)."""
from __future__ import annotations

import json
import re

import pytest
from lxml import etree
from support.api import make_http
from support.databases import make_database
from support.einvoices import einvoice_service
from support.payloads import invoice_payload

from oro_invoices.cli import main
from oro_invoices.documents.einvoice import ubl
from oro_invoices.documents.einvoice.cii import NSMAP
from oro_invoices.integration.config import Settings
from oro_invoices.services.facade import InvoiceService

ACME_VAT = "DE136695976"
BILL_TO = {"name": "Accounts Payable", "organization": "Acme Industries AG", "street": "Industriestraße 5",
           "city": "Stuttgart", "postal_code": "70565", "country": "DE"}


@pytest.fixture
def source(sqlite_db, tmp_path):
    return einvoice_service(sqlite_db, tmp_path, "source-pdf", customers=[("Acme Industries AG", ACME_VAT)])


@pytest.fixture
def target_url(request, tmp_path):
    """The URL of the empty database the e-invoices are imported into."""
    (tmp_path / "target").mkdir()
    db = make_database("sqlite", request, tmp_path / "target")
    yield db.url
    db.dispose()


def posted_xml(svc: InvoiceService, lines: list[dict], *, profile: str = "en16931", **overrides) -> bytes:
    """The XML of an invoice ``svc`` posted for Acme (whose VAT id it states) with ``lines``."""
    svc.settings.set("oro_invoices.einvoice.profile", profile)
    acme = svc.host.customers.customers[1]
    payload = invoice_payload(currency="EUR", customer_id=acme.id, customer_user_id=None, order_id=None,
                              customer_name=acme.name, bill_to=BILL_TO, lines=lines, **overrides)
    return svc.open_xml(svc.post(svc.create(payload).id).id)[1]


def without(xml: bytes, path: str, namespaces: dict[str, str]) -> bytes:
    """``xml`` without the elements at ``path``."""
    root = etree.fromstring(xml)
    found = root.xpath(path, namespaces=namespaces)
    assert found, path
    for element in found:
        element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def without_buyer_vat_id_cii(xml: bytes) -> bytes:
    return without(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration", NSMAP)


def import_cli(tmp_path, capsys, db_url: str, xml: bytes, name: str = "in.xml") -> tuple[int, list[str], dict]:
    path = tmp_path / name
    path.write_bytes(xml)
    report = tmp_path / "report.json"
    code = main(["import", "--db", db_url, "--organization", "1", "--storage", (tmp_path / "target-pdf").as_uri(),
                 "--report", str(report), "--no-pdf", str(path)])
    err = [line.replace(f"{tmp_path}/", "") for line in capsys.readouterr().err.splitlines()
           if not line.startswith(("checked", "imported", "rendered"))]
    return code, err, json.loads(report.read_text())


REVERSE_CHARGE = [{"description": "Consulting", "quantity": "10", "unit_price": "120", "tax_rate": "0",
                   "tax_category": "AE"},
                  {"description": "Travel", "quantity": "1", "unit_price": "80", "tax_rate": "0",
                   "tax_category": "AE"}]


def test_a_reverse_charge_e_invoice_without_the_buyers_vat_id_is_refused_naming_rule_and_lines(
        source, tmp_path, capsys, target_url):
    xml = without_buyer_vat_id_cii(posted_xml(source, REVERSE_CHARGE))
    # and a second problem of the same record, which is reported beside it
    xml = re.sub(rb'(<ram:BilledQuantity unitCode="\w+">)1<', rb"\g<1>0<", xml, count=1)

    code, err, report = import_cli(tmp_path, capsys, target_url, xml)

    assert code == 1
    assert err == [
        "in.xml.lines[1].BT-131: The line's net amount (BT-131) is 80.00, but its quantity times its net price, "
        "with its allowances and charges, makes 0.00.",                # the quantity changed, not the amount
        "in.xml.BT-48: [BR-AE-02] Lines 1 (Consulting), 2 (Travel) are in VAT category AE (reverse charge), which "
        "needs the buyer's VAT identifier (BT-48) or legal registration identifier (BT-47); the e-invoice does "
        "not give it.",
        "in.xml.lines[1].quantity: Must be greater than 0.",
        "error: nothing imported (3 problem(s))"]
    assert report["written"] is False and report["counts"]["created"] == 0
    assert report["problems"][1]["field"] == "BT-48" and "[BR-AE-02]" in report["problems"][1]["message"]


def test_a_reverse_charge_e_invoice_naming_the_buyers_legal_registration_id_is_taken(source, tmp_path, capsys,
                                                                                      target_url):
    xml = without_buyer_vat_id_cii(posted_xml(source, REVERSE_CHARGE)).replace(
        b"<ram:Name>Acme Industries AG</ram:Name>",
        b"<ram:Name>Acme Industries AG</ram:Name><ram:SpecifiedLegalOrganization><ram:ID>HRB 4711</ram:ID>"
        b"</ram:SpecifiedLegalOrganization>", 1)
    code, err, report = import_cli(tmp_path, capsys, target_url, xml)
    assert (code, err, report["counts"]["created"]) == (0, [], 1)


def test_an_intra_community_supply_needs_the_buyers_vat_id_a_date_and_a_country_of_supply_ubl(
        source, tmp_path, capsys, target_url):
    lines = [{"description": "Pallet racking", "quantity": "2", "unit_price": "450", "tax_rate": "0",
              "tax_category": "K"}]
    xml = posted_xml(source, lines, profile="ubl", delivery_date="2026-10-30", buyer={"reference": "PO-4471"},
                     ship_to={"name": "Dock 4", "street": "Kai 1", "city": "Rotterdam", "postal_code": "3011",
                              "country": "NL"})
    ns = {"cac": ubl.CAC, "cbc": ubl.CBC}
    xml = without(xml, "//cac:AccountingCustomerParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']", ns)
    xml = without(xml, "/*/cac:Delivery", ns)

    code, err, _ = import_cli(tmp_path, capsys, target_url, xml)

    assert code == 1
    assert err == [
        "in.xml.BT-48: [BR-IC-02] Line 1 (Pallet racking) is in VAT category K (intra-community supply), which "
        "needs the buyer's VAT identifier (BT-48); the e-invoice does not give it.",
        "in.xml.BT-72: [BR-IC-11] Line 1 (Pallet racking) is in VAT category K (intra-community supply), which "
        "needs the actual delivery date (BT-72) or the invoicing period (BG-14); the e-invoice does not give it.",
        "in.xml.BT-80: [BR-IC-12] Line 1 (Pallet racking) is in VAT category K (intra-community supply), which "
        "needs the deliver-to country code (BT-80); the e-invoice does not give it.",
        "error: nothing imported (3 problem(s))"]


def test_outside_the_scope_of_vat_names_no_buyer_vat_id_and_no_other_category(source, tmp_path):
    from oro_invoices.documents.einvoice.reading import read_xml
    xml = posted_xml(source, [{"description": "Membership fee", "quantity": "1", "unit_price": "50",
                               "tax_rate": "0", "tax_category": "O"}])
    assert read_xml(xml).problems == []              # the add-on's own: no VAT ids
    stated = xml.replace(b"<ram:Name>Acme Industries AG</ram:Name>",
                         b'<ram:Name>Acme Industries AG</ram:Name><ram:SpecifiedTaxRegistration>'
                         b'<ram:ID schemeID="VA">DE136695976</ram:ID></ram:SpecifiedTaxRegistration>', 1)
    assert [(f, str(m)) for f, m in read_xml(stated).problems] == [
        ("BT-48", "[BR-O-02] Line 1 (Membership fee) is not subject to VAT (category O), so the e-invoice must "
                  "not name the buyer's VAT identifier (BT-48); it names DE136695976.")]


def test_an_exemption_reason_given_as_a_code_only_is_taken(source, tmp_path, capsys, target_url):
    """BR-E-10 takes the reason's code (BT-121) in place of its text (BT-120)."""
    xml = posted_xml(source, [{"description": "Medical service", "quantity": "1", "unit_price": "90",
                               "tax_rate": "0", "tax_category": "E",
                               "tax_exemption_reason": "Steuerfrei nach § 4 Nr. 14 UStG"}])
    xml = xml.replace("<ram:ExemptionReason>Steuerfrei nach § 4 Nr. 14 UStG</ram:ExemptionReason>".encode(),
                      b"<ram:ExemptionReasonCode>VATEX-EU-132-1C</ram:ExemptionReasonCode>")
    assert b"VATEX-EU-132-1C" in xml
    code, err, report = import_cli(tmp_path, capsys, target_url, xml)
    assert (code, err, report["counts"]["created"]) == (0, [], 1)


def test_the_api_answers_422_naming_the_rule(source, tmp_path):
    settings: Settings = source.settings
    settings.set("oro_invoices.enabled", True)
    xml = without_buyer_vat_id_cii(posted_xml(source, REVERSE_CHARGE[:1]))
    xml = re.sub(rb"(<rsm:ExchangedDocument>\s*<ram:ID>)", rb"\g<1>X", xml, count=1)   # a number not taken yet
    http = make_http(source, settings)
    resp = http.request("POST", "/api/e-invoices", data=xml, content_type="application/xml")
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "BT-48", "message": (
        "[BR-AE-02] Line 1 (Consulting) is in VAT category AE (reverse charge), which needs the buyer's VAT "
        "identifier (BT-48) or legal registration identifier (BT-47); the e-invoice does not give it.")}]
