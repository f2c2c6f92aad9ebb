"""A ZUGFeRD 1.0 PDF (2014–2019 archives: ZUGFeRD-invoice.xml, older than EN 16931) is named as
such when it is refused, not as a PDF carrying no e-invoice "where only ZUGFeRD PDFs can be
imported"."""
from __future__ import annotations

import io

import pikepdf
import pytest
from support.einvoices import einvoice_service

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.einvoice_check import check_file
from oro_invoices.services.einvoice_intake import take_einvoice

ZUGFERD_1_XML = (b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0">'
                 b"</rsm:CrossIndustryDocument>")


def pdf_with(name: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, ZUGFERD_1_XML, filename=name)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def service(sqlite_db, tmp_path):
    return einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])


def test_a_zugferd_1_pdf_is_named_as_such(service):
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, pdf_with("ZUGFeRD-invoice.xml"), organization_id=1, actor="erp")
    assert [str(m) for _, m in caught.value.errors] == [
        "The PDF carries a ZUGFeRD 1.0 invoice (ZUGFeRD-invoice.xml), which is older than EN 16931 and cannot be "
        "imported; only Factur-X and ZUGFeRD 2 PDFs can."]
    with pytest.raises(ValueError, match=r"^The PDF carries a ZUGFeRD 1\.0 invoice"):
        check_file(pdf_with("ZUGFeRD-invoice.xml"))


def test_a_pdf_with_another_attachment_still_carries_no_e_invoice(service):
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, pdf_with("notes.xml"), organization_id=1, actor="erp")
    assert [str(m) for _, m in caught.value.errors][0].startswith("The PDF carries no e-invoice (no factur-x.xml")
