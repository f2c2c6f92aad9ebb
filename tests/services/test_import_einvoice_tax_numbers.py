"""The seller of an imported e-invoice, for an organization with a tax number but no VAT id
(a Japanese seller's registration number, a small business's Steuernummer): the e-invoice's
seller must state that number, as its tax registration (BT-32) or VAT id (BT-31), so one
organization does not take in another's e-invoices."""
from __future__ import annotations

import pytest
from support.einvoices import EXAMPLES, UBL_INVOICE, einvoice_service

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.einvoice_intake import take_einvoice

CII = (EXAMPLES / "invoice-cii.xml").read_bytes()        # seller: VAT id DE123456788, tax number 22/815/08154


@pytest.fixture
def service(sqlite_db, tmp_path):
    service = einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])
    service.settings.set("oro_invoices.seller.vat_id", "")
    return service


def refused(service, xml: bytes) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, xml, organization_id=1, actor="erp")
    return [(field, str(message)) for field, message in caught.value.errors]


def test_another_sellers_e_invoice_is_refused_by_the_organizations_tax_number(service):
    service.settings.set("oro_invoices.seller.tax_id", "T1234567890123")

    assert refused(service, CII) == [("BT-32", "The seller's tax registration is 22/815/08154, not this "
                                               "organization's (T1234567890123): only invoices the organization "
                                               "issued can be imported.")]
    assert refused(service, UBL_INVOICE.read_bytes()) == [
        ("BT-31", "The seller's tax registration is DE123456788, not this organization's (T1234567890123): only "
                  "invoices the organization issued can be imported.")]
    assert service.list_invoices(limit=5).items == []


def test_its_own_e_invoice_states_its_tax_number(service):
    service.settings.set("oro_invoices.seller.tax_id", "22 815 08154")
    assert take_einvoice(service, CII, organization_id=1, actor="erp")[1] == "created"


def test_an_organization_without_either_takes_any_sellers(service):
    service.settings.set("oro_invoices.seller.tax_id", "")
    assert take_einvoice(service, CII, organization_id=1, actor="erp")[1] == "created"
