"""Factur-X / ZUGFeRD hybrids: the XML attached to a PDF/A-3 as ``factur-x.xml``.

The attachment is an associated file of the document (``/AF``, ``/AFRelationship /Data``)
and the XMP metadata names it with the Factur-X extension schema, which PDF/A requires to
be described in the metadata itself. Nothing here reads the clock: the same PDF and XML
give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import zlib

import pikepdf
from lxml import etree

from oro_invoices.domain.limits import MAX_PDF_BYTES

XML_FILENAME = "factur-x.xml"
#: what ZUGFeRD 1.0 (2014) attached: its own model, not EN 16931
ZUGFERD_1_FILENAME = "ZUGFeRD-invoice.xml"
#: the most bytes an attached XML may decode to: what the import takes as a file of its own,
#: so a small PDF cannot unpack into gigabytes
MAX_XML_BYTES = MAX_PDF_BYTES
#: how many times its input each PDF filter can make its output at most (others never grow)
_GROWTH = {"/FlateDecode": 1032, "/LZWDecode": 4096, "/RunLengthDecode": 128}
FX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: The XMP ConformanceLevel of each profile.
#: (ZUGFeRD 2.2 names an XRechnung carried in a hybrid ``factur-x.xml`` too, level XRECHNUNG.)
XMP_LEVELS = {"basic": "BASIC", "en16931": "EN 16931", "xrechnung": "XRECHNUNG", "extended": "EXTENDED"}

_PROPERTIES = (("DocumentFileName", "The name of the embedded XML document"),
               ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
               ("Version", "The actual version of the standard applying to the embedded XML document"),
               ("ConformanceLevel", "The conformance level of the embedded XML document"))


def embed(pdf: bytes, xml: bytes, profile: str, *, moment: dt.datetime) -> bytes:
    """``pdf`` (a PDF/A-3) with ``xml`` attached as ``factur-x.xml`` and Factur-X XMP metadata.

    ``moment`` dates the attachment (the invoice's posting time).
    """
    stamp = moment.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        spec = pikepdf.AttachedFileSpec(
            document, xml, description="Factur-X invoice", filename=XML_FILENAME,
            mime_type="text/xml", creation_date=stamp, mod_date=stamp,
            relationship=pikepdf.Name.Data)
        document.attachments[XML_FILENAME] = spec
        document.Root.AF = pikepdf.Array([spec.obj])
        document.Root.Metadata = document.make_stream(_xmp(document, profile))
        document.Root.Metadata.Type = pikepdf.Name.Metadata
        document.Root.Metadata.Subtype = pikepdf.Name.XML
        out = io.BytesIO()
        document.save(out, deterministic_id=True)
        return out.getvalue()


def extract(pdf: bytes, *, limit: int = MAX_XML_BYTES) -> bytes | None:
    """The ``factur-x.xml`` attached to ``pdf`` (or its ZUGFeRD 2 name), or None.

    :raises ValueError: the attachment decodes to more than ``limit`` bytes (it is never
        decoded further than that).
    """
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for name in (XML_FILENAME, "zugferd-invoice.xml", "xrechnung.xml"):  # ZUGFeRD 2.0, 2.1 names
            spec = document.attachments.get(name)
            if spec is not None:
                return _decoded(spec.get_file().obj, name, limit)
    return None


def attached_names(pdf: bytes) -> list[str]:
    """The names of the files attached to ``pdf`` (none when it cannot be read)."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return sorted(document.attachments.keys())
    except (pikepdf.PdfError, ValueError):
        return []


def _decoded(stream: pikepdf.Object, name: str, limit: int) -> bytes:
    """The bytes of the attached file ``stream``, decoded no further than ``limit`` bytes.

    A Flate stream (nearly every attachment) is inflated piece by piece up to the limit; any
    other filter chain is decoded only when its input could not grow beyond the limit."""
    too_large = ValueError(f"its {name} is larger than {limit // (1024 * 1024)} MiB")
    raw = bytes(stream.read_raw_bytes())
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    if names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(raw, limit + 1)
        except zlib.error:
            inflated = b""  # pikepdf says what is wrong with it below
        if len(inflated) > limit:
            raise too_large
    else:
        bound = len(raw)
        for filter_name in names:
            bound *= _GROWTH.get(filter_name, 1)
        if bound > limit:
            raise too_large
    data = bytes(stream.read_bytes())   # applies any predictor, and says what is broken
    if len(data) > limit:
        raise too_large
    return data


def _xmp(document: pikepdf.Pdf, profile: str) -> bytes:
    """The document's XMP packet with the Factur-X properties and their schema description."""
    existing = document.Root.get("/Metadata")
    root = etree.fromstring(bytes(existing.read_bytes())) if existing is not None else _empty_xmp()
    rdf = root.find(f"{{{RDF_NS}}}RDF")
    assert rdf is not None, "an XMP packet has an rdf:RDF element"
    rdf.append(etree.fromstring(_fx_description(profile)))
    rdf.append(etree.fromstring(_extension_schema()))
    body: bytes = etree.tostring(root, encoding="UTF-8")
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + body
            + b'\n<?xpacket end="w"?>')


def _empty_xmp() -> etree._Element:
    return etree.fromstring(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF_NS}"/></x:xmpmeta>')


def _fx_description(profile: str) -> str:
    return (f'<rdf:Description xmlns:rdf="{RDF_NS}" xmlns:fx="{FX_NS}" rdf:about="">'
            "<fx:DocumentType>INVOICE</fx:DocumentType>"
            f"<fx:DocumentFileName>{XML_FILENAME}</fx:DocumentFileName>"
            "<fx:Version>1.0</fx:Version>"
            f"<fx:ConformanceLevel>{XMP_LEVELS[profile]}</fx:ConformanceLevel>"
            "</rdf:Description>")


def _extension_schema() -> str:
    properties = "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description>"
        "</rdf:li>" for name, description in _PROPERTIES)
    return (f'<rdf:Description xmlns:rdf="{RDF_NS}" rdf:about="" '
            'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
            'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
            'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
            "<pdfaExtension:schemas><rdf:Bag>"
            '<rdf:li rdf:parseType="Resource">'
            "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
            f"<pdfaSchema:namespaceURI>{FX_NS}</pdfaSchema:namespaceURI>"
            "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"
            f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
            "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>")
