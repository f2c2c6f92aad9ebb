"""Reading an EN 16931 invoice into the fields of an imported invoice (the API's
``POST /api/invoices`` object): in CII syntax (Factur-X / ZUGFeRD / XRechnung CII) here, in
UBL syntax (Peppol BIS Billing, XRechnung UBL) in ``ubl_reading``; ``read_xml`` takes either.

The readers never raise for what a file can hold: each part they cannot take is a problem
naming the business term (``BT-2``) and the element. What EN 16931 keeps at the level of
the VAT breakdown (the exemption reason, BT-120) is given to the lines of that category.
Allowances and charges, a line's (BG-27/BG-28) and the document's (BG-20/BG-21), become lines
of their own (``FieldReader.allowance_line``), so the lines make the document's totals.
The document's own totals (BT-109, BT-110, BT-112) and the seller's and the buyer's VAT ids
(BT-31, BT-48) come back beside the fields, for the import to check the totals it works out
and the seller, and to find the buyer among the host's customers.
"""
from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from lxml import etree

from oro_invoices.documents.einvoice import ubl
from oro_invoices.documents.einvoice.category_rules import ALLOWANCE, CHARGE, LINE, LineKind, category_problems
from oro_invoices.documents.einvoice.cii import NSMAP, PROFILES, RSM
from oro_invoices.documents.einvoice.terms import (
    CREDIT_NOTE_TYPE_CODE,
    CREDIT_REASON_SUBJECT,
    ELECTRONIC_ADDRESS_LENGTH,
    INVOICE_TYPE_CODE,
    UNIT_CODES,
    participant_id,
    stated_electronic_address,
)
from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import AMOUNT_LIMIT

__all__ = ["EInvoice", "FieldReader", "is_ubl", "profile_of", "read_cii", "read_xml"]

#: the root elements of UBL invoices and credit notes
UBL_ROOTS = (f"{{{ubl.INVOICE_NS}}}Invoice", f"{{{ubl.CREDIT_NOTE_NS}}}CreditNote")
#: Recommendation 20/21 codes → the unit printed on the line (the first spelling ``cii`` maps
#: to the code; "one" (C62) prints nothing, as a line without a unit).
UNIT_NAMES = {code: name for name, code in reversed(UNIT_CODES.items()) if name}
UNIT_NAMES.update({"C62": "", "H87": "pcs", "HUR": "h", "DAY": "day", "MON": "month", "KGM": "kg",
                   "LTR": "l", "MTR": "m"})
_TRANSACTION = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
_DELIVERY = f"{_TRANSACTION}/ram:ApplicableHeaderTradeDelivery"
_SETTLEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
_SUMMATION = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


@dataclass
class EInvoice:
    """What an e-invoice says, as an imported invoice's fields (``payload``).

    ``problems``: ``(field, message)`` pairs, ``field`` naming the business term, each message a
    ``Message`` (English, translated where it is shown).
    ``buyer_vat_id``: BT-48, ``seller_vat_id``: BT-31, ``seller_tax_id``: BT-32, ``seller_electronic_address``:
    BT-34 as ``oro_invoices.seller.electronic_address`` writes it ("" when not given). ``totals``: the
    document's BT-109 (net), BT-110 (VAT) and BT-112 (gross) as written, for those it gives.
    """

    payload: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    buyer_vat_id: str = ""
    seller_vat_id: str = ""
    #: BT-32, the seller's tax registration other than its VAT id ("" when not given)
    seller_tax_id: str = ""
    #: BT-34, an email or a Peppol participant id ``scheme:id`` ("" when not given)
    seller_electronic_address: str = ""
    totals: dict[str, str] = field(default_factory=dict)


def read_xml(xml: bytes) -> EInvoice:
    """The invoice ``xml`` describes, in CII or UBL syntax; any other document is one problem."""
    root = _root(xml)
    if isinstance(root, EInvoice):
        return root
    if root.tag in UBL_ROOTS:
        from oro_invoices.documents.einvoice.ubl_reading import UblReader
        return UblReader(root).read()
    if root.tag != f"{{{RSM}}}CrossIndustryInvoice":
        return _one_problem(Message(
            "Not an EN 16931 e-invoice: the document is <%(element)s>, not a CII <rsm:CrossIndustryInvoice> or a "
            "UBL <Invoice> or <CreditNote>.", element=etree.QName(root.tag).localname))
    return _Reader(root).read()


