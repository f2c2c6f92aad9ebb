"""The demo's customers read their invoices in German, French, Japanese and English: their
posted PDFs (read back with pdftotext) and their emails."""
from __future__ import annotations

import pytest
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.seed import LUMIERE, seed
from oro_invoices.hosts.reference.testing import make_shop

CUSTOMERS = {  # customer: words of its PDF (its payment terms too), the start of its email's subject
    "Acme Industries AG": (["Rechnungsnummer", "Zwischensumme", "Bitte zahlen Sie", "Zahlbar innerhalb"],
                           "Rechnung "),
    LUMIERE: (["Numéro de facture", "Sous-total", "Veuillez payer", "Payable à 30 jours"], "Facture "),
    "Tanaka Seisakusho": (["請求書番号", "小計", "未払額", "30日以内"], "Sakura Trading K.K. より 請求書 "),
    "Globex Corporation": (["Invoice number", "Subtotal", "Please pay", "Payable within 30 days"], "Invoice "),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app, _ = make_shop(tmp_path_factory.mktemp("demo") / "shop", seeded=False)
    seed(app, languages=True, einvoices=True)  # as `oro-invoices demo` seeds it
    yield app
    app.extensions["oro_reference_host"].engine.dispose()
    app.extensions["oro_invoices"].service.db.dispose()


@pytest.mark.parametrize("customer", list(CUSTOMERS))
def test_each_demo_customer_gets_documents_in_its_language(demo, customer):
    addon = demo.extensions["oro_invoices"]
    service = addon.service
    docs = [service.get(s.id) for s in service.list_invoices({}, limit=100).items]
    posted = [d for d in docs if d.customer_name == customer and d.is_posted and d.pdf is not None]
    assert posted, f"the demo has no posted invoice of {customer}"
    data = service.open_pdf(posted[0].id)[1].read()
    words, subject = CUSTOMERS[customer]
    flat = pdf_words(data)
    assert all(word in flat for word in words), flat[:1200]
    assert "Payable within" not in flat or customer == "Globex Corporation"     # no English terms
    assert addon.ctx.mail.prepare(posted[0].id).subject.startswith(subject)


def test_every_posted_invoice_of_the_demo_is_a_valid_factur_x_pdf_a3(demo):
    """Each posted invoice's stored PDF is a PDF/A-3b carrying ``factur-x.xml`` that passes the
    XSD and the EN 16931 schematron, with its number and total in the visible text."""
    from support.einvoices import texts
    from support.pdfa import pdfa3b_problems
    from support.pdfs import pdf_text

    from oro_invoices.documents.einvoice import hybrid, rules
    service = demo.extensions["oro_invoices"].service
    posted = [d for d in (service.get(s.id) for s in service.list_invoices({}, limit=100).items)
              if d.is_posted]
    assert len(posted) >= 8
    for doc in posted:
        data = service.open_pdf(doc.id)[1].read()
        assert pdfa3b_problems(data) == [], doc.invoice_number
        xml = hybrid.extract(data)
        assert xml is not None, f"{doc.invoice_number} has no factur-x.xml"
        assert rules.check(xml, "en16931") == [], doc.invoice_number
        assert texts(xml, "//rsm:ExchangedDocument/ram:ID") == [doc.invoice_number]
        assert texts(xml, "//ram:GrandTotalAmount") == [f"{doc.total_amount:f}"]
        assert doc.invoice_number in pdf_text(data)
