"""A credit note and a re-issued draft keep the VAT category of what they correct: crediting a
reverse-charge sale is a reverse-charge credit note (its PDF says so, its e-invoice states AE and
the buyer's VAT id), never a zero-rated one."""
import pytest
from support.einvoices import german_payload, stored_pdf
from support.pdfs import pdf_text

from oro_invoices.documents.einvoice import cii, rules
from oro_invoices.domain.errors import EInvoiceInvalid

pytest.importorskip("saxonche")

REVERSE_CHARGE = [
    {"description": "Consulting", "quantity": "10", "unit_price": "120.00", "tax_rate": "0", "tax_category": "AE"},
    {"description": "Printed manual", "quantity": "2", "unit_price": "10.00", "tax_rate": "0.19"},
]


def categories(xml: bytes) -> tuple[list[str], list[str]]:
    """The lines' VAT categories and the VAT breakdown's (category, reason) of a CII XML."""
    lines = cii.element_texts(xml, "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode")
    header = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    breakdown = list(zip(cii.element_texts(xml, f"{header}/ram:CategoryCode"),
                         cii.element_texts(xml, f"{header}/ram:RateApplicablePercent"), strict=True))
    return lines, [f"{code} {rate}" for code, rate in breakdown]


def _credited(svc, invoice_id, body):
    note = svc.create_credit_note(invoice_id, body, actor="admin").credit_note
    _, xml = svc.open_xml(note.id)
    assert rules.errors(rules.check(xml, "en16931")) == []
    return note, xml