def read_cii(xml: bytes) -> EInvoice:
    """The invoice ``xml`` describes in CII syntax; any other document is one problem."""
    root = _root(xml)
    if isinstance(root, EInvoice):
        return root
    if root.tag != f"{{{RSM}}}CrossIndustryInvoice":
        return _one_problem(Message("Not a CII e-invoice: the document is <%(element)s>, not "
                                    "<rsm:CrossIndustryInvoice>.", element=etree.QName(root.tag).localname))
    return _Reader(root).read()


def is_ubl(xml: bytes) -> bool:
    """Whether ``xml`` is a UBL invoice or credit note (else CII, or not an e-invoice)."""
    root = _root(xml)
    return not isinstance(root, EInvoice) and root.tag in UBL_ROOTS


def _root(xml: bytes) -> etree._Element | EInvoice:
    """The document's root element, or the problem of a document that is not XML or declares a
    DOCTYPE (no e-invoice does: its entities would be read as nothing)."""
    try:
        root = etree.fromstring(xml, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        reason, beyond = without_huge_hint(exc.msg)
        if beyond:
            return _one_problem(Message("The XML goes beyond what any e-invoice holds, and is not read further: "
                                        "%(reason)s.", reason=reason))
        return _one_problem(Message("Not well-formed XML: %(reason)s.", reason=exc.msg))
    if root.getroottree().docinfo.doctype:
        return _one_problem(Message("The XML declares a DOCTYPE; an e-invoice has none."))
    return root


#: libxml2's advice on the limits it keeps (nesting, text length), meant for the parser's caller
_HUGE_HINT = re.compile(r",? *(?:use|try) XML_PARSE_HUGE(?: option)?")


def without_huge_hint(reason: str) -> tuple[str, bool]:
    """libxml2's ``reason`` without its advice to lift its limits (no sender can follow it, and
    the limits stay), and whether it was a limit the document went beyond."""
    cleaned = _HUGE_HINT.sub("", reason)
    return cleaned, cleaned != reason


def _one_problem(message: Message) -> EInvoice:
    out = EInvoice()
    out.problems.append(("", message))
    return out


def profile_of(xml: bytes) -> str:
    """The profile a CII (``cii.PROFILES``, or ``extended``) or UBL (``ubl.PROFILES``, or
    ``peppol`` for Peppol BIS Billing) invoice names in its specification identifier (BT-24);
    ``en16931`` (``ubl``) for one it does not name so."""
    root = etree.fromstring(xml, parser=safe_parser())
    if root.tag in UBL_ROOTS:
        customization = root.findtext(f"{{{ubl.CBC}}}CustomizationID", default="").lower()
        return next((profile for mark, profile in (("xrechnung", "xrechnung_ubl"), ("peppol", "peppol"))
                     if mark in customization), "ubl")
    guideline = root.findtext(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        default="", namespaces=NSMAP).strip()
    by_id = {identifier: profile for profile, identifier in PROFILES.items()}
    if guideline in by_id:
        return by_id[guideline]
    lowered = guideline.lower()  # an earlier XRechnung version, or Factur-X EXTENDED
    return next((name for name in ("xrechnung", "extended") if name in lowered), "en16931")


def safe_parser() -> etree.XMLParser:
    """A parser that expands no entity and loads or fetches no DTD, in whatever encoding the
    document is (one per parse: lxml parsers are not shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _positive_quantity(line: dict[str, Any]) -> None:
    """A line of a negative quantity (BT-129: a discount or a return, as EN 16931 states a line
    whose price would be negative) as the positive quantity at the negative price an invoice
    line takes; the line amount is the same."""
    quantity, price = decimal_or_none(line.get("quantity", "")), decimal_or_none(line["unit_price"])
    if quantity is not None and price is not None and quantity < 0:
        line["quantity"], line["unit_price"] = format(-quantity, "f"), format(-price, "f")


class FieldReader(ABC):
    """What the CII and UBL readers share: the ``EInvoice`` being filled in, its problems, and
    the amounts, prices and rates as the import takes them. ``namespaces``: the prefixes the
    reader's paths use."""

    namespaces: dict[str, str] = {}
    #: where an invoice line states its net amount (BT-131), below the line
    line_net_path = ""
    #: where the document states the sum of the lines' net amounts (BT-106)
    lines_net_path = ""

    def __init__(self, root: etree._Element):
        self.root, self.out = root, EInvoice()
        #: what each line of the payload was: an invoice line, an allowance or a charge
        self.kinds: list[LineKind] = []
        #: the buyer's legal registration identifier (BT-47), "" when not given
        self.buyer_legal_id = ""
        #: BT-49 when it is a Peppol participant id (``scheme:id``; an email is the customer user's)
        self.buyer_participant_id = ""
        #: what the allowance or charge read last was
        self.allowance_kind: LineKind = ALLOWANCE

    @abstractmethod
    def read(self) -> EInvoice:
        """The e-invoice's fields and problems."""

    @abstractmethod
    def read_line(self, index: int, item: etree._Element, reasons: dict[str, str]) -> dict[str, Any]:
        """The fields of the invoice line ``item`` (``make_line``)."""

    @abstractmethod
    def read_allowance(self, index: int, found: etree._Element, category: str, rate: str) -> dict[str, Any]:
        """The allowance or charge ``found`` as a line (``allowance_line``) in ``category`` at ``rate``."""

    def given(self, value: str, term: str, missing: Message, *names: str) -> None:
        """``value`` as the fields ``names``, or the problem ``missing`` on ``term``."""
        if value:
            self.out.payload.update(dict.fromkeys(names, value))
        else:
            self.problem(term, missing)

    def lines(self, items: Iterable[etree._Element], reasons: dict[str, str], line_allowances: str,
              document_allowances: Iterable[tuple[etree._Element, str, str]]) -> list[dict[str, Any]]:
        """The invoice lines ``items``, each followed by its allowances and charges (at
        ``line_allowances`` below it, in its category and rate), then the document's
        ``(element, category, percent)``."""
        lines: list[dict[str, Any]] = []
        self.kinds = []

        def allowance(found: etree._Element, category: str, rate: str) -> None:
            line = self.read_allowance(len(lines), found, category, rate)
            if category in reasons:
                line["tax_exemption_reason"] = reasons[category]
            lines.append(line)
            self.kinds.append(self.allowance_kind)
        nets: list[Decimal | None] = []
        for item in items:
            first = len(lines)
            line = self.read_line(first, item, reasons)
            lines.append(line)
            self.kinds.append(LINE)
            for found in item.iterfind(line_allowances, self.namespaces):
                allowance(found, line.get("tax_category", ""), line["tax_rate"])
            nets.append(self.line_net(first, item, lines[first:]))
        self.lines_net(nets)
        for found, category, percent in document_allowances:
            allowance(found, category, self.fraction(f"lines[{len(lines)}].tax_rate", percent) if percent else "0")
        return lines

    def line_net(self, index: int, item: etree._Element, parts: list[dict[str, Any]]) -> Decimal | None:
        """The net amount the invoice line ``item`` states (BT-131), checked against what its
        quantity, net price and allowances and charges (``parts``: the line, then theirs) make,
        to the cent; None when it states none or none that can be read."""
        stated = self.text(item, self.line_net_path)
        if not stated:
            return None
        value = decimal_or_none(stated)
        if value is None:
            self.problem(f"lines[{index}].BT-131", Message("The line's net amount %(amount)s (BT-131) is not an amount.",
                                                           amount=quoted(stated)))
            return None
        unread = {f"lines[{k}].{name}" for k in range(index, index + len(parts)) for name in ("quantity", "unit_price")}
        if any(where in unread for where, _ in self.out.problems):
            return value               # a quantity or price that cannot be read is a problem of its own
        made = Decimal(0)
        for part in parts:
            quantity, price = decimal_or_none(part.get("quantity", "")), decimal_or_none(part.get("unit_price", ""))
            if quantity is None or price is None or max(abs(quantity), abs(price)) >= AMOUNT_LIMIT:
                return value           # one beyond what a field takes is refused on its own field
            made += quantity * price
        if _cents(made) != _cents(value):
            self.problem(f"lines[{index}].BT-131", Message(
                "The line's net amount (BT-131) is %(stated)s, but its quantity times its net price, with its "
                "allowances and charges, makes %(made)s.", stated=stated, made=format(_cents(made), "f")))
        return value

    def lines_net(self, nets: list[Decimal | None]) -> None:
        """BR-CO-10: the sum of the line net amounts the document states (BT-106) is the sum of
        the lines' (BT-131), when every line states one."""
        stated = self.text(self.root, self.lines_net_path)
        if not stated or not nets or any(net is None for net in nets):
            return
        value = decimal_or_none(stated)
        made = sum((net for net in nets if net is not None), Decimal(0))
        if value is None:
            self.problem("BT-106", Message("The sum of the line net amounts %(amount)s (BT-106) is not an amount.",
                                           amount=quoted(stated)))
        elif _cents(value) != _cents(made):
            self.problem("BT-106", Message(
                "[BR-CO-10] The sum of the line net amounts (BT-106) is %(stated)s, but the lines' net amounts "
                "(BT-131) add up to %(made)s.", stated=stated, made=format(_cents(made), "f")))

    def category_rules(self) -> None:
        """The problems of the VAT category rules (``category_rules``), once the fields are read."""
        for where, message in category_problems(self.out.payload, self.kinds, buyer_vat_id=self.out.buyer_vat_id,
                                                buyer_legal_id=self.buyer_legal_id):
            self.problem(where, message)

    @staticmethod
    def address(name: str, parts: dict[str, str], line_three: str) -> dict[str, str]:
        """An address from its parts (``name`` first), its third line (BT-163) joined to the
        second; empty parts left out."""
        found = {"name": name, **parts}
        if line_three:
            found["street2"] = ", ".join(p for p in (found.get("street2", ""), line_three) if p)
        return {part: value for part, value in found.items() if value}

    def problem(self, where: str, message: Message) -> None:
        self.out.problems.append((where, message))

    def seller_address(self, endpoint: etree._Element | None) -> None:
        """The seller's electronic address (BT-34) ``endpoint`` states, if any, as ``seller_electronic_address``."""
        if endpoint is None:
            return
        value = stated_electronic_address(endpoint.get("schemeID") or "", endpoint.text or "")
        if len(value) > ELECTRONIC_ADDRESS_LENGTH:
            self.problem("BT-34", Message("The seller's electronic address (BT-34) is longer than %(limit)s "
                                          "characters.", limit=ELECTRONIC_ADDRESS_LENGTH))
            return
        self.out.seller_electronic_address = value

    def text(self, parent: etree._Element, path: str) -> str:
        element = parent.find(path, self.namespaces)
        return (element.text or "").strip() if element is not None else ""

    def buyer_data(self, reference: str) -> None:
        """The invoice's ``buyer``: the VAT id (BT-48), the routing reference (BT-10) and a
        participant id as electronic address (BT-49) it states, kept even for a buyer no customer has."""
        stated = {part: value for part, value in (("vat_id", self.out.buyer_vat_id), ("reference", reference),
                                                  ("electronic_address", self.buyer_participant_id)) if value}
        if stated:
            self.out.payload["buyer"] = stated

    @staticmethod
    def reasons_by_category(pairs: Iterable[tuple[str, str, str]]) -> dict[str, str]:
        """The exemption reason of each VAT category of the breakdown that gives one, from
        ``(category, reason text BT-120, reason code BT-121)``: the text, else the code
        (``VATEX-EU-132``), which EN 16931 takes in its place (BR-E-10)."""
        reasons: dict[str, str] = {}
        for category, reason, code in pairs:
            if reason or code:
                reasons.setdefault(category, reason or code)
        return reasons

    def make_line(self, index: int, *, description: str, sku: str, quantity: etree._Element | None,
                  quantity_element: str, price: str, basis: str, category: str, rate: str,
                  reasons: dict[str, str]) -> dict[str, Any]:
        """A line's fields from what the e-invoice gives (each syntax finds them in its own
        elements): the unit from the quantity's code, the price per unit, the VAT rate as a
        fraction and its category's exemption reason; what is missing is a problem on the line."""
        at = f"lines[{index}]"
        line: dict[str, Any] = {"description": description}
        if sku:
            line["sku"] = sku
        if quantity is None:
            self.problem(f"{at}.quantity", Message("The line's quantity (BT-129, %(element)s) is missing.",
                                                   element=quantity_element))
        else:
            line["quantity"] = (quantity.text or "").strip()
            line["unit"] = unit_name(quantity.get("unitCode", ""))
        if not price:
            self.problem(f"{at}.unit_price", Message("The line's net price (BT-146) is missing."))
        else:
            line["unit_price"] = self.per_unit(at, price, basis)
            _positive_quantity(line)
        if category:
            line["tax_category"] = category
            if category in reasons:
                line["tax_exemption_reason"] = reasons[category]
        line["tax_rate"] = self.fraction(f"{at}.tax_rate", rate) if rate else "0"
        return line

    def allowance_line(self, index: int, *, charge: bool, amount: str, reason: str, reason_code: str,
                       category: str, rate: str) -> dict[str, Any]:
        """An allowance (a discount) or a charge (shipping, a fee) as a line of its own: one
        unit at its amount, negative for an allowance, in its VAT category at ``rate`` (a
        fraction), described by its reason (BT-97/BT-104, else its code, else "Allowance" or
        "Charge"). So the lines make the totals the e-invoice states."""
        at = f"lines[{index}]"
        self.allowance_kind = CHARGE if charge else ALLOWANCE
        value = decimal_or_none(amount)
        if value is None or value < 0:
            self.problem(f"{at}.unit_price", Message("The allowance or charge amount %(amount)s (BT-92, BT-99) "
                                                     "is not an amount.", amount=repr(amount)))
        line: dict[str, Any] = {"description": reason or reason_code or ("Charge" if charge else "Allowance"),
                                "quantity": "1", "unit_price": amount if charge or value is None else
                                format(-value, "f"), "tax_rate": rate}
        if category:
            line["tax_category"] = category
        return line

    def per_unit(self, at: str, price: str, basis: str) -> str:
        """The price of one unit: BT-146 for BT-149 units."""
        if not basis:
            return price
        amount, per = decimal_or_none(price), decimal_or_none(basis)
        if amount is None or per is None or per <= 0:
            self.problem(f"{at}.unit_price", Message("The price %(price)s per %(basis)s units (BT-149) is not a price "
                                                     "per unit.", price=price, basis=basis))
            return price
        return format((amount / per).normalize(), "f")

    def fraction(self, where: str, percent: str) -> str:
        """A VAT rate in percent (BT-152) as the fraction the import takes."""
        value = decimal_or_none(percent)
        if value is None:
            self.problem(where, Message("The VAT rate %(rate)s (BT-152) is not a number.", rate=repr(percent)))
            return percent
        return format((value / 100).normalize(), "f")

    def currencies(self, currency: str, tax_currency: str, tax_total: Callable[[etree._Element], bool]) -> None:
        """A problem on BT-5 for the first amount stated in another currency (its ``currencyID``)
        than the invoice's ``currency``, except a VAT total (``tax_total``) in the VAT accounting
        currency ``tax_currency`` (BT-6, BT-111): such a document does not say which its amounts are in."""
        if not currency:
            return
        for element in self.root.iter():
            found = element.get("currencyID") if isinstance(element.tag, str) else None
            if found is None or found == currency or (tax_currency and found == tax_currency and tax_total(element)):
                continue
            self.problem("BT-5", Message(
                "<%(element)s> is stated in %(found)s, not in the invoice currency %(currency)s (BT-5).",
                element=etree.QName(element).localname, found=found, currency=currency))
            return

    def payment_status(self, prepaid_text: str) -> None:
        """BT-113 (paid amount) against BT-112: paid in full, or in part."""
        prepaid = decimal_or_none(prepaid_text)
        total = decimal_or_none(self.out.totals.get("total_amount", ""))
        if prepaid is None or total is None or prepaid <= 0:
            return
        self.out.payload["payment_status"] = "paid_in_full" if prepaid >= total else "paid_partially"


def _cents(value: Decimal) -> Decimal:
    """``value`` to the cent, as EN 16931 states amounts (BR-DEC); one too large for any amount
    as it is (so that it compares unequal rather than failing to round)."""
    if value.adjusted() > 40:
        return value
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=Context(prec=60))


