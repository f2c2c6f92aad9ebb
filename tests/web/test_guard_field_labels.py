"""What a form error calls its field (``guard.friendly``): the form's label in the page's
language, for a share's field (``amount-12``) too; a field no form shows is not named in English."""
from __future__ import annotations

from oro_invoices import i18n
from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.messages import Message
from oro_invoices.web import guard


def _said(language: str, *errors: tuple[str, str]) -> str:
    with i18n.using(language):
        return guard.friendly(ValidationError(list(errors)))[1]


def test_labels_are_translated_when_shown_in_the_pages_language():
    problem = Message("Choose how the payment was received.")
    assert _said("en", ("method", problem)) == "Payment Method: Choose how the payment was received."
    german = _said("de", ("method", problem), ("currency", Message("Enter an amount.")))
    assert german.startswith("Zahlungsart: ") and "Währung: " in german
    assert "Method" not in german and "Currency" not in german
    assert _said("fr", ("amount", Message("Enter an amount."))).startswith("Montant")


def test_a_shares_field_is_labelled_as_its_kind():
    assert _said("de", ("amount-12", Message("Enter an amount."))).startswith("Betrag: ")


def test_a_field_no_form_shows_is_not_named_in_english():
    assert _said("de", ("once_key", Message("Enter an amount."))) == i18n.translate("de", "Enter an amount.")
