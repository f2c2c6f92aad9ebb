"""Bad input: a message per field saying what is wrong, and nothing written."""
import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import ValidationError


def errors_of(service, payload):
    with pytest.raises(ValidationError) as err:
        service.create(payload)
    return dict(err.value.errors)


def test_field_paths_name_the_bad_line(service):
    payload = invoice_payload()
    payload["lines"][1]["quantity"] = 2.5
    payload["lines"][0]["unit_price"] = "abc"
    errs = errors_of(service, payload)
    assert errs["lines[1].quantity"].startswith("Give this number as a decimal string")
    assert errs["lines[0].unit_price"].startswith("Not a valid decimal number: write it like \"19.99\"")


def test_every_problem_of_a_line_is_reported_together(service):
    payload = invoice_payload()
    payload["lines"][0].update(quantity="-2", unit_price="abc", tax_rate="19")
    payload["lines"][1].update(unit_price="abc", tax_rate="0.19", tax_category="E")
    errs = errors_of(service, payload)
    assert errs["lines[0].quantity"] == "Must be greater than 0."
    assert errs["lines[0].unit_price"].startswith("Not a valid decimal number")
    assert errs["lines[0].tax_rate"].startswith("Must be a fraction from 0 up to but not including 1")
    assert errs["lines[1].unit_price"].startswith("Not a valid decimal number")
    assert errs["lines[1].tax_category"] == "VAT category E is charged at tax rate 0; got 0.19."


def test_the_invoice_dates_are_checked_beside_a_bad_line(service):
    payload = invoice_payload(invoice_date="2026-11-02", due_date="2026-11-01", currency="JPY")
    payload["lines"][0].update(quantity="abc")
    payload["lines"][1].update(unit_price="19.99999")
    errs = errors_of(service, payload)
    assert errs["lines[0].quantity"].startswith("Not a valid decimal number")
    assert errs["due_date"] == "Must not be before the invoice date."
    assert errs["lines[1].unit_price"] == "At most 4 decimal places for JPY."


@pytest.mark.parametrize("change,field,message", [
    ({"currency": "XYZ"}, "currency", "Unknown currency code"),
    ({"invoice_date": "2026-13-01"}, "invoice_date", "Not a valid date (YYYY-MM-DD, such as 2026-11-02)."),
    ({"due_date": "2026-01-01"}, "due_date", "Must not be before the invoice date."),
    ({"lines": []}, "lines", "Give between 1 and"),
    ({"customer_user_email": "not-an-email"}, "customer_user_email", "Not a valid email address."),
    ({"external_payment_url": "javascript:alert(1)"}, "external_payment_url", "Not a valid URL."),
    ({"external_payment_url": 'https://e.com/"><script>alert(1)</script>'}, "external_payment_url",
     'Must not contain " > <: a URL holds them only percent-encoded (" %22, > %3E, < %3C).'),
    ({"customer_id": "10"}, "customer_id", "Not a valid integer."),
    ({"surprise": 1}, "surprise", "Unknown field."),
    ({"invoice_number": "bad number!"}, "invoice_number", "Use letters, digits"),
])
def test_each_bad_field_gets_a_clear_message(service, change, field, message):
    errs = errors_of(service, invoice_payload(**change))
    assert message in errs[field]


@pytest.mark.parametrize("country", ["ZZ", "XK", "eu", " zz "])
def test_a_two_letter_country_must_be_a_country_code(service, country):
    """It would be the buyer's country and the e-invoice's CountryID: refused when the invoice is
    made, not at posting."""
    payload = invoice_payload(bill_to={"name": "Acme", "country": "DE"}, ship_to={"name": "Acme", "country": country})
    assert errors_of(service, payload) == {
        "ship_to.country": f"{country.strip()!r} is not an ISO 3166-1 country code: write a known two-letter "
                           "code such as 'DE', or the country's name."}


@pytest.mark.parametrize("country", ["DE", "fr", "Germany", "Deutschland", ""])
def test_a_country_code_or_name_is_taken(service, country):
    doc = service.create(invoice_payload(bill_to={"name": "Acme", "country": country}))
    assert doc.bill_to.country == country


@pytest.mark.parametrize("line_change,field,message", [
    ({"quantity": "0"}, "quantity", "Must be greater than 0."),
    ({"tax_rate": "1"}, "tax_rate", "from 0 up to but not including 1"),
    ({"tax_rate": "-0.1"}, "tax_rate", "from 0 up to but not including 1"),
    ({"description": ""}, "description", "Between 1 and 4000 characters."),
    ({"quantity": "1e999999"}, "quantity", "Not a valid decimal number"),
    ({"unit_price": "1e-999999"}, "unit_price", "Not a valid decimal number"),
    ({"quantity": "1" + "0" * 12}, "quantity", "Must be less than 1,000,000,000,000."),   # above 0: no negative range
    ({"unit_price": "1" + "0" * 12}, "unit_price", "Must be between -1,000,000,000,000 and"),
    ({"unit_price": "0.0000001"}, "unit_price", "At most 6 decimal places"),
])
def test_bad_lines(service, line_change, field, message):
    payload = invoice_payload()
    payload["lines"][0].update(line_change)
    errs = errors_of(service, payload)
    assert any(message in m for f, m in errs.items() if f == f"lines[0].{field}"), errs


def test_more_price_decimals_than_currency_allows(service):
    payload = invoice_payload(currency="JPY")
    payload["lines"][0]["unit_price"] = "19.99999"
    assert "At most 4 decimal places for JPY." in errors_of(service, payload)["lines[0].unit_price"]


def test_negative_total_is_refused(service):
    payload = invoice_payload()
    payload["lines"] = [{"description": "Credit", "quantity": "1", "unit_price": "-5.00"}]
    assert "must not be negative" in errors_of(service, payload)["lines"]


def test_nothing_is_written_on_bad_input(service):
    for bad in (invoice_payload(currency="XYZ"), invoice_payload(lines=[]), "not an object", [1, 2]):
        with pytest.raises(ValidationError):
            service.create(bad)
    assert service.list_invoices(with_total=True).total == 0


def test_update_validates_too_and_keeps_the_draft(service):
    inv = service.create(invoice_payload())
    with pytest.raises(ValidationError) as err:
        service.update(inv.id, {"lines": [{"description": "x", "quantity": "-1", "unit_price": "1"}]})
    assert "lines[0].quantity" in dict(err.value.errors)
    assert service.get(inv.id) == inv


@pytest.mark.parametrize("change,field", [
    ({"customer_name": "Acme\x00Corp"}, "customer_name"),
    ({"external_id": "bad\ud800"}, "external_id"),
    ({"customer_id": 2**70}, "customer_id"),
])
def test_values_no_database_can_hold_are_refused(service, change, field):
    with pytest.raises(ValidationError) as err:
        service.create(invoice_payload(**change))
    assert err.value.errors[0][0] == field
    assert service.list_invoices(with_total=True).total == 0
