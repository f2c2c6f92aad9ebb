"""The invoice PDF as a reader sees it: text, pages, paper size, and nothing fetched."""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import io
import logging
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
import weasyprint
from PIL import Image
from support.invoices import make_invoice_document, make_lines
from support.pdfs import pdf_lines, pdf_words

from oro_invoices.documents import render as render_module
from oro_invoices.documents.render import PdfRenderer, render_batch
from oro_invoices.domain.errors import ConfigurationError, ValidationError
from oro_invoices.domain.invoice import BuyerInfo, DocumentRef, DocumentType

PAY_URL = "https://shop.example/invoices/pay/tok-8f3a"
PASSWD_MARK = "root:x:0:0"


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


def page_image(pdf: bytes, tmp_path: Path, page: int = 1, dpi: int = 72) -> Image.Image:
    """Rasterise one page with poppler's pdftoppm, as a PDF viewer would show it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(source), str(tmp_path / "page")], check=True, timeout=60)
    return Image.open(tmp_path / "page.png").convert("L")


def dark_pixels(image: Image.Image, box=None) -> int:
    region = image.crop(box) if box else image
    return sum(region.point(lambda v: 255 if v < 128 else 0).histogram()[255:])


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer()


@pytest.fixture(scope="module")
def invoice():
    return make_invoice_document()


@pytest.fixture(scope="module")
def invoice_pdf(renderer, invoice) -> bytes:
    return renderer.render(invoice, payment_url=PAY_URL)


@pytest.fixture(scope="module")
def long_pdf(renderer) -> bytes:
    return renderer.render(make_invoice_document(make_lines(60)), payment_url=PAY_URL)


# --- what the invoice says -------------------------------------------------------------

def test_invoice_shows_seller_customer_dates_and_order(invoice_pdf):
    text = pdf_text(invoice_pdf)
    for expected in ["Invoice", "Acme Supplies GmbH", "Hauptstraße 1", "10115 Berlin", "Tax ID: DE123456789",
                     "billing@acme.example", "Invoice number INV-2025-03-00042",
                     "Invoice date Mar 5, 2025", "Due date Apr 4, 2025", "Order SO-2025-0815",
                     "Bill to", "Jane Buyer", "742 Evergreen Terrace", "Springfield, OR 97403",
                     "United States",
                     "Ship to", "Receiving Dock 4", "1 Industrial Way", "Currency EUR"]:
        assert expected.lower() in text.lower(), expected
    assert "Draft" not in text


def test_lines_tax_per_rate_totals_and_amount_due_are_printed(invoice_pdf):
    text = pdf_text(invoice_pdf)
    assert "# Description SKU Qty Unit Unit price Tax Amount" in text
    assert "1 Ergonomic office chair CHAIR-01 2 items €149.90 19% €299.80" in text
    assert "2 Standing desk, oak DESK-07 1 item €499.00 19% €499.00" in text
    assert "3 Printed user manual 3 items €4.50 7% €13.50" in text
    assert "Subtotal €812.30" in text
    assert "Tax 7% on €13.50 €0.95" in text
    assert "Tax 19% on €798.80 €151.77" in text
    assert "Total €965.02" in text
    assert "Amount due €965.02" in text
    assert "Page 1 of 1" in text


def test_payment_instructions_carry_the_link_as_text_link_and_qr_code(invoice_pdf, renderer, invoice, tmp_path):
    text = pdf_text(invoice_pdf)
    assert "Please pay €965.02 by Apr 4, 2025, quoting invoice number INV-2025-03-00042." in text
    assert f"Pay online: {PAY_URL}" in text
    page = pypdf.PdfReader(io.BytesIO(invoice_pdf)).pages[0]
    uris = [a.get_object()["/A"].get("/URI") for a in page.get("/Annots", []) if "/A" in a.get_object()]
    assert PAY_URL in uris
    without_link = renderer.render(invoice)
    assert "Pay online" not in pdf_text(without_link)
    zxingcpp = pytest.importorskip("zxingcpp")
    scanned = [code.text for code in zxingcpp.read_barcodes(page_image(invoice_pdf, tmp_path / "a", dpi=150))]
    assert scanned == [PAY_URL]  # a phone scanning the printed page lands on the payment page
    assert zxingcpp.read_barcodes(page_image(without_link, tmp_path / "b", dpi=150)) == []


def test_partially_paid_invoice_shows_amount_paid_and_remaining_due(renderer):
    pdf = renderer.render(make_invoice_document(amount_paid="500.00"))
    text = pdf_text(pdf)
    assert "Amount paid €500.00" in text and "Amount due €465.02" in text


def test_a_credit_note_prints_its_reason(renderer):
    credited = DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1))
    note = make_invoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                                 credited_invoice=credited, credit_reason="Two chairs returned damaged")
    text = pdf_text(renderer.render(note))
    assert "This credit note takes €965.02 off invoice INV-2025-03-00042." in text
    assert "Reason: Two chairs returned damaged" in text
    without = pdf_text(renderer.render(make_invoice_document(document_type=DocumentType.CREDIT_NOTE,
                                                             credited_invoice=credited)))
    assert "Reason" not in without


def test_a_long_reason_is_printed_whole_with_its_line_breaks(renderer):
    """A reference wider than the page is broken, not cut off at the page's edge (poppler reads only
    what is on the page); a line break stays one."""
    reference = "RMA-" + "7" * 150
    note = make_invoice_document(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-2025-03-00001",
                                 credited_invoice=DocumentRef(7, "INV-2025-03-00042", dt.date(2025, 3, 1)),
                                 credit_reason=f"{reference}\nTwo chairs returned damaged")
    pdf = renderer.render(note)
    assert reference in "".join(pdf_words(pdf).split())
    lines = pdf_lines(pdf).splitlines()
    assert "Two chairs returned damaged" in lines and not any("7 Two chairs" in line for line in lines)


LONG_VAT_ID, LONG_REFERENCE, LONG_REASON = "DE" + "1" * 62, "LEITWEG" + "5" * 200, "Exempt" + "e" * 300


@pytest.mark.parametrize("field,value,printed", [
    ("order_identifier", "SO" + "8" * 126, ["SO" + "8" * 126]),
    ("purchase_order", "PO" + "4" * 253, ["PO" + "4" * 253]),
    ("buyer", BuyerInfo(vat_id=LONG_VAT_ID, reference=LONG_REFERENCE), [LONG_VAT_ID, LONG_REFERENCE]),
    ("customer_name", "Acme" + "c" * 200, ["Acme" + "c" * 200]),
    ("lines", [{"description": "Service", "quantity": "1", "unit_price": "10", "tax_rate": "0", "tax_category": "E",
                "tax_exemption_reason": LONG_REASON}], [LONG_REASON]),
])
def test_a_long_word_a_buyer_or_an_order_brings_is_printed_whole(renderer, field, value, printed):
    """An order id, a reference, a VAT id, a customer name or an exemption reason of one long word is
    broken at the column's end, not cut off at the page's edge (poppler reads only what is on the page)."""
    words = "".join(pdf_words(renderer.render(make_invoice_document(**{field: value}))).split())
    assert [word for word in printed if word not in words] == []


def test_long_payment_terms_are_printed_whole(renderer):
    terms = "Pay" + "t" * 300
    seller = make_invoice_document().seller
    pdf = renderer.render(make_invoice_document(seller=dataclasses.replace(seller, payment_terms=terms)))
    assert terms in "".join(pdf_words(pdf).split())


def test_draft_is_marked_as_draft(renderer):
    text = pdf_text(renderer.render(make_invoice_document(posted=False, invoice_number=None, id=7)))
    assert "Draft invoice" in text and "Invoice number Draft #7" in text


def test_money_and_dates_follow_the_locale():
    pdf = PdfRenderer(locale="de_DE").render(make_invoice_document(
        [("Server rack", "1", "1234.5", "0.19")], currency="EUR"))
    text = pdf_text(pdf)
    assert "1.234,50 €" in text
    assert "Steuer 19 % auf 1.234,50 € 234,56 €" in text   # the words in German too (docs/i18n.md)
    assert "Offener Betrag 1.469,06 €" in text
    assert "05.03.2025" in text and "04.04.2025" in text


def test_currency_minor_units_are_respected(renderer):
    text = pdf_text(renderer.render(make_invoice_document([("Tea set", "3", "1500", "0.1")], currency="JPY")))
    assert "Amount due ¥4,950" in text and "¥4,950.00" not in text


def test_long_invoice_repeats_the_table_header_and_numbers_pages(long_pdf):
    pages = pdf_pages(long_pdf)
    count = len(pages)
    assert count >= 2
    header = "# Description SKU Qty Unit Unit price Tax Amount"
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in text
    assert header in pages[0]
    assert pages[1].lstrip().startswith(header)
    everything = " ".join(pages)
    for n in range(1, 61):
        assert everything.count(f"Widget model {n} SKU-{n:05d} ") == 1, n
    assert "Amount due" in pages[-1] and "Amount due" not in " ".join(pages[:-1])


@pytest.mark.parametrize("page_size, points, pixels", [
    ("A4", (595, 842), (596, 842)),  # 595.28 × 841.89 pt; poppler rounds the width up
    ("Letter", (612, 792), (612, 792)),
])
def test_page_size_comes_from_configuration(invoice, page_size, points, pixels, tmp_path):
    pdf = PdfRenderer(page_size=page_size).render(invoice, payment_url=PAY_URL)
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
    image = page_image(pdf, tmp_path)
    assert image.size == pixels
    assert dark_pixels(image) > 5000                  # text, table and QR code were drawn
    assert dark_pixels(image) < 0.25 * pixels[0] * pixels[1]  # and not an all-black page


def test_same_invoice_renders_to_identical_bytes_dated_when_posted(renderer, invoice, invoice_pdf):
    assert renderer.render(invoice, payment_url=PAY_URL) == invoice_pdf
    info = pypdf.PdfReader(io.BytesIO(invoice_pdf)).metadata
    assert info["/CreationDate"].startswith("D:20250305100000")
    assert info["/Title"] == "Invoice INV-2025-03-00042"


def test_host_template_override_and_extra_context(tmp_path, invoice):
    (tmp_path / "invoice.html").write_text(
        '{% extends "oro_invoices/invoice.html" %}'
        '{% block payment_extra %}<p>Bank transfer: {{ iban }} ({{ extra.bank }})</p>{% endblock %}')
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "invoice.html").write_text("<p>plugin template must lose to the host's</p>")
    pdf = PdfRenderer([str(tmp_path), str(plugin)]).render(
        invoice, extra_context={"iban": "DE89 3704 0044 0532 0130 00", "bank": "<b>Big Bank</b>"})
    text = pdf_text(pdf)
    assert "Bank transfer: DE89 3704 0044 0532 0130 00 (<b>Big Bank</b>)" in text
    assert "Amount due €965.02" in text and "plugin template" not in text
    alone = pdf_text(PdfRenderer([str(plugin)]).render(invoice))
    assert "plugin template must lose to the host's" in alone


def test_stylesheet_can_be_overridden(tmp_path, invoice):
    (tmp_path / "invoice.css").write_text("@page { @bottom-right { content: 'Sheet ' counter(page) } }")
    text = pdf_text(PdfRenderer([str(tmp_path)]).render(invoice))
    assert "Sheet 1" in text and "Page 1 of 1" not in text


def test_bad_configuration_and_bad_payment_links_are_refused(renderer, invoice):
    with pytest.raises(ConfigurationError, match="Unknown PDF page size 'A3'"):
        PdfRenderer(page_size="A3")
    with pytest.raises(ConfigurationError, match="Unknown locale"):
        PdfRenderer(locale="xx_NOPE")
    with pytest.raises(ValidationError, match="not an http"):
        renderer.render(invoice, payment_url="javascript:alert(1)")
    with pytest.raises(ConfigurationError, match="logo must be"):
        renderer.render(invoice, logo=b"not an image")


# --- safety: escaping and the URL fetcher --------------------------------------------------

@pytest.fixture
def http_hits():
    """A local HTTP server that counts every request it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"p { color: red }" if self.path.endswith(".css") else b"x"
            self.send_response(200)
            self.send_header("Content-Type", "text/css" if self.path.endswith(".css") else "image/png")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def refused_urls(caplog) -> list[str]:
    return [r.args[0] for r in caplog.records
            if r.name == "oro_invoices.documents" and r.getMessage().startswith("Refused to fetch")]


