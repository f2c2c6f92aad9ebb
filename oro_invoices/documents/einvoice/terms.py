"""The EN 16931 business terms the CII and the UBL writers state alike: document type and
unit codes, the means of payment, the date of supply, and how amounts are written."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from oro_invoices.domain.invoice import Address, InvoiceDocument, InvoiceLine, SellerInfo, TaxCategory
from oro_invoices.domain.limits import identifier_problem
from oro_invoices.domain.money import minor_units, round_money
from oro_invoices.formatting.countries import country_codes

#: The profiles of the German CIUS, in CII and in UBL syntax.
XRECHNUNG_PROFILES = frozenset({"xrechnung", "xrechnung_ubl"})
#: The profiles in UBL syntax, whose XML is a file of its own (the others are CII, which a
#: Factur-X PDF carries).
UBL_PROFILES = frozenset({"ubl", "xrechnung_ubl"})

#: BT-23, the Peppol billing process: every UBL names it (PEPPOL-EN16931-R001, so a Peppol access
#: point takes the EN 16931 UBL as it is), and so does an XRechnung in either syntax.
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
XRECHNUNG_PROCESS = BILLING_PROCESS
#: UNTDID 1001: commercial invoice, credit note.
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"
#: UNTDID 4451 subject code of a credit note's reason (BT-21): "Reason".
CREDIT_REASON_SUBJECT = "ACD"
#: The payment means setting → UNTDID 4461 codes.
PAYMENT_MEANS = {"sepa_credit_transfer": "58", "credit_transfer": "30", "direct_debit": "49",
                 "sepa_direct_debit": "59", "bank_card": "48"}
#: Common spellings of an invoice line's unit → UN/ECE Recommendation 20 codes.
#: Packaging (bag, box, bottle …) uses Recommendation 21 codes with an X before them, as EN 16931 does.
UNIT_CODES = {"": "C62", "item": "C62", "items": "C62", "each": "C62", "ea": "C62", "pc": "H87",
              "pcs": "H87", "piece": "H87", "pieces": "H87", "unit": "C62", "units": "C62",
              "pair": "PR", "pairs": "PR", "dozen": "DZN", "set": "SET", "sets": "SET",
              "lump sum": "LS", "license": "C62", "licence": "C62",
              "kg": "KGM", "kilogram": "KGM", "g": "GRM", "gram": "GRM", "t": "TNE", "tonne": "TNE",
              "lb": "LBR", "oz": "ONZ",
              "l": "LTR", "liter": "LTR", "litre": "LTR", "ml": "MLT",
              "m": "MTR", "meter": "MTR", "metre": "MTR", "cm": "CMT", "mm": "MMT", "km": "KMT",
              "ft": "FOT", "in": "INH", "m2": "MTK", "m²": "MTK", "sqm": "MTK", "m3": "MTQ", "m³": "MTQ",
              "kwh": "KWH",
              "min": "MIN", "minute": "MIN", "minutes": "MIN", "h": "HUR", "hour": "HUR", "hours": "HUR",
              "day": "DAY", "days": "DAY", "week": "WEE", "weeks": "WEE", "month": "MON", "months": "MON",
              "year": "ANN", "years": "ANN",
              "pack": "XPK", "box": "XBX", "bag": "XBG", "bottle": "XBO", "can": "XCA", "carton": "XCT",
              "roll": "XRO", "pallet": "XPX"}


def document_type_code(doc: InvoiceDocument) -> str:
    """BT-3: 381 for a credit note, else 380."""
    return CREDIT_NOTE_TYPE_CODE if doc.is_credit_note else INVOICE_TYPE_CODE


def unit_code(unit: str) -> str:
    """The Recommendation 20 code for a line's unit; a code given as such is kept."""
    text = unit.strip()
    if text.lower() in UNIT_CODES:
        return UNIT_CODES[text.lower()]
    return text if text.isupper() and text.isalnum() and 2 <= len(text) <= 3 else "C62"


