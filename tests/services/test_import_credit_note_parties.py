"""An imported credit note is in the currency of the invoice it credits and, where both name
one, for its customer: its amounts are taken off the invoice's as they are, so a credit note
in dollars of an invoice in euros would credit it as if the figures were euros."""
from __future__ import annotations

import json

import pytest
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import


@pytest.fixture
def service(db):
    return InvoiceService(db, plugins=get_plugin_manager(False))


def credit_note(external_id: str, **overrides):
    overrides.setdefault("lines", [{"description": "Widget", "quantity": "1", "unit_price": "19.99",
                                    "tax_rate": "0.19"}])
    return invoice_payload(external_id=external_id, status="posted", document_type="credit_note",
                           credited_invoice_external_id="I-1", **overrides)


def test_a_credit_note_in_another_currency_or_for_another_customer_is_refused(service, tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        invoice_payload(external_id="I-1", invoice_number="OLD-1", status="posted", currency="EUR"),
        credit_note("C-1", currency="USD"), credit_note("C-2", currency="EUR", customer_id=11),
        credit_note("C-3", currency="EUR")]) + "\n")

    report = run_import(service, [path], organization_id=1, on_error="skip", check_apart=False)

    assert [(p.record, p.field, str(p.message)) for p in report.problems] == [
        (f"{path}:2", "currency", "The credit note is in USD, and invoice OLD-1, which it credits, in EUR: a credit "
                                  "note is in the currency of its invoice."),
        (f"{path}:3", "customer_id", "The credit note is for customer 11, and invoice OLD-1, which it credits, for "
                                     "customer 10: a credit note is for the customer of its invoice.")]
    assert report.created == ["I-1", "C-3"] and report.skipped == ["C-1", "C-2"]
    invoice = service.get(service.find_id(external_id="I-1"))
    assert str(invoice.amount_credited) == "23.79"            # C-3 only: 19.99 and 19 % VAT


def test_an_e_invoice_credit_note_for_another_buyer_is_refused(sqlite_db, tmp_path):
    from support.einvoices import EXAMPLES, einvoice_service

    from oro_invoices.domain.errors import ValidationError
    from oro_invoices.services.einvoice_intake import take_einvoice

    service = einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])
    invoice = (EXAMPLES / "invoice-cii.xml").read_text()           # buyer Initech GmbH, VAT id DE129273398
    take_einvoice(service, invoice.encode(), organization_id=1, actor="erp")
    note = invoice.replace("RE-2025-0117", "GS-1").replace("<ram:TypeCode>380", "<ram:TypeCode>381").replace(
        "<ram:PaymentReference>GS-1</ram:PaymentReference>",
        "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>RE-2025-0117</ram:IssuerAssignedID>"
        "</ram:InvoiceReferencedDocument>")

    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, note.replace("DE129273398", "DE811907980").encode(), organization_id=1, actor="erp")

    assert [(f, str(m)) for f, m in caught.value.errors] == [
        ("buyer", "The credit note's buyer has the VAT id DE811907980, and the buyer of invoice RE-2025-0117, which it "
                  "credits, DE129273398: a credit note is for the buyer of its invoice.")]
    assert take_einvoice(service, note.encode(), organization_id=1, actor="erp")[1] == "created"


def test_a_credit_note_stated_with_negative_amounts_is_told_to_state_them_positive(service, tmp_path):
    path = tmp_path / "history.jsonl"
    negative = [{"description": "Widget", "quantity": "1", "unit_price": "-19.99", "tax_rate": "0.19"}]
    path.write_text("\n".join(json.dumps(r) for r in [
        invoice_payload(external_id="I-1", invoice_number="OLD-1", status="posted", currency="EUR"),
        credit_note("C-1", currency="EUR", lines=negative),
        invoice_payload(external_id="I-2", lines=negative)]) + "\n")

    report = run_import(service, [path], organization_id=1, on_error="skip", check_apart=False)

    assert [(p.record, p.field, str(p.message)) for p in report.problems] == [
        (f"{path}:2", "lines", "The credit note's total must not be negative: a credit note states what it takes "
                               "back as positive amounts."),
        (f"{path}:3", "lines", "The invoice total must not be negative.")]