HOSTILE_DESCRIPTIONS = [
    "<script>alert('x')</script>",
    '<img src="file:///etc/passwd">',
    "<link rel=attachment href=file:///etc/passwd>",
]


def test_html_in_invoice_text_is_printed_literally(renderer, caplog):
    caplog.set_level(logging.WARNING)
    hostile = make_invoice_document(
        [(d, "1", "1.00", "0") for d in HOSTILE_DESCRIPTIONS],
        customer_name="<b>Evil & Co</b>", order_identifier='"><img src=x>')
    pdf = renderer.render(hostile)
    text = pdf_text(pdf)
    for description in HOSTILE_DESCRIPTIONS:
        assert description in text
    assert "<b>Evil & Co</b>" in text and '"><img src=x>' in text
    assert PASSWD_MARK not in text and PASSWD_MARK.encode() not in pdf
    assert pypdf.PdfReader(io.BytesIO(pdf)).attachments == {}
    assert refused_urls(caplog) == []  # escaped text is never even a URL to fetch


def hostile_template(base: str) -> str:
    return (
        '{% extends "oro_invoices/invoice.html" %}'
        "{% block head_extra %}"
        f"<style>@import url({base}/imported.css);</style>"
        f'<link rel="stylesheet" href="{base}/linked.css">'
        '<link rel="attachment" href="file:///etc/passwd">'
        "{% endblock %}"
        "{% block seller_extra %}"
        f'<img src="{base}/pixel.png"><img src="file:///etc/passwd">'
        '<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>'
        "{% endblock %}")


