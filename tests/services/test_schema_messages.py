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
    assert name.startswith("Longer than maximum length ") and org == "Must be greater than or equal to 1."
    assert i18n.translate("de", name) == name.replace("Longer than maximum length", "Länger als die Höchstlänge von")
    assert i18n.translate("fr", org) == "Doit être supérieur ou égal à 1."


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
