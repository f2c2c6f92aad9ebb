"""The EN 16931 XML of a posted invoice in UN/CEFACT CII syntax (Factur-X / ZUGFeRD).

Built from the frozen ``InvoiceDocument`` only, so the XML says what the PDF says: the
same number, dates, parties, lines and totals. The same invoice gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lxml import etree

from oro_invoices.documents.einvoice.terms import (
    CREDIT_REASON_SUBJECT,
    XRECHNUNG_PROCESS,
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
from oro_invoices.domain.invoice import InvoiceDocument, InvoiceLine, SellerInfo, TaxCategory

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

#: The profiles and their specification (BT-24) identifiers: Factur-X BASIC and EN 16931,
#: and XRechnung 3.0 (the German CIUS of EN 16931).
PROFILES = {
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "xrechnung": "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}


def build_xml(doc: InvoiceDocument, profile: str = "en16931") -> bytes:
    """The CII XML of ``doc`` for ``profile`` (``PROFILES``), UTF-8 with a declaration."""
    if profile not in PROFILES:
        raise ValueError(f"Unknown e-invoice profile {profile!r}; use one of {', '.join(PROFILES)}.")
    full = profile != "basic"
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, RSM, "ExchangedDocumentContext")
    if profile == "xrechnung":
        _text(_el(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID",
              XRECHNUNG_PROCESS)
    _text(_el(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", PROFILES[profile])
    header = _el(root, RSM, "ExchangedDocument")
    _text(header, RAM, "ID", doc.invoice_number or doc.display_number)
    _text(header, RAM, "TypeCode", document_type_code(doc))
    _date(_el(header, RAM, "IssueDateTime"), doc.invoice_date)
    if doc.is_credit_note and doc.credit_reason:  # BT-22 with BT-21 "ACD": the reason
        note = _el(header, RAM, "IncludedNote")
        _text(note, RAM, "Content", doc.credit_reason)
        _text(note, RAM, "SubjectCode", CREDIT_REASON_SUBJECT)
    transaction = _el(root, RSM, "SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(transaction, doc, line, full=full)
    _agreement(transaction, doc, full=full)
    _delivery(transaction, doc, profile)
    _settlement(transaction, doc, full=full)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# ---- parts ------------------------------------------------------------------------------

def _line(parent: etree._Element, doc: InvoiceDocument, line: InvoiceLine, *, full: bool) -> None:
    item = _el(parent, RAM, "IncludedSupplyChainTradeLineItem")
    _text(_el(item, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", str(line.position))
    product = _el(item, RAM, "SpecifiedTradeProduct")
    if full and line.sku:
        _text(product, RAM, "SellerAssignedID", line.sku)
    _text(product, RAM, "Name", line.description)
    quantity, price = quantity_and_price(line)
    agreement = _el(item, RAM, "SpecifiedLineTradeAgreement")
    _text(_el(agreement, RAM, "NetPriceProductTradePrice"), RAM, "ChargeAmount", plain(price))
    delivery = _el(item, RAM, "SpecifiedLineTradeDelivery")
    _text(delivery, RAM, "BilledQuantity", plain(quantity), unitCode=unit_code(line.unit))
    settlement = _el(item, RAM, "SpecifiedLineTradeSettlement")
    tax = _el(settlement, RAM, "ApplicableTradeTax")
    _text(tax, RAM, "TypeCode", "VAT")
    _text(tax, RAM, "CategoryCode", line.tax_category.value)
    if line.tax_category is not TaxCategory.OUTSIDE_SCOPE:
        _text(tax, RAM, "RateApplicablePercent", percent(line.tax_rate))
    summation = _el(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation")
    _text(summation, RAM, "LineTotalAmount", amount(line.row_total, doc.currency))


def _agreement(parent: etree._Element, doc: InvoiceDocument, *, full: bool) -> None:
    agreement = _el(parent, RAM, "ApplicableHeaderTradeAgreement")
    if doc.buyer.reference:
        _text(agreement, RAM, "BuyerReference", doc.buyer.reference)
    seller, outside = doc.seller, outside_scope(doc)
    party = _el(agreement, RAM, "SellerTradeParty")
    _text(party, RAM, "Name", seller.company_name)
    if seller.legal_registration_id:
        _text(_el(party, RAM, "SpecifiedLegalOrganization"), RAM, "ID", seller.legal_registration_id)
    if full:
        _seller_contact(party, seller)
    _address(party, seller.postal_code, seller.street, seller.city, seller.country_code,
             line_two=seller.street2, region=seller.region)
    endpoint = seller_electronic_address(seller)
    if endpoint is not None:  # BT-34 (BASIC has it too)
        _text(_el(party, RAM, "URIUniversalCommunication"), RAM, "URIID", endpoint[0], schemeID=endpoint[1])
    if seller.vat_id and not outside:
        _text(_el(party, RAM, "SpecifiedTaxRegistration"), RAM, "ID", seller.vat_id, schemeID="VA")
    if seller.tax_id and seller.tax_id != seller.vat_id:
        _text(_el(party, RAM, "SpecifiedTaxRegistration"), RAM, "ID", seller.tax_id, schemeID="FC")
    buyer = _el(agreement, RAM, "BuyerTradeParty")
    bill_to = doc.bill_to
    _text(buyer, RAM, "Name", buyer_name(doc))
    _address(buyer, bill_to.postal_code if bill_to else "", bill_to.street if bill_to else "",
             bill_to.city if bill_to else "", doc.buyer.country_code,
             line_two=bill_to.street2 if bill_to else "", region=bill_to.region if bill_to else "")
    endpoint = buyer_electronic_address(doc)
    if endpoint is not None:  # BT-49 (BASIC has it too)
        _text(_el(buyer, RAM, "URIUniversalCommunication"), RAM, "URIID", endpoint[0], schemeID=endpoint[1])
    if doc.buyer.vat_id and not outside:
        _text(_el(buyer, RAM, "SpecifiedTaxRegistration"), RAM, "ID", doc.buyer.vat_id, schemeID="VA")
    if doc.order_identifier and full:  # the shop's order is the seller's (BT-14; the BASIC XSD has no BT-14)
        _text(_el(agreement, RAM, "SellerOrderReferencedDocument"), RAM, "IssuerAssignedID",
              doc.order_identifier)
    if doc.purchase_order:  # the buyer's PO number (BT-13; every Factur-X profile has it, MINIMUM too)
        _text(_el(agreement, RAM, "BuyerOrderReferencedDocument"), RAM, "IssuerAssignedID", doc.purchase_order)


def _seller_contact(party: etree._Element, seller: SellerInfo) -> None:
    """BG-6: the contact person (BT-41; the company name when none is set), phone and email."""
    if not (seller.contact_name or seller.phone or seller.contact_email):
        return
    contact = _el(party, RAM, "DefinedTradeContact")
    _text(contact, RAM, "PersonName", seller.contact_name or seller.company_name)
    if seller.phone:
        _text(_el(contact, RAM, "TelephoneUniversalCommunication"), RAM, "CompleteNumber", seller.phone)
    if seller.contact_email:
        _text(_el(contact, RAM, "EmailURIUniversalCommunication"), RAM, "URIID", seller.contact_email)


def _delivery(parent: etree._Element, doc: InvoiceDocument, profile: str) -> None:
    """Where the goods went (BT-80, from the shipping address) and when (BT-72)."""
    delivery = _el(parent, RAM, "ApplicableHeaderTradeDelivery")
    ship_to, country = delivery_place(doc)
    if country:
        party = _el(delivery, RAM, "ShipToTradeParty")
        if ship_to is not None and (ship_to.organization or ship_to.name):
            _text(party, RAM, "Name", ship_to.organization or ship_to.name)
        _address(party, ship_to.postal_code if ship_to else "", ship_to.street if ship_to else "",
                 ship_to.city if ship_to else "", country, line_two=ship_to.street2 if ship_to else "",
                 region=ship_to.region if ship_to else "")
    day = delivery_date(doc, profile)
    if day is not None:
        _date(_el(_el(delivery, RAM, "ActualDeliverySupplyChainEvent"), RAM, "OccurrenceDateTime"), day)


def _settlement(parent: etree._Element, doc: InvoiceDocument, *, full: bool) -> None:
    settlement = _el(parent, RAM, "ApplicableHeaderTradeSettlement")
    seller, cur = doc.seller, doc.currency
    means, payment_terms = document_payment_means(doc), document_payment_terms(doc)
    if means is not None and doc.invoice_number:
        _text(settlement, RAM, "PaymentReference", doc.invoice_number)
    _text(settlement, RAM, "InvoiceCurrencyCode", cur)
    if means is not None:
        payment = _el(settlement, RAM, "SpecifiedTradeSettlementPaymentMeans")
        _text(payment, RAM, "TypeCode", means)
        if seller.iban and means in ("58", "30"):
            account = _el(payment, RAM, "PayeePartyCreditorFinancialAccount")
            _text(account, RAM, "IBANID", seller.iban)
            if full:
                _text(account, RAM, "AccountName", seller.account_holder or seller.company_name)
            if full and seller.bic:
                _text(_el(payment, RAM, "PayeeSpecifiedCreditorFinancialInstitution"), RAM, "BICID", seller.bic)
    for line in doc.taxes:
        tax = _el(settlement, RAM, "ApplicableTradeTax")
        _text(tax, RAM, "CalculatedAmount", amount(line.amount, cur))
        _text(tax, RAM, "TypeCode", "VAT")
        if line.category.needs_reason and line.exemption_reason:
            _text(tax, RAM, "ExemptionReason", line.exemption_reason)
        _text(tax, RAM, "BasisAmount", amount(line.base, cur))
        _text(tax, RAM, "CategoryCode", line.category.value)
        if line.category is not TaxCategory.OUTSIDE_SCOPE:
            _text(tax, RAM, "RateApplicablePercent", percent(line.rate))
    if doc.delivery_period_start or doc.delivery_period_end:  # BG-14
        period = _el(settlement, RAM, "BillingSpecifiedPeriod")
        if doc.delivery_period_start:
            _date(_el(period, RAM, "StartDateTime"), doc.delivery_period_start)
        if doc.delivery_period_end:
            _date(_el(period, RAM, "EndDateTime"), doc.delivery_period_end)
    if payment_terms or doc.due_date:
        terms = _el(settlement, RAM, "SpecifiedTradePaymentTerms")
        if payment_terms:
            _text(terms, RAM, "Description", payment_terms)
        if doc.due_date:
            _date(_el(terms, RAM, "DueDateDateTime"), doc.due_date)
    summation = _el(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _text(summation, RAM, "LineTotalAmount", amount(doc.subtotal, cur))
    _text(summation, RAM, "TaxBasisTotalAmount", amount(doc.subtotal, cur))
    _text(summation, RAM, "TaxTotalAmount", amount(doc.tax_amount, cur), currencyID=cur)
    _text(summation, RAM, "GrandTotalAmount", amount(doc.total_amount, cur))
    _text(summation, RAM, "DuePayableAmount", amount(doc.total_amount, cur))
    if doc.credited_invoice is not None and doc.credited_invoice.number:
        reference = _el(settlement, RAM, "InvoiceReferencedDocument")
        _text(reference, RAM, "IssuerAssignedID", doc.credited_invoice.number)
        _date(_el(reference, RAM, "FormattedIssueDateTime"), doc.credited_invoice.date, ns=QDT)


# ---- helpers ----------------------------------------------------------------------------

def _address(party: etree._Element, postcode: str, street: str, city: str, country: str, *,
             line_two: str = "", region: str = "") -> None:
    """BG-5/BG-8/BG-15: postcode, street lines, city, country and (BT-39 …) its subdivision."""
    address = _el(party, RAM, "PostalTradeAddress")
    for name, value in (("PostcodeCode", postcode), ("LineOne", street), ("LineTwo", line_two),
                        ("CityName", city)):
        if value:
            _text(address, RAM, name, value)
    _text(address, RAM, "CountryID", country)
    if region:
        _text(address, RAM, "CountrySubDivisionName", region)


def _el(parent: etree._Element, ns: str, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ns}}}{name}")


def _text(parent: etree._Element, ns: str, name: str, value: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", attributes)
    element.text = value
    return element


def _date(parent: etree._Element, day: dt.date, *, ns: str = UDT) -> None:
    # CCYYMMDD: strftime's %Y has no leading zeros before the year 1000
    _text(parent, ns, "DateTimeString", day.isoformat().replace("-", ""), format="102")


def element_texts(xml: bytes, path: str) -> list[str]:
    """The texts at an XPath (``ram:``/``rsm:`` prefixes) of CII ``xml`` (for checks and tests)."""
    found: Iterable[object] = etree.fromstring(xml).xpath(path, namespaces=NSMAP)
    return [str(getattr(node, "text", node) or "") for node in found]