def test_plain_weasyprint_would_fetch_what_the_hostile_template_asks_for(http_hits, tmp_path, invoice):
    """Control: proves the server and the file are reachable, so the next test can fail."""
    base, hits = http_hits
    html = PdfRenderer([str(tmp_path)]).env.from_string(hostile_template(base)).render(
        invoice=invoice, seller=invoice.seller, number="X", posted=True, payment_url=None, qr_uri=None,
        logo_uri=None, page_size="A4", locale="en_US", lang="en", document_date="2025-01-01", extra={})
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert {"/imported.css", "/linked.css", "/pixel.png"} <= set(hits)
    assert pypdf.PdfReader(io.BytesIO(pdf)).attachments  # /etc/passwd got embedded


def test_hostile_template_and_svg_logo_fetch_nothing(http_hits, tmp_path, invoice, caplog):
    base, hits = http_hits
    caplog.set_level(logging.WARNING)
    (tmp_path / "invoice.html").write_text(hostile_template(base))
    (tmp_path / "invoice.css").write_text(
        f"@import url({base}/from-css.css);\n"
        + (Path(render_module.TEMPLATES_DIR) / "invoice.css").read_text())
    logo = (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
            f'<image href="file:///etc/passwd" width="20" height="20"/>'
            f'<image href="{base}/svg-image.png" x="20" width="20" height="20"/></svg>').encode()
    pdf = PdfRenderer([str(tmp_path)]).render(invoice, logo=logo, payment_url=PAY_URL)
    assert hits == []
    refused = refused_urls(caplog)
    for url in [f"{base}/imported.css", f"{base}/linked.css", f"{base}/pixel.png",
                f"{base}/from-css.css", f"{base}/svg-image.png", "file:///etc/passwd"]:
        assert url in refused, url
    assert not any(u.startswith("data:") for u in refused)  # the logo and QR code still load
    assert PASSWD_MARK not in pdf_text(pdf) and PASSWD_MARK.encode() not in pdf
    assert pypdf.PdfReader(io.BytesIO(pdf)).attachments == {}
    assert "Amount due €965.02" in pdf_text(pdf)