def quantity_and_price(line: InvoiceLine) -> tuple[Decimal, Decimal]:
    """BT-129 and BT-146 of ``line``. A net price is never negative (BR-27), so a line at a
    negative price (a discount or a coupon) is stated as the negative quantity of its price;
    its amount (BT-131) is the same."""
    if line.unit_price < 0:
        return -line.quantity, -line.unit_price
    return line.quantity, line.unit_price


#: BT-81 of a credit note: "clearing between partners" (UNTDID 4461). Its amount comes off the
#: invoice it credits, so the buyer pays nothing to the seller's account by it.
CLEARING = "97"


def document_payment_means(doc: InvoiceDocument) -> str | None:
    """BT-81 of ``doc``: a credit note's is ``CLEARING``; an invoice's, its seller's means."""
    return CLEARING if doc.is_credit_note else payment_means_code(doc.seller, doc.currency)


def document_payment_terms(doc: InvoiceDocument) -> str:
    """BT-20 of ``doc``: the seller's payment terms, which no credit note is paid by."""
    return "" if doc.is_credit_note else doc.seller.payment_terms


def payment_means_code(seller: SellerInfo, currency: str) -> str | None:
    """BT-81, or None when the invoice names no means of payment."""
    if seller.payment_means:
        return PAYMENT_MEANS[seller.payment_means]
    if seller.iban:
        return "58" if currency == "EUR" else "30"
    return None


def is_xrechnung(profile: str) -> bool:
    """Whether ``profile`` is an XRechnung (the German CIUS), in either syntax."""
    return profile in XRECHNUNG_PROFILES


def delivery_date(doc: InvoiceDocument, profile: str) -> dt.date | None:
    """BT-72: the invoice's delivery date; without one (and without an invoicing period), the
    invoice date where a rule needs a date of supply, else None.

    A date is needed for an intra-community supply (BR-IC-11), from a German seller (the
    Factur-X rule BR-FX-EN-04; German VAT law lets an invoice state that the supply date is
    the invoice date) and in an XRechnung (BR-DE-TMP-32).
    """
    if doc.delivery_date is not None or doc.delivery_period_start or doc.delivery_period_end:
        return doc.delivery_date
    needs_one = (is_xrechnung(profile) or doc.seller.country_code == "DE"
                 or any(t.category is TaxCategory.INTRA_COMMUNITY for t in doc.taxes))
    return doc.invoice_date if needs_one else None


#: A Peppol participant id as a customer's e-invoice address states it: the electronic address
#: scheme (EAS, four digits) and the id, ``0088:4035811991021``.
PARTICIPANT_ID = re.compile(r"(?P<scheme>[0-9]{4}):(?P<id>\S+)")
#: An email address as an electronic address (scheme ``EM``): a part before and after one ``@``.
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
#: BT-14 in UBL needs an order reference (BT-13): without the buyer's, Peppol BIS writes "NA".
NO_BUYER_ORDER = "NA"


def electronic_address(value: str) -> tuple[str, str] | None:
    """An electronic address (BT-34, BT-49) and its scheme (EAS): a Peppol participant id
    ``scheme:id`` gives its two parts, an email address the scheme ``EM``; None for anything else:
    a lone ``@``, nothing before or after it (``@example.com``, ``billing@``), two of them, or a
    control or invisible character (a zero-width space), with which no mail or Peppol access point
    finds the buyer."""
    value = value.strip()
    if identifier_problem(value) is not None:
        return None
    found = PARTICIPANT_ID.fullmatch(value)
    if found:
        return found["id"], found["scheme"]
    if EMAIL_ADDRESS.fullmatch(value):
        return value, "EM"
    return None


def participant_id(scheme: str, value: str) -> str:
    """An electronic address read from an e-invoice as a customer's e-invoice address states it
    (``scheme:id``), when its scheme is a four-digit EAS code; else ""."""
    written = f"{scheme.strip()}:{value.strip()}"
    return written if value.strip() and PARTICIPANT_ID.fullmatch(written) else ""


