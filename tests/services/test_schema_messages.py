"""The input schemas' messages, marshmallow's own included, reach a reader in their language;
the service's error keeps the English text."""
from __future__ import annotations

import pytest
from support.payloads import invoice_payload

from oro_invoices import i18n
from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.schemas import load_input


def _errors(payload):
    with pytest.raises(ValidationError) as err:
        load_input(payload)
    return dict(err.value.errors)


def test_marshmallow_messages_with_values_are_translated_with_them():
    errors = _errors(invoice_payload(customer_name="x" * 300, organization_id=0))
    name, org = errors["customer_name"], errors["organization_id"]
    assert name == "At most 255 characters." and org == "Must be greater than or equal to 1."
    assert i18n.translate("de", name) == "Höchstens 255 Zeichen."
    assert i18n.translate("ja", name) == "255 文字以内で入力してください。"
    assert i18n.translate("fr", org) == "Doit être supérieur ou égal à 1."


def test_no_length_limit_is_said_in_marshmallows_words():
    """Every text field's limit reads as the add-on's own messages read, never "Longer than maximum length"."""
    errors = _errors(invoice_payload(order_identifier="x" * 129, credit_reason="x" * 1001,
                                     lines=[{"description": "", "quantity": "1", "unit_price": "1", "tax_rate": "0"}],
                                     bill_to={"city": "x" * 129}))
    assert (errors["order_identifier"], errors["credit_reason"], errors["bill_to.city"]) \
        == ("At most 128 characters.", "At most 1000 characters.", "At most 128 characters.")
    assert errors["lines[0].description"] == "Between 1 and 4000 characters."
    assert not [m for m in errors.values() if "maximum length" in m or "minimum length" in m]


def test_marshmallow_messages_without_values_are_translated():
    payload = invoice_payload()
    del payload["currency"]
    errors = _errors({**payload, "surprise": 1})
    assert errors["currency"] == "Missing data for required field."
    assert i18n.translate("ja", errors["currency"]) == "必須項目が入力されていません。"
    assert i18n.translate("de", errors["surprise"]) == "Unbekanntes Feld."


def test_the_schemas_own_messages_with_values_are_translated():
    errors = _errors(invoice_payload(lines=[{"description": "Widget", "quantity": "1", "unit_price": "1.00001",
                                             "tax_rate": "0.19"}]))
    message = errors["lines[0].unit_price"]
    assert message == "At most 4 decimal places for USD."
    assert i18n.translate("fr", message) == "Au plus 4 décimales pour USD."


def test_a_positive_fields_size_limit_is_an_upper_bound():
    """A quantity (or a payment's amount) must be above 0: its limit is not said as a range from
    -1,000,000,000,000, in English or in the reader's language and number format."""
    errors = _errors(invoice_payload(lines=[{"description": "Widget", "quantity": "9" * 20, "unit_price": "9" * 20}]))
    assert errors["lines[0].quantity"] == "Must be less than 1,000,000,000,000."
    assert errors["lines[0].unit_price"] == "Must be between -1,000,000,000,000 and 1,000,000,000,000."  # a discount
    with i18n.using("de", values=str):
        assert i18n.gettext(errors["lines[0].quantity"]).startswith("Muss kleiner als ")


def test_a_typed_numbers_syntax_message_keeps_its_english_and_is_said_by_the_page():
    """A payment's amount typed into a form: the API reads the strict syntax in English, a page
    writes the message's ``NumberHint`` in its own terms; an imported invoice's price keeps the
    API's hint everywhere (a file is not typed into a page)."""
    from marshmallow import ValidationError as MmValidationError

    from oro_invoices.domain.messages import NumberHint
    from oro_invoices.services.schemas import PaymentInputSchema, validation_error
    with pytest.raises(MmValidationError) as raised:
        PaymentInputSchema().load({"method": "cash", "action": "charge", "amount": "1e1"})
    [(field, message)] = validation_error(raised.value).errors
    imported = _errors(invoice_payload(lines=[{"description": "Widget", "quantity": "1", "unit_price": "1e1"}]))
    assert field == "amount" and message == imported["lines[0].unit_price"]      # the same English
    assert isinstance(message.values["hint"], NumberHint)
    with i18n.using("de", values=lambda value: "wie auf der Seite" if isinstance(value, NumberHint) else str(value)):
        assert i18n.gettext(message) == "Keine gültige Dezimalzahl: wie auf der Seite"
        assert "19.99" in i18n.gettext(imported["lines[0].unit_price"])

