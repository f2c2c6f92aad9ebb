"""A value no column can hold (NUL, an integer beyond 64 bits) is refused with every other
problem of the record, not instead of them: the import and the service list them all."""
from __future__ import annotations

import json

import pytest
from support.payloads import invoice_payload

from oro_invoices.cli import main
from oro_invoices.domain.errors import ValidationError

NOT_A_NUMBER = ('Not a valid decimal number: write it like "19.99": ASCII digits with an optional leading minus and '
                'decimal point, no spaces, digit separators or exponent.')


def test_the_import_lists_the_unstorable_values_and_the_other_problems(sqlite_db, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"external_id": "U-1", "invoice_date": "2026-11-02", "currency": "EUR",
                                "customer_name": "Ac\u0000me", "customer_id": 10**25,
                                "lines": [{"description": "Widget", "quantity": "NaN", "unit_price": "5.00"}]}) + "\n")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1.customer_name: Must not contain NUL or unpaired surrogate characters.",
        f"{path}:1.customer_id: Number out of range.",
        f"{path}:1.lines[0].quantity: {NOT_A_NUMBER}",
        "error: nothing imported (3 problem(s))"]


def test_the_service_lists_them_too(service):
    with pytest.raises(ValidationError) as refused:
        service.create(invoice_payload(customer_name="Ac\u0000me", lines=[
            {"description": "Widget", "quantity": "0", "unit_price": "5.00"}]))
    assert refused.value.errors == [("customer_name", "Must not contain NUL or unpaired surrogate characters."),
                                    ("lines[0].quantity", "Must be greater than 0.")]
