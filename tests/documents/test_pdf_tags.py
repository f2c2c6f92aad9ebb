"""The invoice PDF is tagged for assistive technology: structure tree, language and title."""
from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from support.invoices import make_invoice_document

from oro_invoices.documents.einvoice.hybrid import embed
from oro_invoices.documents.render import PdfRenderer


def structure_kinds(node: pikepdf.Object, found: set[str] | None = None) -> set[str]:
    """Every structure type (/P, /Table, /TH, …) below a structure element."""
    found = set() if found is None else found
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.add(str(kid.S))
            structure_kinds(kid, found)
    return found


@pytest.fixture(scope="module")
def invoice():
    return make_invoice_document()


@pytest.mark.parametrize("locale,lang", [("en_US", "en-US"), ("de_DE", "de-DE"), ("ja_JP", "ja-JP")])
def test_the_pdf_is_tagged_with_the_invoice_language_and_its_title(invoice, locale, lang):
    pdf = PdfRenderer(locale=locale).render(invoice)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == lang
        assert "INV-2025-03-00042" in str(document.docinfo.Title)
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True  # viewers show the title, not the file name
        kinds = structure_kinds(root.StructTreeRoot)
        assert {"/Table", "/TR", "/TH", "/TD", "/P"} <= kinds, kinds
        assert document.open_metadata()["pdfuaid:part"] == "1"
        for page in document.pages:
            assert page.obj.Tabs == pikepdf.Name.S  # tab order follows the structure


def test_the_archival_pdf_a3_with_its_xml_stays_tagged(invoice):
    pdf = PdfRenderer(locale="fr_FR").render_archival(invoice)
    pdf = embed(pdf, b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:x'/>", "en16931",
                moment=dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert "/StructTreeRoot" in document.Root and str(document.Root.Lang) == "fr-FR"
        assert "INV-2025-03-00042" in str(document.docinfo.Title)
        assert "factur-x.xml" in document.attachments


def test_the_stored_pdfs_of_the_shop_are_tagged_in_the_invoice_language(shop):
    app, info = shop
    service = app.extensions["oro_invoices"].service
    for external_id, language in [("ERP-SO-1011-11", "ja"), ("ERP-SO-1003-3", None)]:
        doc = service.get(service.find_id(external_id=external_id))
        _info, stream = service.open_pdf(doc.id)
        with stream, pikepdf.open(io.BytesIO(stream.read())) as document:
            assert "/StructTreeRoot" in document.Root
            assert doc.invoice_number in str(document.docinfo.Title)
            lang = str(document.Root.Lang)
            assert lang and (language is None or lang.split("-")[0] == language), lang