#: The longest electronic address (BT-34, BT-49) kept: the setting's and the API field's limit.
ELECTRONIC_ADDRESS_LENGTH = 255


def stated_electronic_address(scheme: str, value: str) -> str:
    """An electronic address read from an e-invoice (BT-34, BT-49) as the setting and the
    ``electronic_address`` fields write it: the email of scheme ``EM``, else ``scheme:id``;
    "" for one that is neither."""
    if scheme.strip() == "EM":
        found = electronic_address(value)
        return found[0] if found is not None and found[1] == "EM" else ""
    return participant_id(scheme, value)


def seller_electronic_address(seller: SellerInfo) -> tuple[str, str] | None:
    """BT-34 and its scheme: the seller's e-invoice address when set (and one an e-invoice can
    state), else its contact email; None when there is neither."""
    found = electronic_address(seller.electronic_address) if seller.electronic_address else None
    if found is None and seller.contact_email:
        return seller.contact_email, "EM"
    return found


def buyer_electronic_address(doc: InvoiceDocument) -> tuple[str, str] | None:
    """BT-49 and its scheme: the customer's e-invoice address, else the customer user's email;
    None when there is neither (or the customer's is neither an email nor a participant id)."""
    if doc.buyer.electronic_address:
        return electronic_address(doc.buyer.electronic_address)
    return electronic_address(doc.customer_user_email) if doc.customer_user_email else None


def buyer_name(doc: InvoiceDocument) -> str:
    """BT-44: the customer's name, else the billing address's organization or name."""
    bill_to = doc.bill_to
    return doc.customer_name or (bill_to.organization or bill_to.name if bill_to else "")


def delivery_place(doc: InvoiceDocument) -> tuple[Address | None, str]:
    """Where the goods went (BG-15): the shipping address (else the billing one) and its country
    (BT-80; the buyer's when the address names no known one, "" when neither does)."""
    ship_to = doc.ship_to or doc.bill_to
    return ship_to, known_country(ship_to.country if ship_to else "") or doc.buyer.country_code


def outside_scope(doc: InvoiceDocument) -> bool:
    """An invoice outside the scope of VAT names no VAT ids (BR-O-02 … BR-O-04)."""
    return any(t.category is TaxCategory.OUTSIDE_SCOPE for t in doc.taxes)


def known_country(value: str) -> str:
    """An ISO 3166 country code, or "" for anything else."""
    value = value.strip().upper()
    return value if value in country_codes() else ""


#: The most decimals EN 16931 allows an amount (BR-DEC-*).
AMOUNT_DECIMALS = 2


def amount(value: Decimal, currency: str) -> str:
    """An amount with the currency's decimals. EN 16931 allows at most 2: an amount of a
    currency with more (BHD, KWD: 3) is written with 2 when that is exact (12.500 → 12.50);
    one that is not (3.705) keeps its 3, which the rules refuse (``beyond_two_decimals``)."""
    rounded = round_money(value, currency)
    cents = rounded.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS))
    return format(cents if cents == rounded and minor_units(currency) > AMOUNT_DECIMALS else rounded, "f")


def beyond_two_decimals(doc: InvoiceDocument) -> list[Decimal]:
    """The amounts of ``doc`` that EN 16931 cannot state: those with more than 2 decimals (a
    currency with 3, such as BHD), each once: the line amounts, the tax breakdown, the totals."""
    values = [line.row_total for line in doc.lines]
    values += [v for tax in doc.taxes for v in (tax.base, tax.amount)]
    values += [doc.subtotal, doc.tax_amount, doc.total_amount]
    return list(dict.fromkeys(v for v in values if v != v.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS))))


def percent(rate: Decimal) -> str:
    """A rate (0.19) as the percentage EN 16931 writes (19)."""
    return plain(rate * 100)


def plain(value: Decimal) -> str:
    """A decimal without exponent or needless trailing zeros (at least the integer part)."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text
