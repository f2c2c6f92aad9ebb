"""The e-invoice XML as a file of its own next to the PDF in invoice email (when configured).

With ``oro_invoices.einvoice.attach_xml`` on, a message that carries an invoice's stored PDF
also carries its e-invoice XML: ``factur-x.xml`` for a Factur-X profile, the invoice's file
name with ``.xml`` for an XRechnung or a UBL e-invoice (German public buyers take the pure
XML). For an invoice imported from XML that is the XML it came with; otherwise it is taken
out of the stored PDF as read for the message, so it is the one the stored file carries.
Either goes into the same content-addressed storage, where the sender reads every attachment
by its SHA-256. The email dialog lists it before it is sent from records alone (``listed``).
"""
from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.documents.einvoice.terms import UBL_PROFILES, XRECHNUNG_PROFILES
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.persistence.models import Activity, EInvoiceSourceRow
from oro_invoices.persistence.outbox import Attachment

ATTACH_XML = "oro_invoices.einvoice.attach_xml"
XML_CONTENT_TYPE = "application/xml"
FACTURX_FILENAME = "factur-x.xml"
#: The XRechnung specification identifier (BT-24) starts with the EN 16931 one and names KoSIT.
XRECHNUNG_MARK = b"urn:xeinkauf.de:kosit:xrechnung"
ENABLED = "oro_invoices.einvoice.enabled"
PROFILE = "oro_invoices.einvoice.profile"
#: The profiles whose XML goes as a file named for the PDF (``xml_filename``): XRechnung and UBL
#: ones (``peppol``: an imported Peppol BIS invoice, UBL).
NAMED_FOR_PDF = XRECHNUNG_PROFILES | UBL_PROFILES | {"peppol"}


class _Storage(Protocol):
    def read(self, sha256: str) -> bytes: ...

    def put(self, data: bytes) -> Any: ...


def wanted(setting: Any, invoice: InvoiceDocument) -> bool:
    """Whether ``invoice``'s email carries its XML (``setting``: the invoices' ``setting``)."""
    return bool(setting(ATTACH_XML, organization_id=invoice.organization_id, website_id=invoice.website_id))


def xml_filename(xml: bytes, pdf_filename: str) -> str:
    """``factur-x.xml``, or for an XRechnung or a UBL e-invoice the PDF's name with ``.xml``."""
    from oro_invoices.documents.einvoice.reading import is_ubl
    if XRECHNUNG_MARK in xml or is_ubl(xml):
        return pdf_filename.removesuffix(".pdf") + ".xml"
    return FACTURX_FILENAME


def file_attachment(storage: _Storage, xml: bytes, pdf_filename: str) -> Attachment:
    """The e-invoice ``xml`` as an attachment named for the PDF ``pdf_filename`` (stored by its SHA-256)."""
    stored = storage.put(xml)
    return Attachment(filename=xml_filename(xml, pdf_filename), sha256=stored.sha256, size=len(xml),
                      content_type=XML_CONTENT_TYPE)


def xml_attachment(storage: _Storage | None, pdf: Attachment, data: bytes | None) -> Attachment | None:
    """The XML embedded in ``data``, the stored PDF ``pdf`` as already read, as an attachment
    (stored by its SHA-256), or None when that PDF carries none (e-invoices were off or the XML
    broke a rule) or was not read (``data`` None)."""
    if storage is None or pdf.pending or not pdf.sha256 or data is None:
        return None
    from oro_invoices.services.einvoicing import xml_in
    xml = xml_in(data)
    if xml is None:
        return None
    return file_attachment(storage, xml, pdf.filename)


def listed(session: Session, setting: Any, invoice: InvoiceDocument, pdf_filename: str) -> Attachment | None:
    """The XML as the email dialog lists it, from records alone (the storage is not opened):
    named as it will be attached, for the profile it was made in (its ``einvoice`` activity
    entry; the profile set now for one not made yet); with its size where a record has it (an
    XML the invoice keeps), else size 0 (not known). None: no XML goes with the PDF (it is
    stored and carries none; for one still to be made, e-invoices are off or a UBL profile's
    XML was not kept at posting)."""
    kept = session.get(EInvoiceSourceRow, invoice.id) if invoice.einvoice_kept else None
    if kept is None:
        if invoice.pdf is not None and invoice.pdf.carries_xml is False:
            return None
        if invoice.pdf is None and not setting(ENABLED, organization_id=invoice.organization_id,
                                               website_id=invoice.website_id):
            return None
    made = session.execute(select(Activity.data).where(Activity.invoice_id == invoice.id,
                                                       Activity.kind == "einvoice")
                           .order_by(Activity.id.desc()).limit(1)).scalar_one_or_none()
    profile = (made or {}).get("profile") or setting(PROFILE, organization_id=invoice.organization_id,
                                                    website_id=invoice.website_id)
    if kept is None and profile in UBL_PROFILES:    # issued at posting or not at all: none kept
        return None
    filename = pdf_filename.removesuffix(".pdf") + ".xml" if profile in NAMED_FOR_PDF else FACTURX_FILENAME
    return Attachment(filename=filename, sha256=kept.sha256 if kept is not None else "",
                      size=kept.size if kept is not None else 0, content_type=XML_CONTENT_TYPE)
