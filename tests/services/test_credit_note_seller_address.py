"""A credit note, and a re-issued invoice, state the seller's electronic address (BT-34) their
invoice states: an imported e-invoice's own, kept with it, not the E-Invoice Address set since."""
from __future__ import annotations

import pytest
from support.payloads import invoice_payload

from oro_invoices.documents.einvoice import ubl
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService

SETTING = "oro_invoices.seller.electronic_address"
IMPORTED = "invoices@seller.example"            # what the imported e-invoice states
CONFIGURED = "billing@settings.example"         # the organization's E-Invoice Address
ENDPOINT = "/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"


@pytest.fixture
def settings() -> Settings:
    settings = Settings(MemoryConfigStore())
    settings.set(SETTING, CONFIGURED)
    return settings


@pytest.fixture
def service(db, settings) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(False), settings=settings)


def imported(service: InvoiceService):
    """A posted invoice imported from an e-invoice stating its own seller address."""
    return service.post(service.create(invoice_payload()).id, seller_address=IMPORTED)


def test_a_credit_note_of_an_imported_invoice_states_the_invoices_seller_address(service):
    invoice = imported(service)
    assert invoice.seller.electronic_address == IMPORTED
    note = service.create_credit_note(invoice.id, {"full": True, "reason": "Returned"}).credit_note
    assert note.is_posted and note.seller.electronic_address == IMPORTED
    assert ubl.element_texts(ubl.build_xml(note), ENDPOINT) == [IMPORTED]
    assert service.get(note.id).seller.electronic_address == IMPORTED


def test_a_re_issued_imported_invoice_states_the_replaced_invoices_seller_address(service):
    invoice = imported(service)
    draft = service.reissue(invoice.id, reason="Wrong address").draft
    posted = service.post(draft.id)
    assert posted.reissued_from.id == invoice.id and posted.seller.electronic_address == IMPORTED
    assert ubl.element_texts(ubl.build_xml(posted), ENDPOINT) == [IMPORTED]


def test_a_credit_note_states_what_its_invoice_was_posted_with_not_a_later_setting(service, settings):
    invoice = service.post(service.create(invoice_payload()).id)
    assert invoice.seller.electronic_address == CONFIGURED
    settings.set(SETTING, "billing@new-settings.example")
    note = service.create_credit_note(invoice.id, {"full": True}).credit_note
    assert note.seller.electronic_address == CONFIGURED


def test_a_credit_note_of_an_invoice_without_a_seller_address_takes_the_setting(service, settings):
    settings.set(SETTING, "")
    invoice = service.post(service.create(invoice_payload()).id)
    assert invoice.seller.electronic_address == ""
    settings.set(SETTING, CONFIGURED)
    note = service.create_credit_note(invoice.id, {"full": True}).credit_note
    assert note.seller.electronic_address == CONFIGURED
    assert ubl.element_texts(ubl.build_xml(note), ENDPOINT) == [CONFIGURED]
