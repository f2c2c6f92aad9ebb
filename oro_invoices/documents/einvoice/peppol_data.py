"""What the Peppol BIS Billing 3.0 rules ask of an invoice's data that the add-on can tell before
any XML is checked, said in words naming what to set.

The ``ubl`` profile names the Peppol billing process (BT-23) and XRechnung includes the Peppol
rules, so an invoice that cannot keep them is not issued in those profiles: the schematron's
own wording ("Buyer electronic address MUST be provided") does not say where the data comes from.
The EN 16931 CII profiles (Factur-X) are not Peppol documents and are not checked here.

Each text is a ``Message``: English where the API and the command line show it, in the reader's
language on a page (the rule id stays as the rules name it).
"""
from __future__ import annotations

from oro_invoices.documents.einvoice.terms import (
    PAYMENT_MEANS,
    buyer_electronic_address,
    document_payment_means,
    seller_electronic_address,
)
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import N_, Message

#: The profiles that keep the Peppol rules checked here.
PEPPOL_PROFILES = frozenset({"ubl", "xrechnung_ubl", "xrechnung"})
#: The profiles of XRechnung, which requires the buyer reference (BT-10) itself: BR-DE-15.
XRECHNUNG_PROFILES = frozenset({"xrechnung_ubl", "xrechnung"})
#: The payment means that need a direct debit mandate (BT-89, PEPPOL-EN16931-R061): 49 and 59.
DIRECT_DEBIT = frozenset({PAYMENT_MEANS["direct_debit"], PAYMENT_MEANS["sepa_direct_debit"]})

#: R020 in words: the seller's E-Invoice Address, else its contact email, is BT-34.
NO_SELLER_ELECTRONIC_ADDRESS = N_(
    "The seller has no electronic address (BT-34): set the seller's E-Invoice Address "
    "(oro_invoices.seller.electronic_address, an invoicing email or a Peppol participant id) or its "
    "contact email (oro_invoices.seller.contact_email).")


def missing(doc: InvoiceDocument, profile: str) -> list[tuple[str, str]]:
    """The Peppol (and XRechnung) rules ``doc`` cannot keep in ``profile`` for want of data (rule
    id, what to set, a ``Message``)."""
    if profile not in PEPPOL_PROFILES:
        return []
    found: list[tuple[str, str]] = []
    if buyer_electronic_address(doc) is None:
        found.append(("PEPPOL-EN16931-R010", _no_electronic_address(doc)))
    if seller_electronic_address(doc.seller) is None:
        found.append(("PEPPOL-EN16931-R020", Message(NO_SELLER_ELECTRONIC_ADDRESS)))
    if not doc.buyer.reference:  # XRechnung requires BT-10 itself, where Peppol takes a PO (BT-13) too
        if profile in XRECHNUNG_PROFILES:
            found.append(("BR-DE-15", _no_buyer_reference_xrechnung(doc)))
        elif not doc.purchase_order:
            found.append(("PEPPOL-EN16931-R003", _no_buyer_reference(doc)))
    if document_payment_means(doc) in DIRECT_DEBIT:
        found.append(("PEPPOL-EN16931-R061",
                      Message("Direct debit needs the mandate reference (BT-89), which invoices do not keep: set "
                              "the seller's Payment Means (oro_invoices.seller.payment_means) to another means.")))
    return found


def _no_buyer_reference(doc: InvoiceDocument) -> Message:
    """R003 in words: a credit note's says where to give the reference its invoice did not state.

    A credit note states the PO number (BT-13) of the invoice it credits, and the number of that
    invoice (BT-25) is no buyer reference: without either, the buyer's reference is asked for."""
    if doc.is_credit_note:
        return Message("The credit note has no buyer reference (BT-10) and no purchase order reference (BT-13), one "
                       "of which Peppol requires, and invoice %(number)s, which it credits, states none either: give "
                       "the buyer's reference when creating the credit note (Buyer reference on the Create Credit "
                       "Note form, buyer_reference in POST /api/invoices/{id}/credit-notes) or set the customer's "
                       "buyer reference (CustomerRef.buyer_reference).", number=_credited(doc))
    return Message("The invoice has no buyer reference (BT-10) and no purchase order reference (BT-13), one "
                   "of which Peppol requires: give the buyer's PO number (PO Number on the invoice, "
                   "purchase_order), set the customer's buyer reference (CustomerRef.buyer_reference) "
                   "or state one on the invoice (buyer.reference).")


def _no_buyer_reference_xrechnung(doc: InvoiceDocument) -> Message:
    """BR-DE-15 in words, rather than the XRechnung rules' own German ("Das Element …")."""
    if doc.is_credit_note:
        return Message("The credit note has no buyer reference (BT-10), which XRechnung requires, and invoice "
                       "%(number)s, which it credits, states none either: give the buyer's reference when creating "
                       "the credit note (Buyer reference on the Create Credit Note form, buyer_reference in POST "
                       "/api/invoices/{id}/credit-notes) or set the customer's buyer reference "
                       "(CustomerRef.buyer_reference).", number=_credited(doc))
    return Message("The invoice has no buyer reference (BT-10), which XRechnung requires (the Leitweg-ID of a "
                   "public buyer): set the customer's buyer reference (CustomerRef.buyer_reference) or state one "
                   "on the invoice (buyer.reference).")


def _credited(doc: InvoiceDocument) -> str:
    return (doc.credited_invoice.number or "") if doc.credited_invoice is not None else ""


def _no_electronic_address(doc: InvoiceDocument) -> Message:
    given = doc.buyer.electronic_address
    if given:
        return Message("The customer's e-invoice address %(address)s (BT-49) is neither an email address nor a "
                       "Peppol participant id written scheme:id (such as 0088:4035811991021): correct the "
                       "customer's e-invoice address (CustomerRef.einvoice_address).", address=repr(given))
    return Message("The buyer has no electronic address (BT-49): set the customer's e-invoice address "
                   "(CustomerRef.einvoice_address, an invoicing email or a Peppol participant id) or give the "
                   "invoice a customer user with an email address.")
