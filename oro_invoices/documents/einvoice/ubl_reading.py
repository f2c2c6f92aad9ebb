"""Reading an EN 16931 invoice in UBL syntax (Peppol BIS Billing 3.0, XRechnung UBL) into
the fields of an imported invoice, as ``reading`` does for CII.

UBL has an ``Invoice`` and a ``CreditNote`` document; either may carry type code 380 or 381,
which decides what is imported. Where EN 16931 puts a term differently in the two documents
(the due date: BT-9 is ``cbc:DueDate`` of an invoice, ``cbc:PaymentDueDate`` of a credit
note's payment means), both places are read. A note starting with the subject code
``#ACD#`` (the XRechnung way of writing BT-21 in UBL) is a credit note's reason.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lxml import etree

from oro_invoices.documents.einvoice.reading import EInvoice, FieldReader, document_type_problem
from oro_invoices.documents.einvoice.terms import (
    CREDIT_NOTE_TYPE_CODE,
    CREDIT_REASON_SUBJECT,
    INVOICE_TYPE_CODE,
    NO_BUYER_ORDER,
    participant_id,
)
from oro_invoices.documents.einvoice.ubl import CREDIT_NOTE_NS, NSMAP
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message

__all__ = ["UblReader"]

_BUYER = "cac:AccountingCustomerParty/cac:Party"
_SELLER = "cac:AccountingSupplierParty/cac:Party"
_TOTAL = "cac:LegalMonetaryTotal"
_ADDRESS_PARTS = (("street", "cbc:StreetName"), ("street2", "cbc:AdditionalStreetName"), ("city", "cbc:CityName"),
                  ("postal_code", "cbc:PostalZone"), ("country", "cac:Country/cbc:IdentificationCode"),
                  ("region", "cbc:CountrySubentity"))
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _tax_total(element: etree._Element) -> bool:
    """Whether ``element`` is a VAT total (``cac:TaxTotal/cbc:TaxAmount``: BT-110 or BT-111)."""
    parent = element.getparent()
    return (etree.QName(element).localname == "TaxAmount" and parent is not None
            and etree.QName(parent).localname == "TaxTotal")


class UblReader(FieldReader):
    """UBL 2.1 ``Invoice`` or ``CreditNote``."""

    namespaces = NSMAP
    line_net_path = "cbc:LineExtensionAmount"
    lines_net_path = f"{_TOTAL}/cbc:LineExtensionAmount"

    def __init__(self, root: etree._Element):
        super().__init__(root)
        self.credit_document = root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote"
        self.kind = "CreditNote" if self.credit_document else "Invoice"

    def read(self) -> EInvoice:
        payload = self.out.payload
        self.given(self.text(self.root, "cbc:ID"), "BT-1", Message("The invoice number (cbc:ID) is missing."),
                   "external_id", "invoice_number")
        payload["status"] = "posted"
        self._type()
        self.date("invoice_date", "BT-2", "cbc:IssueDate", required=True)
        currency = self.text(self.root, "cbc:DocumentCurrencyCode")
        self.given(currency, "BT-5", Message("The invoice currency (cbc:DocumentCurrencyCode) is missing."),
                   "currency")
        self.date("due_date", "BT-9", "cbc:DueDate" if not self.credit_document
                  else "cac:PaymentMeans/cbc:PaymentDueDate")
        self.date("delivery_date", "BT-72", "cac:Delivery/cbc:ActualDeliveryDate")
        self.date("delivery_period_start", "BT-73", "cac:InvoicePeriod/cbc:StartDate")
        self.date("delivery_period_end", "BT-74", "cac:InvoicePeriod/cbc:EndDate")
        seller = self.root.find(_SELLER, self.namespaces)
        self.out.seller_vat_id = self._vat_id(seller)
        self.out.seller_tax_id = self._vat_id(seller, tax=True)
        self.seller_address(seller.find("cbc:EndpointID", self.namespaces) if seller is not None else None)
        self._buyer()
        order = self.text(self.root, "cac:OrderReference/cbc:SalesOrderID")  # BT-14; BT-13 is the buyer's
        if order:
            payload["order_identifier"] = order
        purchase_order = self.text(self.root, "cac:OrderReference/cbc:ID")   # "NA": the buyer gave none
        if purchase_order and purchase_order != NO_BUYER_ORDER:
            payload["purchase_order"] = purchase_order
        line_tag = "cac:CreditNoteLine" if self.credit_document else "cac:InvoiceLine"
        payload["lines"] = self.lines(
            self.root.iterfind(line_tag, self.namespaces), self._exemption_reasons(), "cac:AllowanceCharge",
            ((found, self.text(found, "cac:TaxCategory/cbc:ID"), self.text(found, "cac:TaxCategory/cbc:Percent"))
             for found in self.root.iterfind("cac:AllowanceCharge", self.namespaces)))
        if self.root.find(line_tag, self.namespaces) is None:
            self.problem("BG-25", Message("The e-invoice has no invoice lines (%(element)s).",
                                          element=line_tag))
        self.currencies(currency, self.text(self.root, "cbc:TaxCurrencyCode"), _tax_total)
        self._totals(currency)
        self.payment_status(self.text(self.root, f"{_TOTAL}/cbc:PrepaidAmount"))
        self.category_rules()
        return self.out

    # ---- the parts ---------------------------------------------------------------------

    def _type(self) -> None:
        code = self.text(self.root, f"cbc:{self.kind}TypeCode")
        if code == CREDIT_NOTE_TYPE_CODE:
            payload = self.out.payload
            payload["document_type"] = "credit_note"
            credited = self.text(self.root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
            if credited:
                payload["credited_invoice_external_id"] = credited
            subject = f"#{CREDIT_REASON_SUBJECT}#"
            for note in self.root.iterfind("cbc:Note", self.namespaces):
                text = (note.text or "").strip()
                if text.startswith(subject):
                    payload["credit_reason"] = text.removeprefix(subject).strip()
                    break
        elif code != INVOICE_TYPE_CODE:
            self.problem("BT-3", document_type_problem(code))

    def _buyer(self) -> None:
        payload = self.out.payload
        buyer = self.root.find(_BUYER, self.namespaces)
        if buyer is None:
            self.problem("BG-7", Message("The buyer (cac:AccountingCustomerParty) is missing."))
            return
        # BT-44, the legal name; a trading name (BT-45) only where no legal name is given
        name = self.text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") or self.text(
            buyer, "cac:PartyName/cbc:Name")
        if name:
            payload["customer_name"] = name
        endpoint = buyer.find("cbc:EndpointID", self.namespaces)
        if endpoint is not None and endpoint.get("schemeID") == "EM" and (endpoint.text or "").strip():
            payload["customer_user_email"] = endpoint.text.strip()
        elif endpoint is not None:
            self.buyer_participant_id = participant_id(endpoint.get("schemeID") or "", endpoint.text or "")
        self.out.buyer_vat_id = self._vat_id(buyer)
        self.buyer_legal_id = self.text(buyer, "cac:PartyLegalEntity/cbc:CompanyID")
        self.buyer_data(self.text(self.root, "cbc:BuyerReference"))
        bill_to = self._address(buyer.find("cac:PostalAddress", self.namespaces), name)
        if bill_to:
            payload["bill_to"] = bill_to
        delivery = self.root.find("cac:Delivery", self.namespaces)
        if delivery is not None:
            ship_to = self._address(delivery.find("cac:DeliveryLocation/cac:Address", self.namespaces),
                                    self.text(delivery, "cac:DeliveryParty/cac:PartyName/cbc:Name"))
            if ship_to:
                payload["ship_to"] = ship_to

    def _vat_id(self, party: etree._Element | None, *, tax: bool = False) -> str:
        """A party's VAT identifier (BT-31, BT-48): the tax scheme ``VAT``'s company id; with
        ``tax``, the seller's other tax registration (BT-32): another scheme's."""
        if party is None:
            return ""
        for scheme in party.iterfind("cac:PartyTaxScheme", self.namespaces):
            if (self.text(scheme, "cac:TaxScheme/cbc:ID") == "VAT") != tax:
                return self.text(scheme, "cbc:CompanyID")
        return ""

    def _address(self, address: etree._Element | None, name: str) -> dict[str, str]:
        if address is None:
            return self.address(name, {}, "")
        return self.address(name, {part: self.text(address, path) for part, path in _ADDRESS_PARTS},
                            self.text(address, "cac:AddressLine/cbc:Line"))

    def read_allowance(self, index: int, found: etree._Element, category: str, rate: str) -> dict[str, Any]:
        """A document's (BG-20, BG-21) or a line's (BG-27, BG-28) allowance or charge."""
        return self.allowance_line(
            index, charge=self.text(found, "cbc:ChargeIndicator").lower() == "true",
            amount=self.text(found, "cbc:Amount"), reason=self.text(found, "cbc:AllowanceChargeReason"),
            reason_code=self.text(found, "cbc:AllowanceChargeReasonCode"), category=category, rate=rate)

    def _exemption_reasons(self) -> dict[str, str]:
        return self.reasons_by_category(
            (self.text(category, "cbc:ID"), self.text(category, "cbc:TaxExemptionReason"),
             self.text(category, "cbc:TaxExemptionReasonCode"))
            for category in self.root.iterfind("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", self.namespaces))

    def read_line(self, index: int, item: etree._Element, reasons: dict[str, str]) -> dict[str, Any]:
        quantity = "cbc:CreditedQuantity" if self.credit_document else "cbc:InvoicedQuantity"
        return self.make_line(
            index, description=self.text(item, "cac:Item/cbc:Name"),
            sku=self.text(item, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
            quantity=item.find(quantity, self.namespaces), quantity_element=quantity,
            price=self.text(item, "cac:Price/cbc:PriceAmount"), basis=self.text(item, "cac:Price/cbc:BaseQuantity"),
            category=self.text(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
            rate=self.text(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"), reasons=reasons)

    def _totals(self, currency: str) -> None:
        """BT-109, BT-110 (the tax total in the invoice's currency, not BT-111's in the
        accounting currency) and BT-112, as written."""
        for name, path in (("subtotal", f"{_TOTAL}/cbc:TaxExclusiveAmount"),
                           ("total_amount", f"{_TOTAL}/cbc:TaxInclusiveAmount")):
            value = self.text(self.root, path)
            if value:
                self.out.totals[name] = value
        for amount in self.root.iterfind("cac:TaxTotal/cbc:TaxAmount", self.namespaces):
            if amount.get("currencyID", currency) == currency and (amount.text or "").strip():
                self.out.totals["tax_amount"] = amount.text.strip()
                break

    # ---- values ------------------------------------------------------------------------

    def date(self, name: str, term: str, path: str, *, required: bool = False) -> None:
        """An ISO date (``YYYY-MM-DD``, as UBL writes every ``cbc:…Date``)."""
        element = self.root.find(path, self.namespaces)
        if element is None:
            if required:
                self.problem(term, Message("The date (%(element)s) is missing.", element=path.rsplit("/", 1)[-1]))
            return
        text = (element.text or "").strip()
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError
            self.out.payload[name] = dt.date.fromisoformat(text).isoformat()
        except ValueError:
            self.problem(term, Message("%(value)s is not a date (YYYY-MM-DD).", value=quoted(text)))