def test_a_credited_reverse_charge_line_is_a_reverse_charge_credit(svc, acme):
    invoice = svc.post(svc.create(german_payload(acme, lines=REVERSE_CHARGE)).id)
    note, xml = _credited(svc, invoice.id, {"lines": [{"line": 1, "quantity": "4"}]})
    assert categories(xml) == (["AE"], ["AE 0"])
    assert cii.element_texts(xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason") \
        == ["Reverse charge"]
    assert "Tax 0% (AE: Reverse charge)" in " ".join(pdf_text(stored_pdf(svc, note.id), layout=False).split())
    assert [(line.description, line.tax_category.value) for line in note.lines] == [("Consulting", "AE")]


def test_an_amount_credited_at_the_rate_of_reverse_charge_lines_is_reverse_charge(svc, acme):
    invoice = svc.post(svc.create(german_payload(acme, lines=REVERSE_CHARGE)).id)
    note, xml = _credited(svc, invoice.id, {"amounts": [{"tax_rate": "0", "amount": "100.00"},
                                                        {"tax_rate": "0.19", "amount": "5.00"}]})
    assert categories(xml) == (["AE", "S"], ["AE 0", "S 19"])
    assert str(note.total_amount) == "105.95"
    rest, xml = _credited(svc, invoice.id, {"full": True})
    assert categories(xml) == (["AE", "S"], ["AE 0", "S 19"])
    assert svc.get(invoice.id).amount_due == 0


def test_an_exempt_line_is_credited_with_its_exemption_reason(svc, acme):
    lines = [{"description": "Training course", "quantity": "1", "unit_price": "500.00", "tax_rate": "0",
              "tax_category": "E", "tax_exemption_reason": "Exempt under § 4 Nr. 21 UStG"},
             {"description": "Coffee", "quantity": "1", "unit_price": "5.00", "tax_rate": "0"}]
    invoice = svc.post(svc.create(german_payload(acme, lines=lines)).id)
    note, xml = _credited(svc, invoice.id, {"lines": [{"line": 1, "quantity": "1"}, {"line": 2, "quantity": "1"}]})
    assert categories(xml) == (["E", "Z"], ["E 0", "Z 0"])
    assert "Exempt under § 4 Nr. 21 UStG" in cii.element_texts(
        xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason")
    assert svc.get(invoice.id).amount_due == 0


def test_a_credit_note_is_for_the_buyer_its_invoice_states(svc, host):
    """The invoice names the buyer's VAT id itself (the customer has none on record): its
    reverse-charge credit note names the same buyer, as BR-AE-02 asks."""
    walk_in = host.add_customer("Walk-in Trader", country_code="DE")
    invoice = svc.post(svc.create(german_payload(walk_in, lines=REVERSE_CHARGE,
                                                 buyer={"vat_id": "DE136695976"})).id)
    note, xml = _credited(svc, invoice.id, {"lines": [{"line": 1, "quantity": "1"}]})
    assert cii.element_texts(xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE136695976"]
    assert note.buyer.vat_id == "DE136695976"


def test_a_reissued_draft_keeps_the_vat_categories_and_the_buyer(svc, host):
    walk_in = host.add_customer("Walk-in Trader", country_code="DE")
    invoice = svc.post(svc.create(german_payload(walk_in, lines=REVERSE_CHARGE, delivery_date="2026-11-01",
                                                 buyer={"vat_id": "DE136695976"})).id)
    draft = svc.reissue(invoice.id, reason="Wrong address", actor="admin").draft
    assert [line.tax_category.value for line in draft.lines] == ["AE", "S"]
    assert draft.buyer.vat_id == "DE136695976" and str(draft.delivery_date) == "2026-11-01"
    posted = svc.post(draft.id)
    _, xml = svc.open_xml(posted.id)
    assert categories(xml) == (["AE", "S"], ["AE 0", "S 19"])


def test_an_xrechnung_credit_note_carries_the_leitweg_id_its_invoice_stated(svc, settings, host):
    """The Leitweg-ID (BT-10) an XRechnung needs came with the invoice, not from the customer: its
    credit note states it too, so it is posted (not refused for BR-DE-15)."""
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    city = host.add_customer("Stadt Musterhausen", vat_id="DE136695976", country_code="DE")
    invoice = svc.post(svc.create(german_payload(city, buyer={"reference": "04011000-12345-03"})).id)
    note = svc.create_credit_note(invoice.id, {"lines": [{"line": 1, "quantity": "1"}]}, actor="admin").credit_note
    _, xml = svc.open_xml(note.id)
    assert rules.errors(rules.check(xml, "xrechnung")) == []
    assert cii.element_texts(xml, "//ram:BuyerReference") == ["04011000-12345-03"]


def test_a_refused_credit_note_names_the_invoice_it_was_for_not_a_draft(svc, settings, host):
    """Its e-invoice breaking a rule, a credit note is not made at all: the refusal names the
    credited invoice, not the "Draft #…" that never existed."""
    city = host.add_customer("Stadt Musterhausen", vat_id="DE136695976", country_code="DE")
    invoice = svc.post(svc.create(german_payload(city)).id)       # EN 16931: no Leitweg-ID needed
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    with pytest.raises(EInvoiceInvalid) as caught:
        svc.create_credit_note(invoice.id, {"full": True}, actor="admin")
    assert caught.value.message.startswith(
        f"The credit note for invoice {invoice.invoice_number} was not made: its XRechnung 3.0 e-invoice breaks "
        "1 rule: [BR-DE-15]")
    assert svc.credit_notes_of(invoice.id) == [] and svc.get(invoice.id).amount_credited == 0


MIXED_AT_ZERO = [
    {"description": "Consulting", "quantity": "10", "unit_price": "120.00", "tax_rate": "0", "tax_category": "AE"},
    {"description": "Export freight", "quantity": "1", "unit_price": "400.00", "tax_rate": "0"},
]


def test_an_amount_at_a_rate_of_several_categories_is_shared_among_them(svc, acme):
    """AE and Z at 0 %: 10.00 credited at 0 % reduces both, in proportion to what remains of each
    (1,200.00 and 400.00): 7.50 reverse charge and 2.50 zero-rated, never 10.00 zero-rated."""
    invoice = svc.post(svc.create(german_payload(acme, lines=MIXED_AT_ZERO)).id)
    note, xml = _credited(svc, invoice.id, {"amounts": [{"tax_rate": "0", "amount": "10.00"}]})
    assert [(line.tax_category.value, str(line.row_total)) for line in note.lines] == [("AE", "7.50"), ("Z", "2.50")]
    assert categories(xml) == (["AE", "Z"], ["AE 0", "Z 0"])
    # what remains of each decides the next share: the consulting credited in full, all goes to Z
    _credited(svc, invoice.id, {"lines": [{"line": 1, "quantity": "10"}]})
    note, xml = _credited(svc, invoice.id, {"amounts": [{"tax_rate": "0", "amount": "0.03"}]})
    assert [(line.tax_category.value, str(line.row_total)) for line in note.lines] == [("Z", "0.03")]
    rest, xml = _credited(svc, invoice.id, {"full": True})
    assert categories(xml) == (["Z"], ["Z 0"])
    assert svc.get(invoice.id).amount_due == 0