# --- process behaviour --------------------------------------------------------------------

def test_garbage_collector_is_paused_while_rendering_and_restored(invoice, tmp_path):
    seen: list[bool] = []

    def probe() -> str:
        seen.append(gc.isenabled())
        return ""

    (tmp_path / "invoice.html").write_text(
        "{% extends 'oro_invoices/invoice.html' %}{% block body_extra %}{{ probe() }}{% endblock %}")
    r = PdfRenderer([str(tmp_path)])
    assert gc.isenabled()
    r.render(invoice, extra_context={"probe": probe})
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        r.render(invoice, extra_context={"probe": probe})
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_font_configuration_and_stylesheets_are_shared_per_process(renderer, invoice):
    renderer.render(invoice)
    fonts = render_module.font_config()
    sheets = render_module.stylesheets(renderer.css_text, "A4")
    PdfRenderer().render(invoice)
    assert render_module.font_config() is fonts
    assert render_module.stylesheets(PdfRenderer().css_text, "A4") is sheets
    assert render_module.stylesheets(renderer.css_text, "Letter") is not sheets


def test_batch_rendering_in_worker_processes_matches_single_renders(renderer):
    invoices = [make_invoice_document(make_lines(n + 2), id=n, invoice_number=f"INV-2025-03-{n:05d}")
                for n in range(1, 6)]
    urls = [f"{PAY_URL}-{n}" for n in range(1, 6)]
    pdfs = render_batch(invoices, workers=2, payment_urls=urls)
    assert [re.search(r"INV-2025-03-\d{5}", pdf_text(p)).group() for p in pdfs] == \
        [f"INV-2025-03-{n:05d}" for n in range(1, 6)]
    assert pdfs == [renderer.render(i, payment_url=u) for i, u in zip(invoices, urls)]


