"""E-invoices: the EN 16931 XML of a posted invoice, checked, and attached to its PDF or kept
beside it.

At posting (``oro_invoices.einvoice.enabled``) the XML is built from the would-be-posted
invoice, the same frozen snapshot the PDF is rendered from, and checked against the
profile's XSD and schematron rules in-process. A valid CII XML is attached to the PDF/A-3
that is stored write-once (Factur-X / ZUGFeRD); a valid UBL XML, which no PDF carries, is
kept beside the PDF in the posting transaction (``keep_source``). An invalid one refuses the
posting (``on_invalid: refuse``, ``EInvoiceInvalid`` naming each rule) or is left out
(``post_without``, recorded in the invoice's activity). ``xml_in`` reads the XML back out of
a stored PDF.

An invoice imported from XML keeps that XML the same way (``keep_source``,
``EInvoiceSourceRow``), and **Download XML** gives a kept XML back as issued (``kept_xml``).
The PDF made for an imported invoice carries a CII XML byte for byte (``kept``) instead of
one built from the invoice's fields, whatever the e-invoice settings; a UBL XML it cannot
carry (Factur-X is CII only), so that PDF carries no XML at all rather than a second,
different e-invoice.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from oro_invoices.documents.einvoice.terms import UBL_PROFILES, beyond_two_decimals
from oro_invoices.documents.storage import sha256_hex
from oro_invoices.domain.errors import ConfigurationError, EInvoiceInvalid, StorageError
from oro_invoices.domain.invoice import InvoiceDocument, display_number
from oro_invoices.domain.messages import Message, PluralMessage
from oro_invoices.persistence.models import EInvoiceSourceRow, Invoice
from oro_invoices.services.context import ServiceContext

ENABLED = "oro_invoices.einvoice.enabled"
PROFILE = "oro_invoices.einvoice.profile"
ON_INVALID = "oro_invoices.einvoice.on_invalid"
SIGNING_CERTIFICATE = "oro_invoices.einvoice.signing_certificate"
XML_FILENAME = "factur-x.xml"
PROFILE_LABELS = {"basic": "Factur-X BASIC", "en16931": "Factur-X EN 16931", "xrechnung": "XRechnung 3.0",
                  "extended": "Factur-X EXTENDED", "ubl": "EN 16931 UBL",
                  "xrechnung_ubl": "XRechnung 3.0 UBL", "peppol": "Peppol BIS Billing 3.0"}
#: At most this many broken rules are named in an error or activity entry.
MAX_NAMED = 20
#: how pikepdf names the in-memory file in its errors ("stream <_io.BytesIO object at 0x…>: ")
_PDF_STREAM = re.compile(r"^stream <[^>]*>: ")


@dataclass(frozen=True)
class EInvoice:
    """The outcome for one invoice: its checked XML, or the rules it broke.

    ``kept``: the XML (UBL) is kept beside the PDF, which carries none; else (CII) the PDF
    carries it."""

    profile: str
    xml: bytes | None
    broken: list[tuple[str, str]] = field(default_factory=list)
    kept: bool = False

    @property
    def carried(self) -> bytes | None:
        """The XML the PDF is to carry, if any."""
        return None if self.kept else self.xml

    @property
    def summary(self) -> str:
        """The activity line: what was attached or kept, or why nothing was."""
        label = PROFILE_LABELS[self.profile]
        if self.xml is not None and self.kept:
            return Message("%(profile)s e-invoice kept as issued (Download XML); the PDF carries no XML",
                           profile=label)
        if self.xml is not None:
            return Message("%(profile)s e-invoice attached (%(file)s)", profile=label, file=XML_FILENAME)
        rules = ", ".join(rule for rule, _ in self.broken[:MAX_NAMED])
        return Message("Posted without an e-invoice: the %(profile)s XML breaks %(rules)s", profile=label,
                       rules=rules)

    def activity_data(self) -> dict[str, Any]:
        return {"profile": self.profile, "attached": self.carried is not None, "kept": self.kept and bool(self.xml),
                "broken": [{"rule": r, "message": m} for r, m in self.broken[:MAX_NAMED]]}


def rules_listed(named: list[tuple[str, str]], *, more: bool = False) -> Message:
    """The broken rules ``named`` as an error states them ("[BR-DE-15] …; [BR-CO-10] …", "; …"
    when ``more`` are left out): each rule id as is, each text the add-on words (a ``Message``) in
    the reader's language, a rule's own text as the rules give it."""
    items = [Message("[%(rule)s] %(text)s", rule=rule, text=text) for rule, text in named]
    listed = items[0]
    for item in items[1:]:
        listed = Message("%(rules)s; %(rule)s", rules=listed, rule=item)
    return Message("%(rules)s; …", rules=listed) if more else listed


class EInvoicing:
    """Builds, checks and attaches the e-invoice of invoices being posted."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx

    def enabled(self, doc: InvoiceDocument) -> bool:
        return bool(self.ctx.invoice_setting(ENABLED, doc))

    def keep_source(self, s: Session, invoice: Invoice, xml: bytes) -> None:
        """Keep ``xml``, the e-invoice (CII or UBL) the draft ``invoice`` is imported from or the
        UBL one it is issued as (in ``s``, the transaction that posts it, before its posted row
        is written), and mark the invoice as keeping it, with the XML's SHA-256 for its
        hash-chain link."""
        if self.ctx.storage is None:
            raise StorageError.shown_as_is(Message(
                "The e-invoice XML cannot be kept: it goes into the PDF storage, and none is configured "
                "(oro-invoices import: give --storage)."))
        stored = self.ctx.storage.put(xml)
        s.add(EInvoiceSourceRow(invoice_id=invoice.id, sha256=stored.sha256, size=stored.size,
                                created_at=self.ctx.clock()))
        invoice.einvoice_kept = True
        invoice.einvoice_sha256 = stored.sha256  # covered by its hash-chain link

    def kept_xml(self, invoice_id: int) -> bytes | None:
        """The XML invoice ``invoice_id`` keeps (imported from, or issued as UBL), as it came;
        None for an invoice that keeps none."""
        with self.ctx.db.session() as s:
            row = s.get(EInvoiceSourceRow, invoice_id)
        if row is None:
            return None
        if self.ctx.storage is None:
            raise StorageError.shown_as_is(Message("No PDF storage is configured."))
        with self.ctx.storage.open(row.sha256) as stream:
            return stream.read()

    def keeps(self, invoice_id: int, xml: bytes) -> bool:
        """Whether invoice ``invoice_id`` keeps exactly ``xml`` (compared by its SHA-256)."""
        with self.ctx.db.session() as s:
            row = s.get(EInvoiceSourceRow, invoice_id)
        return row is not None and row.sha256 == sha256_hex(xml)

    def kept(self, invoice_id: int) -> EInvoice | None:
        """The e-invoice invoice ``invoice_id`` keeps, as its PDF is to carry it (a UBL one: kept
        beside it); None for an invoice that keeps none."""
        xml = self.kept_xml(invoice_id)
        if xml is None:
            return None
        from oro_invoices.documents.einvoice.reading import is_ubl, profile_of
        return EInvoice(profile_of(xml), xml, kept=is_ubl(xml))

    def for_pdf(self, doc: InvoiceDocument) -> EInvoice | None:
        """The e-invoice of the posted ``doc`` for its PDF made after posting: the one it keeps,
        else its CII one built now (posted, nothing can be refused any more). A UBL one is issued
        at posting or not at all: the posted invoice can keep none now."""
        if doc.einvoice_kept:
            return self.kept(doc.id)
        einvoice = self.for_posting(doc, refuse=False)
        return None if einvoice is not None and einvoice.kept and einvoice.xml is not None else einvoice

    def for_posting(self, doc: InvoiceDocument, *, refuse: bool = True) -> EInvoice | None:
        """The checked e-invoice of ``doc`` (the invoice as it will be once posted), or None
        when e-invoices are off.

        :raises EInvoiceInvalid: the XML breaks rules and ``on_invalid`` is ``refuse`` (and
            ``refuse``: after posting, nothing can be refused any more).
        """
        if not self.enabled(doc):
            return None
        profile = str(self.ctx.invoice_setting(PROFILE, doc))
        xml, broken = self.build(doc, profile)
        kept = profile in UBL_PROFILES
        if not broken:
            return EInvoice(profile, xml, kept=kept)
        if refuse and self.ctx.invoice_setting(ON_INVALID, doc) == "refuse":
            named = broken[:MAX_NAMED]
            rules_named = rules_listed(named, more=len(broken) > len(named))
            if doc.is_credit_note and doc.credited_invoice is not None:  # made and posted at once: no draft
                raise EInvoiceInvalid(named, message=PluralMessage(
                    "The credit note for invoice %(number)s was not made: its %(profile)s e-invoice breaks "
                    "%(num)d rule: %(rules)s",
                    "The credit note for invoice %(number)s was not made: its %(profile)s e-invoice breaks "
                    "%(num)d rules: %(rules)s",
                    len(broken), number=doc.credited_invoice.number, profile=PROFILE_LABELS[profile],
                    rules=rules_named))
            raise EInvoiceInvalid(named, message=PluralMessage(
                "Invoice %(number)s was not posted: its %(profile)s e-invoice breaks %(num)d rule: %(rules)s",
                "Invoice %(number)s was not posted: its %(profile)s e-invoice breaks %(num)d rules: %(rules)s",
                len(broken), number=display_number(None, doc.id), profile=PROFILE_LABELS[profile],
                rules=rules_named))
        return EInvoice(profile, None, broken, kept=kept)

    @staticmethod
    def build(doc: InvoiceDocument, profile: str) -> tuple[bytes, list[tuple[str, str]]]:
        """``doc``'s XML for ``profile`` and the rules it breaks (rule id, text); warnings aside."""
        try:
            from oro_invoices.documents.einvoice import cii, peppol_data, rules, ubl
        except ImportError as exc:
            raise ConfigurationError("E-invoices need the einvoice extra "
                                     f"(pip install 'oro-invoices[einvoice]'): {exc}") from None
        xml = ubl.build_xml(doc, profile) if profile in ubl.PROFILES else cii.build_xml(doc, profile)
        beyond = beyond_two_decimals(doc)
        if beyond:  # the one cause, rather than every decimal and sum rule it breaks
            shown = ", ".join(format(v, "f") for v in beyond[:3]) + (", …" if len(beyond) > 3 else "")
            return xml, [("BR-DEC", Message("EN 16931 states amounts with at most 2 decimals, and this "
                                            "%(currency)s invoice has amounts with more (%(amounts)s %(currency)s): "
                                            "no e-invoice can state them exactly.",
                                            currency=doc.currency, amounts=shown))]
        try:
            broken = [(v.rule, v.message) for v in rules.errors(rules.check(xml, profile))]
        except ImportError as exc:  # the XRechnung rules are a separate extra
            raise ConfigurationError(f"The {PROFILE_LABELS[profile]} e-invoice cannot be checked: {exc}") from None
        missing = peppol_data.missing(doc, profile)  # first, naming what to set, instead of the rule's words
        named = {rule for rule, _ in missing}
        return xml, missing + [(rule, text) for rule, text in broken if rule not in named]


def sign(pdf: bytes, pkcs12_path: str) -> bytes:
    """``pdf`` signed (PAdES) with the PKCS#12 key at ``pkcs12_path``."""
    from oro_invoices.documents.einvoice import signing
    return signing.sign(pdf, pkcs12_path)


def attach(pdf: bytes, einvoice: EInvoice, moment: dt.datetime) -> bytes:
    """``pdf`` with the e-invoice's XML attached (unchanged when it carries none)."""
    if einvoice.carried is None:
        return pdf
    from oro_invoices.documents.einvoice import hybrid
    return hybrid.embed(pdf, einvoice.carried, einvoice.profile, moment=moment)


def xml_in(pdf: bytes) -> bytes | None:
    """The e-invoice XML a PDF carries (a Factur-X / ZUGFeRD hybrid), or None.

    :raises ValueError: the PDF cannot be read (the reason, without the in-memory stream's name).
    """
    import pikepdf

    from oro_invoices.documents.einvoice import hybrid
    try:
        return hybrid.extract(pdf)
    except (pikepdf.PdfError, ValueError) as exc:
        raise ValueError(_PDF_STREAM.sub("", str(exc)).rstrip(".")) from None
