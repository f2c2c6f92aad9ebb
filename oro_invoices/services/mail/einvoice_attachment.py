"""The e-invoice XML as a file of its own next to the PDF in invoice email (when configured).

With ``oro_invoices.einvoice.attach_xml`` on, a message that carries an invoice's stored PDF
also carries its e-invoice XML: ``factur-x.xml`` for a Factur-X profile, the invoice's file
name with ``.xml`` for an XRechnung or a UBL e-invoice (German public buyers take the pure
XML). For an invoice imported from XML that is the XML it came with; otherwise it is taken
out of the stored PDF as read for the message, so it is the one the stored file carries.
Either goes into the same content-addressed storage, where the sender reads every attachment
by its SHA-256.
"""
from __future__ import annotations

from typing import Any, Protocol

from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.persistence.outbox import Attachment

ATTACH_XML = "oro_invoices.einvoice.attach_xml"
XML_CONTENT_TYPE = "application/xml"
FACTURX_FILENAME = "factur-x.xml"
#: The XRechnung specification identifier (BT-24) starts with the EN 16931 one and names KoSIT.
XRECHNUNG_MARK = b"urn:xeinkauf.de:kosit:xrechnung"


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