def test_pdftoppm_is_available():
    assert shutil.which("pdftoppm"), "poppler-utils is needed to rasterise PDFs in these tests"


def test_decimal_quantities_are_shown_without_noise(renderer):
    text = pdf_text(renderer.render(make_invoice_document([("Cable", "2.500", "1.99", "0.19", "CBL", "m")])))
    assert "1 Cable CBL 2.5 m €1.99 19% €4.98" in text
    text = pdf_text(renderer.render(make_invoice_document([("Screw", "1000", "0.0125", "0.19")])))
    assert "1 Screw 1,000 €0.0125 19% €12.50" in text


def test_japanese_yen_invoice_prints_every_glyph(caplog):
    """ja_JP formats yen with a full-width sign the fonts lack; the PDF shows the ordinary ¥."""
    doc = make_invoice_document(currency="JPY", lines=[("Green tea", "3", "1200", "0.08")])
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        text = pdf_text(PdfRenderer(locale="ja_JP").render(doc))
    assert "¥3,888" in text  # 3 × 1,200 + 8 % tax
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]


def test_the_buyers_po_number_is_in_the_header_details_when_set(renderer):
    lines = pdf_lines(renderer.render(make_invoice_document(purchase_order="4500012877"))).splitlines()
    assert any(re.fullmatch(r"PO number\s+4500012877", line.strip()) for line in lines), lines
    assert "PO number" not in " ".join(pdf_lines(renderer.render(make_invoice_document())))
