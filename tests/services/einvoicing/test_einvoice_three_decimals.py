"""EN 16931 states amounts with at most 2 decimals. A currency with 3 (BHD): amounts that are
whole hundredths are written with 2 and make a valid e-invoice; amounts in thousandths cannot
be stated, and the refusal says so in one rule rather than a dozen decimal and sum rules."""
import pytest
from support.einvoices import german_payload, stored_pdf
from support.pdfs import pdf_text

from oro_invoices.documents.einvoice import cii, rules, ubl
from oro_invoices.domain.errors import EInvoiceInvalid

pytest.importorskip("saxonche")

WHOLE_HUNDREDTHS = [{"description": "Bolts", "quantity": "2", "unit_price": "12.500", "tax_rate": "0.10"}]
THOUSANDTHS = [{"description": "Bolts", "quantity": "3", "unit_price": "1.235", "tax_rate": "0.10"}]


def bhd(customer, lines):
    return {**german_payload(customer, lines=lines), "currency": "BHD"}


@pytest.mark.parametrize("profile", ["en16931", "ubl"])
def test_a_bhd_invoice_in_whole_hundredths_is_a_valid_e_invoice(svc, settings, acme, profile):
    settings.set("oro_invoices.einvoice.profile", profile)
    posted = svc.post(svc.create(bhd(acme, WHOLE_HUNDREDTHS)).id)
    _, xml = svc.open_xml(posted.id)
    assert rules.errors(rules.check(xml, profile)) == []
    if profile == "ubl":
        assert ubl.element_texts(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == ["27.50"]
    else:
        assert cii.element_texts(xml, "//ram:DuePayableAmount") == ["27.50"]
    # the PDF keeps the currency's 3 decimals
    assert "27.500" in pdf_text(stored_pdf(svc, posted.id))


def test_a_bhd_invoice_in_thousandths_is_refused_with_the_one_cause(svc, acme):
    draft = svc.create(bhd(acme, THOUSANDTHS))
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.post(draft.id)
    assert [rule for rule, _ in caught.value.errors] == ["BR-DEC"]
    assert "its Factur-X EN 16931 e-invoice breaks 1 rule: [BR-DEC] EN 16931 states amounts with at most 2 " \
           "decimals, and this BHD invoice has amounts with more (3.705, 0.371, 4.076 BHD): no e-invoice can " \
           "state them exactly." in caught.value.message
    assert not svc.get(draft.id).is_posted


def test_post_without_posts_a_bhd_invoice_in_thousandths_with_a_plain_pdf(svc, settings, acme):
    settings.set("oro_invoices.einvoice.on_invalid", "post_without")
    posted = svc.post(svc.create(bhd(acme, THOUSANDTHS)).id)
    assert posted.is_posted and posted.pdf.carries_xml is False
    (entry,) = [a for a in svc.history(posted.id).activities if a.kind == "einvoice"]
    assert entry.summary == "Posted without an e-invoice: the Factur-X EN 16931 XML breaks BR-DEC"
