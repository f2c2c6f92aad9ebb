"""The EN 16931 XML of a posted invoice in OASIS UBL 2.1 syntax (the CEN UBL binding, XRechnung UBL).

A UBL e-invoice is a file of its own: no PDF carries it. Built from the frozen
``InvoiceDocument`` only, with the same business terms the CII writer states (``terms``), so
either syntax says what the PDF says. An invoice is a UBL ``Invoice``, a credit note a UBL
``CreditNote`` (whose due date, having no ``cbc:DueDate``, is its payment means' due date).
The same invoice gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from oro_invoices.documents.einvoice.terms import (
    BILLING_PROCESS,
    CREDIT_REASON_SUBJECT,
    NO_BUYER_ORDER,
    amount,
    buyer_electronic_address,
    buyer_name,
    delivery_date,
    delivery_place,
    document_payment_means,
    document_payment_terms,
    document_type_code,
    outside_scope,
    percent,
    plain,
    quantity_and_price,
    seller_electronic_address,
    unit_code,
)
from oro_invoices.domain.invoice import Address, InvoiceDocument, InvoiceLine, TaxCategory

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {"cac": CAC, "cbc": CBC}

#: The UBL profiles and their specification (BT-24) identifiers: the CEN EN 16931 UBL binding,
#: and XRechnung 3.0 (the German CIUS) in UBL.
PROFILES = {
    "ubl": "urn:cen.eu:en16931:2017",
    "xrechnung_ubl": "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}
#: The tax scheme of a seller's tax number that is no VAT id (BT-32), as XRechnung writes it.
TAX_NUMBER_SCHEME = "FC"


def build_xml(doc: InvoiceDocument, profile: str = "ubl") -> bytes:
    """The UBL XML of ``doc`` for ``profile`` (``PROFILES``), UTF-8 with a declaration."""
    if profile not in PROFILES:
        raise ValueError(f"Unknown UBL e-invoice profile {profile!r}; use one of {', '.join(PROFILES)}.")
    kind, namespace = ("CreditNote", CREDIT_NOTE_NS) if doc.is_credit_note else ("Invoice", INVOICE_NS)
    nsmap: dict[str | None, str] = {None: namespace, "cac": CAC, "cbc": CBC}
    root = etree.Element(f"{{{namespace}}}{kind}", nsmap=nsmap)
    _cbc(root, "CustomizationID", PROFILES[profile])
    _cbc(root, "ProfileID", BILLING_PROCESS)
    _cbc(root, "ID", doc.invoice_number or doc.display_number)
    _cbc(root, "IssueDate", _date(doc.invoice_date))
    if doc.due_date and not doc.is_credit_note:
        _cbc(root, "DueDate", _date(doc.due_date))
    _cbc(root, f"{kind}TypeCode", document_type_code(doc))
    if doc.is_credit_note and doc.credit_reason:  # BT-22 with BT-21 "ACD": the reason
        _cbc(root, "Note", f"#{CREDIT_REASON_SUBJECT}#{doc.credit_reason}")
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.buyer.reference:
        _cbc(root, "BuyerReference", doc.buyer.reference)
    if doc.delivery_period_start or doc.delivery_period_end:  # BG-14
        period = _cac(root, "InvoicePeriod")
        if doc.delivery_period_start:
            _cbc(period, "StartDate", _date(doc.delivery_period_start))
        if doc.delivery_period_end:
            _cbc(period, "EndDate", _date(doc.delivery_period_end))
    if doc.purchase_order or doc.order_identifier:
        # the buyer's PO number (BT-13); the shop's order is the seller's (BT-14), which needs a
        # BT-13 beside it: "NA" when the buyer gave none
        order = _cac(root, "OrderReference")
        _cbc(order, "ID", doc.purchase_order or NO_BUYER_ORDER)
        if doc.order_identifier:
            _cbc(order, "SalesOrderID", doc.order_identifier)
    if doc.credited_invoice is not None and doc.credited_invoice.number:  # BG-3
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", doc.credited_invoice.number)
        _cbc(reference, "IssueDate", _date(doc.credited_invoice.date))
    _seller(root, doc)
    _buyer(root, doc)
    _delivery(root, doc, profile)
    _payment(root, doc)
    _taxes(root, doc)
    _totals(root, doc)
    for line in doc.lines:
        _line(root, kind, doc, line)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# ---- parts ------------------------------------------------------------------------------

def _seller(root: etree._Element, doc: InvoiceDocument) -> None:
    """BG-4: electronic address, postal address, tax registrations, legal entity, contact."""
    seller, outside = doc.seller, outside_scope(doc)
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    endpoint = seller_electronic_address(seller)
    if endpoint is not None:  # BT-34
        _cbc(party, "EndpointID", endpoint[0], schemeID=endpoint[1])
    _address(party, "PostalAddress", street=seller.street, line_two=seller.street2, city=seller.city,
             postcode=seller.postal_code, region=seller.region, country=seller.country_code)
    if seller.vat_id and not outside:
        _tax_scheme(party, seller.vat_id, "VAT")
    if seller.tax_id and seller.tax_id != seller.vat_id:
        _tax_scheme(party, seller.tax_id, TAX_NUMBER_SCHEME)
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", seller.company_name)
    if seller.legal_registration_id:
        _cbc(legal, "CompanyID", seller.legal_registration_id)
    if seller.contact_name or seller.phone or seller.contact_email:  # BG-6
        contact = _cac(party, "Contact")
        _cbc(contact, "Name", seller.contact_name or seller.company_name)
        if seller.phone:
            _cbc(contact, "Telephone", seller.phone)
        if seller.contact_email:
            _cbc(contact, "ElectronicMail", seller.contact_email)


def _buyer(root: etree._Element, doc: InvoiceDocument) -> None:
    """BG-7: electronic address, the billing address, VAT id and legal name."""
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    endpoint = buyer_electronic_address(doc)
    if endpoint is not None:  # BT-49
        _cbc(party, "EndpointID", endpoint[0], schemeID=endpoint[1])
    _address(party, "PostalAddress", **_address_parts(doc.bill_to), country=doc.buyer.country_code)
    if doc.buyer.vat_id and not outside_scope(doc):
        _tax_scheme(party, doc.buyer.vat_id, "VAT")
    _cbc(_cac(party, "PartyLegalEntity"), "RegistrationName", buyer_name(doc))


def _delivery(root: etree._Element, doc: InvoiceDocument, profile: str) -> None:
    """BG-13: when (BT-72) and where (BG-15, from the shipping address) the goods went."""
    ship_to, country = delivery_place(doc)
    day = delivery_date(doc, profile)
    if day is None and not country:
        return
    delivery = _cac(root, "Delivery")
    if day is not None:
        _cbc(delivery, "ActualDeliveryDate", _date(day))
    if country:
        _address(_cac(delivery, "DeliveryLocation"), "Address", **_address_parts(ship_to), country=country)
        if ship_to is not None and (ship_to.organization or ship_to.name):
            _cbc(_cac(_cac(delivery, "DeliveryParty"), "PartyName"), "Name", ship_to.organization or ship_to.name)


def _payment(root: etree._Element, doc: InvoiceDocument) -> None:
    """BG-16 (the means of payment and the seller's account) and BT-20 (the payment terms)."""
    seller = doc.seller
    means, payment_terms = document_payment_means(doc), document_payment_terms(doc)
    if means is not None:
        payment = _cac(root, "PaymentMeans")
        _cbc(payment, "PaymentMeansCode", means)
        if doc.is_credit_note and doc.due_date:  # BT-9 of a credit note
            _cbc(payment, "PaymentDueDate", _date(doc.due_date))
        if doc.invoice_number:
            _cbc(payment, "PaymentID", doc.invoice_number)
        if seller.iban and means in ("58", "30"):
            account = _cac(payment, "PayeeFinancialAccount")
            _cbc(account, "ID", seller.iban)
            _cbc(account, "Name", seller.account_holder or seller.company_name)
            if seller.bic:
                _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", seller.bic)
    if payment_terms:
        _cbc(_cac(root, "PaymentTerms"), "Note", payment_terms)


def _taxes(root: etree._Element, doc: InvoiceDocument) -> None:
    """BT-110 and the VAT breakdown (BG-23), one subtotal per category and rate."""
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", doc.tax_amount, doc.currency)
    for line in doc.taxes:
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", line.base, doc.currency)
        _amount(subtotal, "TaxAmount", line.amount, doc.currency)
        _category(subtotal, "TaxCategory", line.category, line.rate,
                  line.exemption_reason if line.category.needs_reason else "")


def _totals(root: etree._Element, doc: InvoiceDocument) -> None:
    """BG-22: the document totals."""
    totals = _cac(root, "LegalMonetaryTotal")
    for name, value in (("LineExtensionAmount", doc.subtotal), ("TaxExclusiveAmount", doc.subtotal),
                        ("TaxInclusiveAmount", doc.total_amount), ("PayableAmount", doc.total_amount)):
        _amount(totals, name, value, doc.currency)


def _line(root: etree._Element, kind: str, doc: InvoiceDocument, line: InvoiceLine) -> None:
    """BG-25: an invoice (or credit note) line."""
    item_line = _cac(root, f"{kind}Line")
    quantity, price = quantity_and_price(line)
    _cbc(item_line, "ID", str(line.position))
    _cbc(item_line, "CreditedQuantity" if kind == "CreditNote" else "InvoicedQuantity", plain(quantity),
         unitCode=unit_code(line.unit))
    _amount(item_line, "LineExtensionAmount", line.row_total, doc.currency)
    item = _cac(item_line, "Item")
    _cbc(item, "Name", line.description)
    if line.sku:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line.sku)
    _category(item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate, "")
    _cbc(_cac(item_line, "Price"), "PriceAmount", plain(price), currencyID=doc.currency)


