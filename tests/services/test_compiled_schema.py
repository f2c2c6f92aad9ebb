"""The compiled load accepts exactly what the schema accepts, loads it the same, and leaves errors to it."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from marshmallow import ValidationError as MmValidationError
from support.payloads import invoice_payload

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.compiled_schema import compile_schema
from oro_invoices.services.schemas import InvoiceInputSchema, check_storable, load_input

SCHEMA = InvoiceInputSchema()
FAST = compile_schema(SCHEMA)

VALUES = [None, "", " ", "x", "x" * 5000, 0, -1, 1, 2**70, 1.5, True, [], {}, "2026-02-30", "2026-11-02",
          "20261102", "19.99", "-3", "1e3", "0.19", "19", "USD", "usd", "a@b.test", "not-an-email",
          "https://pay.test/x", "ftp://pay.test/x", "INV-1", " INV-1", "INV\u200b1", [{}], {"city": 3},
          {"city": "Berlin", "zip": "1"}]


def schema_load(payload):
    try:
        return SCHEMA.load(payload)
    except MmValidationError:
        return None


def variants():
    """A valid payload, then one field (of the invoice, an address or a line) changed or left out."""
    base = invoice_payload(ship_to={"city": "Paris", "country": "FR"}, status="posted",
                           payment_status="paid_in_full", external_payment_url="https://pay.test/1",
                           external_id="E-1", invoice_number="OLD-1", website_id=3)
    yield base
    places = [(None, key) for key in list(base) + ["unknown"]]
    places += [("bill_to", key) for key in list(base["bill_to"]) + ["street2", "nope"]]
    places += [("line", key) for key in list(base["lines"][0]) + ["nope"]]
    for where, key in places:
        for value in [*VALUES, "<left out>"]:
            payload = copy.deepcopy(base)
            target = payload if where is None else payload["bill_to"] if where == "bill_to" else payload["lines"][0]
            if value == "<left out>":
                target.pop(key, None)
            else:
                target[key] = value
            yield payload


def test_the_schema_compiles_and_takes_the_valid_variants():
    assert FAST is not None
    accepted = [p for p in variants() if FAST.load(p) is not None]
    assert len(accepted) > 100                       # the fast path is taken, not always refused


@pytest.mark.parametrize("payload", list(variants()), ids=lambda p: "")
def test_accepts_exactly_what_the_schema_accepts_and_loads_the_same(payload):
    expected = schema_load(payload)
    assert FAST.load(payload) == expected            # None: refused, and left to the schema


@pytest.mark.parametrize("bad,where,message", [
    ({"lines": [{"description": "x", "quantity": "-1", "unit_price": "1"}]}, "lines[0].quantity",
     "Must be greater than 0."),
    ({"lines": [{"description": "x", "quantity": "1", "unit_price": 1.5}]}, "lines[0].unit_price",
     "not a float"),
    ({"currency": "XXX"}, "currency", "Unknown currency"),
    ({"invoice_date": "2026-02-30"}, "invoice_date", "Not a valid date (YYYY-MM-DD, such as 2026-11-02)."),
    ({"colour": "red"}, "colour", "Unknown field."),
    ({"customer_id": 2**70}, "customer_id", "out of range"),
    ({"customer_name": "A\x00B"}, "customer_name", "must not contain NUL"),
])
def test_what_it_refuses_the_schema_words(bad, where, message):
    payload = invoice_payload(**bad)
    assert FAST.load(payload) is None or where in ("customer_id", "customer_name")  # storable: load_input
    with pytest.raises(ValidationError) as err:
        load_input(payload)
    fields = dict(err.value.errors)
    assert where in fields and message.lower() in str(fields[where]).lower()


def test_the_storable_check_still_names_the_place():
    for payload, where in [({"a": ["ok", "\ud800"]}, "a[1]"), ({"b": {"c": 2**64}}, "b.c"),
                           ({"d": "x\x00"}, "d")]:
        with pytest.raises(ValidationError) as err:
            check_storable(payload)
        assert err.value.errors[0][0] == where
    check_storable({"a": ["é", 2**62, -(2**63), "\\u0000 as written", 1.5, None, True]})


def test_decimals_met_before_load_the_same_and_bad_ones_are_still_refused():
    from oro_invoices.services.schemas import DecimalString
    line = lambda **values: invoice_payload(lines=[{"description": "x", "quantity": "2.5",  # noqa: E731
                                                    "unit_price": "1.10", **values}])
    first, again = load_input(line()), load_input(line())
    assert first == again == schema_load(line()) and str(again["lines"][0]["unit_price"]) == "1.10"
    for bad, message in [("1.1234567", "At most 6 decimal places"), ("1e3", "Not a valid decimal number"),
                         (1.5, "not a float")]:
        for _ in range(2):                                  # refused every time: never remembered
            with pytest.raises(ValidationError) as err:
                load_input(line(quantity=bad))
            assert message.lower() in str(dict(err.value.errors)["lines[0].quantity"]).lower()
    field = DecimalString(places=2)
    for i in range(DecimalString.MEMO_SIZE + 10):
        assert field.deserialize(f"{i}.5") == Decimal(f"{i}.5")
    assert len(field._accepted) <= DecimalString.MEMO_SIZE