def decimal_or_none(text: str) -> Decimal | None:
    """``text`` as a finite decimal, or None."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def unit_name(code: str) -> str:
    """The unit printed on a line for a Recommendation 20/21 code (the code when unknown)."""
    return UNIT_NAMES.get(code, code)


class _Reader(FieldReader):
    """CII (``rsm:CrossIndustryInvoice``)."""

    namespaces = NSMAP
    line_net_path = "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    lines_net_path = f"{_SUMMATION}/ram:LineTotalAmount"

    # ---- the parts ---------------------------------------------------------------------

    def read(self) -> EInvoice:
        payload = self.out.payload
        self.given(self.text(self.root, "rsm:ExchangedDocument/ram:ID"), "BT-1",
                   Message("The invoice number (ram:ID of rsm:ExchangedDocument) is missing."),
                   "external_id", "invoice_number")
        payload["status"] = "posted"
        self._type()
        self.date("invoice_date", "BT-2", "rsm:ExchangedDocument/ram:IssueDateTime", required=True)
        self.given(self.text(self.root, f"{_SETTLEMENT}/ram:InvoiceCurrencyCode"), "BT-5",
                   Message("The invoice currency (ram:InvoiceCurrencyCode) is missing."), "currency")
        self.date("due_date", "BT-9", f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime")
        self.date("delivery_date", "BT-72", f"{_DELIVERY}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime")
        self.date("delivery_period_start", "BT-73", f"{_SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:StartDateTime")
        self.date("delivery_period_end", "BT-74", f"{_SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:EndDateTime")
        registration = f"{_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID"
        self.out.seller_vat_id = self.text(self.root, f"{registration}[@schemeID='VA']")
        self.out.seller_tax_id = self.text(self.root, f"{registration}[@schemeID='FC']")
        self.seller_address(self.root.find(f"{_AGREEMENT}/ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID",
                                           NSMAP))
        self._buyer()
        # BT-14, the seller's order; BT-13 (BuyerOrderReferencedDocument) is the buyer's PO number
        order = self.text(self.root, f"{_AGREEMENT}/ram:SellerOrderReferencedDocument/ram:IssuerAssignedID")
        if order:
            payload["order_identifier"] = order
        purchase_order = self.text(self.root, f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
        if purchase_order:
            payload["purchase_order"] = purchase_order
        items = f"{_TRANSACTION}/ram:IncludedSupplyChainTradeLineItem"
        payload["lines"] = self.lines(
            self.root.iterfind(items, NSMAP), self._exemption_reasons(),
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge",
            ((found, self.text(found, "ram:CategoryTradeTax/ram:CategoryCode"),
              self.text(found, "ram:CategoryTradeTax/ram:RateApplicablePercent"))
             for found in self.root.iterfind(f"{_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", NSMAP)))
        if self.root.find(items, NSMAP) is None:
            self.problem("BG-25", Message("The e-invoice has no invoice lines (a MINIMUM or BASIC WL profile); only "
                                          "profiles with lines (BASIC, EN 16931, EXTENDED, XRechnung) can be imported."))
        currency = payload.get("currency", "")
        self.currencies(currency, self.text(self.root, f"{_SETTLEMENT}/ram:TaxCurrencyCode"),
                        lambda element: etree.QName(element).localname == "TaxTotalAmount")
        for name, term in (("subtotal", "TaxBasisTotalAmount"), ("total_amount", "GrandTotalAmount")):
            value = self.text(self.root, f"{_SUMMATION}/ram:{term}")
            if value:
                self.out.totals[name] = value
        for amount in self.root.iterfind(f"{_SUMMATION}/ram:TaxTotalAmount", NSMAP):  # BT-110, not BT-111
            if amount.get("currencyID", currency) == currency and (amount.text or "").strip():
                self.out.totals["tax_amount"] = amount.text.strip()
                break
        self.payment_status(self.text(self.root, f"{_SUMMATION}/ram:TotalPrepaidAmount"))
        self.category_rules()
        return self.out

    def _type(self) -> None:
        code = self.text(self.root, "rsm:ExchangedDocument/ram:TypeCode")
        if code == CREDIT_NOTE_TYPE_CODE:
            self.out.payload["document_type"] = "credit_note"
            credited = self.text(self.root, f"{_SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
            if credited:
                self.out.payload["credited_invoice_external_id"] = credited
            for note in self.root.iterfind("rsm:ExchangedDocument/ram:IncludedNote", NSMAP):
                if self.text(note, "ram:SubjectCode") == CREDIT_REASON_SUBJECT:
                    self.out.payload["credit_reason"] = self.text(note, "ram:Content")
        elif code != INVOICE_TYPE_CODE:
            self.problem("BT-3", document_type_problem(code))

    def _buyer(self) -> None:
        payload = self.out.payload
        buyer = self.root.find(f"{_AGREEMENT}/ram:BuyerTradeParty", NSMAP)
        if buyer is None:
            self.problem("BG-7", Message("The buyer (ram:BuyerTradeParty) is missing."))
            return
        name = self.text(buyer, "ram:Name")
        if name:
            payload["customer_name"] = name
        email = self.text(buyer, "ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']")
        if email:
            payload["customer_user_email"] = email
        endpoint = buyer.find("ram:URIUniversalCommunication/ram:URIID", NSMAP)
        if endpoint is not None:
            self.buyer_participant_id = participant_id(endpoint.get("schemeID") or "", endpoint.text or "")
        self.out.buyer_vat_id = self.text(buyer, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']")
        self.buyer_legal_id = self.text(buyer, "ram:SpecifiedLegalOrganization/ram:ID")
        self.buyer_data(self.text(self.root, f"{_AGREEMENT}/ram:BuyerReference"))
        bill_to = self._address(buyer, name)
        if bill_to:
            payload["bill_to"] = bill_to
        ship_party = self.root.find(f"{_DELIVERY}/ram:ShipToTradeParty", NSMAP)
        if ship_party is not None:
            ship_to = self._address(ship_party, self.text(ship_party, "ram:Name"))
            if ship_to:
                payload["ship_to"] = ship_to

    def _address(self, party: etree._Element, name: str) -> dict[str, str]:
        address = party.find("ram:PostalTradeAddress", NSMAP)
        if address is None:
            return self.address(name, {}, "")
        return self.address(name, {part: self.text(address, f"ram:{element}") for part, element in (
            ("street", "LineOne"), ("street2", "LineTwo"), ("city", "CityName"), ("postal_code", "PostcodeCode"),
            ("country", "CountryID"), ("region", "CountrySubDivisionName"))}, self.text(address, "ram:LineThree"))

    def read_allowance(self, index: int, found: etree._Element, category: str, rate: str) -> dict[str, Any]:
        """A document's (BG-20, BG-21) or a line's (BG-27, BG-28) allowance or charge."""
        return self.allowance_line(
            index, charge=self.text(found, "ram:ChargeIndicator/udt:Indicator").lower() == "true",
            amount=self.text(found, "ram:ActualAmount"), reason=self.text(found, "ram:Reason"),
            reason_code=self.text(found, "ram:ReasonCode"), category=category, rate=rate)

    def _exemption_reasons(self) -> dict[str, str]:
        return self.reasons_by_category(
            (self.text(tax, "ram:CategoryCode"), self.text(tax, "ram:ExemptionReason"),
             self.text(tax, "ram:ExemptionReasonCode"))
            for tax in self.root.iterfind(f"{_SETTLEMENT}/ram:ApplicableTradeTax", NSMAP))

    def read_line(self, index: int, item: etree._Element, reasons: dict[str, str]) -> dict[str, Any]:
        agreement = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
        tax = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
        return self.make_line(
            index, description=self.text(item, "ram:SpecifiedTradeProduct/ram:Name"),
            sku=self.text(item, "ram:SpecifiedTradeProduct/ram:SellerAssignedID"),
            quantity=item.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", NSMAP),
            quantity_element="ram:BilledQuantity", price=self.text(item, f"{agreement}/ram:ChargeAmount"),
            basis=self.text(item, f"{agreement}/ram:BasisQuantity"), category=self.text(item, f"{tax}/ram:CategoryCode"),
            rate=self.text(item, f"{tax}/ram:RateApplicablePercent"), reasons=reasons)

    # ---- values ------------------------------------------------------------------------

    def date(self, name: str, term: str, path: str, *, required: bool = False) -> None:
        element = self.root.find(f"{path}/udt:DateTimeString", NSMAP)
        if element is None:
            if required:
                self.problem(term, Message("The date (%(element)s) is missing.", element=path.rsplit("/", 1)[-1]))
            return
        text, form = (element.text or "").strip(), element.get("format", "102")
        try:
            if form != "102":
                raise ValueError
            self.out.payload[name] = dt.datetime.strptime(text, "%Y%m%d").date().isoformat()
        except ValueError:
            self.problem(term, Message("%(value)s (format %(format)s) is not a date in format 102 (YYYYMMDD).",
                                       value=quoted(text), format=form))


def document_type_problem(code: str) -> Message:
    """Why a document of type ``code`` (BT-3; empty: none given) is not imported."""
    if not code:
        return Message("The document names no document type (BT-3); only commercial invoices (%(invoice)s) and "
                       "credit notes (%(credit_note)s) can be imported.", invoice=INVOICE_TYPE_CODE,
                       credit_note=CREDIT_NOTE_TYPE_CODE)
    return Message("Document type %(code)s cannot be imported; only commercial invoices (%(invoice)s) and credit "
                   "notes (%(credit_note)s) can.", code=code, invoice=INVOICE_TYPE_CODE,
                   credit_note=CREDIT_NOTE_TYPE_CODE)