# ---- helpers ----------------------------------------------------------------------------

def _address_parts(address: Address | None) -> dict[str, str]:
    if address is None:
        return {"street": "", "line_two": "", "city": "", "postcode": "", "region": ""}
    return {"street": address.street, "line_two": address.street2, "city": address.city,
            "postcode": address.postal_code, "region": address.region}


def _address(parent: etree._Element, name: str, *, street: str, line_two: str, city: str, postcode: str,
             region: str, country: str) -> None:
    """BG-5/BG-8/BG-15 in the order UBL's address takes them."""
    address = _cac(parent, name)
    for element, value in (("StreetName", street), ("AdditionalStreetName", line_two), ("CityName", city),
                           ("PostalZone", postcode), ("CountrySubentity", region)):
        if value:
            _cbc(address, element, value)
    _cbc(_cac(address, "Country"), "IdentificationCode", country)


def _tax_scheme(party: etree._Element, company_id: str, scheme: str) -> None:
    registration = _cac(party, "PartyTaxScheme")
    _cbc(registration, "CompanyID", company_id)
    _cbc(_cac(registration, "TaxScheme"), "ID", scheme)


def _category(parent: etree._Element, name: str, category: TaxCategory, rate: Decimal, reason: str) -> None:
    """A VAT category with its rate (none outside the scope of VAT) and exemption reason."""
    found = _cac(parent, name)
    _cbc(found, "ID", category.value)
    if category is not TaxCategory.OUTSIDE_SCOPE:
        _cbc(found, "Percent", percent(rate))
    if reason:
        _cbc(found, "TaxExemptionReason", reason)
    _cbc(_cac(found, "TaxScheme"), "ID", "VAT")


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _cbc(parent, name, amount(value, currency), currencyID=currency)


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _cbc(parent: etree._Element, name: str, value: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC}}}{name}", attributes)
    element.text = value
    return element


def _date(day: dt.date) -> str:
    return day.isoformat()


def element_texts(xml: bytes, path: str) -> list[str]:
    """The texts at an XPath (``cac:``/``cbc:`` prefixes) of UBL ``xml`` (for checks and tests)."""
    return [str(getattr(node, "text", node) or "") for node in etree.fromstring(xml).xpath(path, namespaces=NSMAP)]
