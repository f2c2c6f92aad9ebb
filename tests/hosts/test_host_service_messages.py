"""What the services say, in the reader's language: a refused credit note explained to a German
admin with a German amount, activity entries recorded once and read in German, Japanese and
English, and an entry whose words follow its number of lines."""
from __future__ import annotations

from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import ShopClient, text_of


def _posted(client: ShopClient, lines: list[dict[str, str]]):
    """A posted EUR invoice of organization 1 for a seeded customer, with ``lines``."""
    return posted_for_seeded_customer(client.service, currency="EUR", lines=lines)


ONE_LINE = [{"description": "Widget", "quantity": "1", "unit_price": "40.00", "tax_rate": "0.19"}]


def _page(client: ShopClient, url: str, language: str) -> str:
    resp = client.get(url, headers={"Accept-Language": language})
    assert resp.status_code == 200
    return text_of(resp.get_data(as_text=True)).replace("\xa0", " ").replace("\u202f", " ")


def test_a_german_admin_reads_why_a_credit_note_is_refused_with_a_german_amount(admin):
    inv = _posted(admin, ONE_LINE)
    view = f"/admin/invoices/{inv.id}"
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    resp = admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "amount_0_19": "50.01", "reason": "Retoure"})
    assert resp.status_code == 422
    page = text_of(resp.get_data(as_text=True)).replace("\xa0", " ")
    assert "Zum Steuersatz von 19 % können höchstens noch 40,00 € (netto) gutgeschrieben werden; " \
           "verlangt: 50,01 €." in page
    assert "remain creditable" not in page
    # the service's own text stays English for the API and the logs
    from oro_invoices.domain.errors import ValidationError
    try:
        admin.service.create_credit_note(inv.id, {"amounts": [{"tax_rate": "0.19", "amount": "50.01"}]})
    except ValidationError as exc:
        assert exc.errors == [("amounts[0].amount",
                               "At 19% tax at most 40.00 EUR (net) remain creditable; 50.01 EUR asked.")]
    else:
        raise AssertionError("the credit note was not refused")


def test_activity_recorded_once_is_read_in_each_readers_language(admin):
    inv = _posted(admin, ONE_LINE)
    admin.service.record_payment(inv.id, {"method": "cash", "action": "charge", "amount": "47.60"},
                                 actor="test")
    view = f"/admin/invoices/{inv.id}"
    german = _page(admin, view, "de-DE,de;q=0.9")
    assert "Belastung über 47,60 € per Bargeld: erfolgreich" in german
    assert "Zahlungsstatus: Vollständig bezahlt" in german
    assert "Erstellt mit 1 Position, Summe 47,60 €" in german
    assert f"Gebucht als {inv.invoice_number}" in german
    japanese = _page(admin, view, "ja")
    assert "支払状況：全額支払済み" in japanese
    assert "明細 1 行、合計 €47.60 で作成しました" in japanese
    assert f"{inv.invoice_number} として確定しました" in japanese
    english = _page(admin, view, "en")
    assert "Charge of €47.60 via Cash: successful" in english
    assert f"Posted as {inv.invoice_number}" in english
    # what was stored is the English text (the JSON API, exports and the logs read it)
    summaries = [a.summary for a in admin.service.activities(inv.id)]
    assert "Created with 1 line, total 47.60 EUR" in summaries
    assert "Charge of 47.60 EUR via Cash: successful" in summaries


def test_an_entry_follows_its_number_of_lines(admin):
    two = _posted(admin, ONE_LINE + [{"description": "Bolt", "quantity": "2", "unit_price": "5.00",
                                      "tax_rate": "0.19"}])
    german = _page(admin, f"/admin/invoices/{two.id}", "de")
    assert "Erstellt mit 2 Positionen, Summe 59,50 €" in german
    french = _page(admin, f"/admin/invoices/{two.id}", "fr")
    assert "Créée avec 2 lignes, total 59,50 €" in french
    assert "Created with 2 lines, total 59.50 EUR" in [a.summary for a in admin.service.activities(two.id)]
