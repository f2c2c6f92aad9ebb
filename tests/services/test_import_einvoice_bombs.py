"""A Factur-X PDF whose attached XML unpacks into far more than any e-invoice (a "zip bomb")
is refused before it is unpacked beyond what the import takes, by the bulk import and by the
intake of the API and the back-office alike."""
from __future__ import annotations

import io
import zlib

import pikepdf
import pytest
from support.einvoices import EXAMPLES, einvoice_service

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.einvoice_intake import take_einvoice
from oro_invoices.services.importing import run_import

TOO_LARGE = "Cannot read the PDF: its factur-x.xml is larger than 64 MiB."


def pdf_carrying(stream_bytes: bytes, filter_name: str | None) -> bytes:
    """A one-page PDF with ``stream_bytes`` attached as factur-x.xml, encoded with ``filter_name``."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, stream_bytes)
    if filter_name:
        stream.Filter = pikepdf.Name(filter_name)
    stream.Type = pikepdf.Name.EmbeddedFile
    spec = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F="factur-x.xml", UF="factur-x.xml",
                                                EF=pikepdf.Dictionary(F=stream, UF=stream)))
    pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("factur-x.xml"), spec])))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def flate_bomb() -> bytes:
    """About 70 KiB of PDF whose XML inflates to 65 MiB."""
    packer = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(b"<a>")] + [packer.compress(block) for _ in range(65)]
    return pdf_carrying(b"".join([*parts, packer.compress(b"</a>"), packer.flush()]), "/FlateDecode")


@pytest.fixture
def service(sqlite_db, tmp_path):
    return einvoice_service(sqlite_db, tmp_path, "pdf", customers=[])


def test_the_import_refuses_a_pdf_whose_xml_inflates_beyond_64_mib(service, tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(flate_bomb())
    assert path.stat().st_size < 200_000

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert [(p.field, str(p.message)) for p in report.problems] == [("", TOO_LARGE)]
    assert report.created == []


def test_the_intake_refuses_it_too(service):
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, flate_bomb(), organization_id=1, actor="erp")
    assert [str(m) for _, m in caught.value.errors] == [TOO_LARGE]


def test_an_attachment_in_a_filter_that_could_grow_beyond_64_mib_is_not_decoded(service):
    # RunLength makes at most 128 bytes of one: 600 KiB of it could be 75 MiB
    run_length = bytes([129, ord(" ")]) * (300 * 1024) + b"\x80"
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, pdf_carrying(run_length, "/RunLengthDecode"), organization_id=1, actor="erp")
    assert [str(m) for _, m in caught.value.errors] == [TOO_LARGE]


@pytest.mark.parametrize(("hostile", "reason"), [
    ("<ram:X>" * 300 + "</ram:X>" * 300, "Excessive depth in document: 256"),
    ("<ram:X>" + "x" * 11_000_000 + "</ram:X>", "Resource limit exceeded: Text node too long")],
    ids=["nested-too-deep", "text-too-long"])
def test_xml_beyond_the_parsers_limits_says_so_without_advice_no_sender_can_follow(service, hostile, reason):
    xml = (EXAMPLES / "invoice-cii.xml").read_text().replace("<ram:PaymentReference>", hostile + "<ram:PaymentReference>")
    with pytest.raises(ValidationError) as caught:
        take_einvoice(service, xml.encode(), organization_id=1, actor="erp")
    ((field, message),) = caught.value.errors
    assert str(message).startswith(f"The XML goes beyond what any e-invoice holds, and is not read further: {reason}, "
                                   "line ")
    assert "XML_PARSE_HUGE" not in str(message)
