"""The error hierarchy: a default message for each class, no transport detail, located copies."""
import inspect

import pytest

from oro_invoices.domain import errors

ERROR_CLASSES = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
                 if issubclass(cls, errors.InvoiceError)]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_has_a_default_message_and_no_http_status(cls):
    exc = cls()
    assert exc.message and str(exc) == exc.message
    assert not hasattr(exc, "http_status")


def test_a_given_message_replaces_the_default():
    assert errors.NotFound().message == "The invoice does not exist or is not visible to you."
    assert str(errors.NotFound("Invoice 7 does not exist.")) == "Invoice 7 does not exist."


def test_validation_errors_list_their_fields():
    exc = errors.ValidationError({"lines": {0: {"quantity": ["Must be greater than 0."]}}})
    assert exc.errors == [("lines[0].quantity", "Must be greater than 0.")]
    assert exc.message == "Invalid input: lines[0].quantity: Must be greater than 0."
    assert errors.ValidationError().message == "Invalid input."


def test_at_makes_a_new_error_and_leaves_the_original_alone():
    original = errors.Conflict("That invoice number is already used.")
    located = original.at("file.json[1]")
    assert type(located) is errors.Conflict and located is not original
    assert located.message == "file.json[1]: That invoice number is already used."
    assert original.message == "That invoice number is already used."


def test_validation_errors_are_located_field_by_field():
    exc = errors.ValidationError([("currency", "Unknown."), ("", "Expected an object.")])
    located = exc.at("a.csv:3")
    assert located.errors == [("a.csv:3.currency", "Unknown."), ("a.csv:3", "Expected an object.")]
    assert exc.errors == [("currency", "Unknown."), ("", "Expected an object.")]
