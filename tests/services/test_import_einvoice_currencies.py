"""The currency of an imported e-invoice's amounts: each amount's currencyID is the invoice
currency (BT-5), except the VAT total in the VAT accounting currency (BT-6, BT-111), which may
come first and is not the VAT total checked against the lines."""
from __future__ import annotations

import pytest
from support.einvoices import EXAMPLES, UBL_INVOICE, einvoice_service

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.einvoice_intake import take_einvoice

CII = (EXAMPLES / "invoice-cii.xml").read_text()
UBL = UBL_INVOICE.read_text()
CII_TAX = '<ram:TaxTotalAmount currencyID="EUR">192.27</ram:TaxTotalAmount>'
UBL_TAX = '<cbc:TaxAmount currencyID="EUR">113.52</cbc:TaxAmount>'


@pytest.fixture
def service(sqlite_db, tmp_path):
    return einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])


def refused(service, xml: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, xml.encode(), organization_id=1, actor="erp")
    return [(field, str(message)) for field, message in caught.value.errors]


def test_a_cii_invoice_stating_its_vat_in_the_accounting_currency_first_imports(service):
    xml = CII.replace("<ram:InvoiceCurrencyCode>", "<ram:TaxCurrencyCode>USD</ram:TaxCurrencyCode>"
                                                   "<ram:InvoiceCurrencyCode>")
    xml = xml.replace(CII_TAX, f'<ram:TaxTotalAmount currencyID="USD">210.00</ram:TaxTotalAmount>{CII_TAX}')

    doc, outcome = take_einvoice(service, xml.encode(), organization_id=1, actor="erp")

    assert outcome == "created" and doc.currency == "EUR" and str(doc.tax_amount) == "192.27"


def test_a_cii_vat_total_in_another_currency_than_the_invoice_is_refused(service):
    xml = CII.replace(CII_TAX, CII_TAX.replace("EUR", "USD"))
    assert refused(service, xml) == [("BT-5", "<TaxTotalAmount> is stated in USD, not in the invoice currency EUR "
                                              "(BT-5).")]


def test_a_ubl_invoice_whose_amounts_are_in_another_currency_than_it_names_is_refused(service):
    xml = UBL.replace("<cbc:DocumentCurrencyCode>EUR", "<cbc:DocumentCurrencyCode>USD")
    assert refused(service, xml) == [("BT-5", "<TaxAmount> is stated in EUR, not in the invoice currency USD "
                                              "(BT-5).")]
    assert service.list_invoices(limit=5).items == []


def test_a_ubl_vat_total_in_the_accounting_currency_needs_that_currency_named(service):
    second = f'{UBL_TAX}</cac:TaxTotal><cac:TaxTotal><cbc:TaxAmount currencyID="USD">124.00</cbc:TaxAmount>'
    xml = UBL.replace(UBL_TAX, second, 1)
    assert refused(service, xml) == [("BT-5", "<TaxAmount> is stated in USD, not in the invoice currency EUR "
                                              "(BT-5).")]

    named = xml.replace("<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
                        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"
                        "<cbc:TaxCurrencyCode>USD</cbc:TaxCurrencyCode>")
    doc, outcome = take_einvoice(service, named.encode(), organization_id=1, actor="erp")
    assert outcome == "created" and doc.currency == "EUR" and str(doc.tax_amount) == "113.52"
