"""The Create Credit Note form shows a refused field's problem beside that field, as well as on top."""
from __future__ import annotations

import re

from support.payloads import posted_for_seeded_customer

from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.integration.config import Settings


def _submit(admin, invoice_id: int, **fields: str):
    view = f"/admin/invoices/{invoice_id}"
    return admin.submit(f"{view}/credit-notes/new", f"{view}/credit-notes",
                        {"mode": "partial", "qty_1": "1", "reason": "Returned", **fields})


def _beside(html: str, field: str) -> str:
    """The problem shown beside ``field``, which the field names as describing it."""
    found = re.search(rf'<span class="oi-field__error" id="f-error-{field}" data-oi-error="{field}">(.*?)</span>',
                      html, re.S)
    assert found, f"no problem beside {field}"
    return text_of(found.group(1))


def test_an_invisible_character_in_the_buyers_reference_is_shown_beside_it(admin):
    inv = posted_for_seeded_customer(admin.service)
    resp = _submit(admin, inv.id, buyer_reference="PO-44\u200b71")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    said = ("Must not contain U+200B ZERO WIDTH SPACE: an invisible character, which the e-invoice would state "
            "without anyone seeing it.")
    assert f"Buyer reference: {said}" in text_of(re.search(r'role="alert">(.*?)</div>', html, re.S).group(1))
    assert _beside(html, "buyer_reference") == said
    field = re.search(r'<input id="oi-credit-buyer-reference"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="f-error-buyer_reference oi-credit-buyer-reference-help"' in field
    assert 'id="f-error-reason"' not in html and "aria-invalid" not in html.split('id="oi-credit-reason"')[1][:80]
    assert admin.service.credit_notes_of(inv.id) == []


def test_a_reason_too_long_is_shown_beside_it(admin):
    inv = posted_for_seeded_customer(admin.service)
    resp = _submit(admin, inv.id, reason="x" * 1001)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _beside(html, "reason") == "At most 1000 characters."
    assert 'aria-invalid="true" aria-describedby="f-error-reason"' in html
    assert 'id="f-error-buyer_reference"' not in html


def test_a_form_without_problems_of_its_own_fields_marks_none(admin):
    inv = posted_for_seeded_customer(admin.service)
    resp = _submit(admin, inv.id, qty_1="999")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "oi-field__error" not in html and 'aria-invalid="true"' not in html


def test_peppols_missing_buyer_reference_is_shown_beside_it(shop, admin):
    """R003: a UBL credit note of an invoice that states no buyer reference needs one on the form."""
    inv = posted_for_seeded_customer(admin.service)      # posted as a plain PDF: no BT-10 needed
    assert not admin.service.get(inv.id).buyer.reference
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.einvoice.enabled", True)
    settings.set("oro_invoices.einvoice.profile", "ubl")
    resp = _submit(admin, inv.id)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "which Peppol requires" in text_of(re.search(r'role="alert">(.*?)</div>', html, re.S).group(1))
    assert _beside(html, "buyer_reference") == (
        f"The credit note's e-invoice needs a buyer reference (BT-10), and neither invoice {inv.invoice_number} "
        "nor its customer states one: enter the buyer's reference here.")
    assert 'aria-describedby="f-error-buyer_reference oi-credit-buyer-reference-help" aria-invalid="true"' in html
    assert admin.service.credit_notes_of(inv.id) == []
    assert _submit(admin, inv.id, buyer_reference="PO-4471").status_code == 303


def test_a_german_page_words_the_e_invoice_rules_in_german(shop, admin):
    """The rules' texts the add-on words (Peppol's R003, XRechnung's BR-DE-15) follow the page's
    language, on top of the form as beside the Buyer reference field."""
    inv = posted_for_seeded_customer(admin.service)
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.einvoice.enabled", True)
    settings.set("oro_invoices.einvoice.profile", "ubl")
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    resp = _submit(admin, inv.id)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert text_of(re.search(r'role="alert">(.*?)</div>', html, re.S).group(1)) == (
        f"Die Gutschrift zur Rechnung {inv.invoice_number} wurde nicht erstellt: ihre EN 16931 UBL-E-Rechnung "
        "verletzt 1 Regel: [PEPPOL-EN16931-R003] "
        "Die Gutschrift hat weder eine Käuferreferenz (BT-10) noch eine Bestellreferenz (BT-13), von denen Peppol "
        f"eine verlangt, und Rechnung {inv.invoice_number}, die sie gutschreibt, gibt auch keine an: Geben Sie die "
        "Käuferreferenz beim Erstellen der Gutschrift an (Käuferreferenz im Formular „Gutschrift erstellen“, "
        "buyer_reference in POST /api/invoices/{id}/credit-notes) oder legen Sie die Käuferreferenz des Kunden fest "
        "(CustomerRef.buyer_reference).")
    assert _beside(html, "buyer_reference") == (
        f"Die E-Rechnung der Gutschrift braucht eine Käuferreferenz (BT-10), und weder Rechnung {inv.invoice_number} "
        "noch ihr Kunde gibt eine an: Geben Sie hier die Käuferreferenz ein.")
    settings.set("oro_invoices.einvoice.profile", "xrechnung")
    html = _submit(admin, inv.id).get_data(as_text=True)
    assert (f"verletzt 1 Regel: [BR-DE-15] Die Gutschrift hat keine Käuferreferenz (BT-10), die XRechnung verlangt, "
            f"und Rechnung {inv.invoice_number}, die sie gutschreibt, gibt auch keine an:"
            in text_of(re.search(r'role="alert">(.*?)</div>', html, re.S).group(1)))
    assert "Das Element" not in html and "has no buyer reference" not in html
    assert _beside(html, "buyer_reference").startswith("Die E-Rechnung der Gutschrift braucht eine Käuferreferenz")
    assert admin.service.credit_notes_of(inv.id) == []


def test_the_alert_names_each_broken_rule_by_its_id_as_a_refused_posting_does(shop, admin):
    inv = posted_for_seeded_customer(admin.service)
    settings = Settings(shop[0].extensions["oro_reference_host"].config)
    settings.set("oro_invoices.einvoice.enabled", True)
    for profile, named, rule in (("ubl", "EN 16931 UBL", "PEPPOL-EN16931-R003"),
                                 ("xrechnung", "XRechnung 3.0", "BR-DE-15")):
        settings.set("oro_invoices.einvoice.profile", profile)
        resp = _submit(admin, inv.id)
        assert resp.status_code == 422, profile
        alert = text_of(re.search(r'role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S).group(1))
        assert alert.startswith(f"The credit note for invoice {inv.invoice_number} was not made: its {named} "
                                f"e-invoice breaks 1 rule: [{rule}] The credit note has no buyer reference (BT-10)"
                                ), alert
    assert admin.service.credit_notes_of(inv.id) == []
