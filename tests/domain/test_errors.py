"""The error hierarchy: a default message for each class, no transport detail, located copies."""
import inspect
import pickle

import pytest

from oro_invoices.domain import errors
from oro_invoices.domain.messages import Message

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


def test_at_keeps_the_other_fields():
    located = errors.NumberTaken(number="INV-7").at("a.csv:3")
    assert type(located) is errors.NumberTaken and located.number == "INV-7"
    assert located.message == str(located) == "a.csv:3: Invoice number INV-7 is already used by another invoice of this organization."
    assert located.message.msgid == "%(where)s: %(message)s"


def test_a_located_storage_error_says_on_pages_what_it_said_there():
    as_is = errors.StorageError.shown_as_is(Message("Invoice %(number)s has no stored PDF.", number="INV-7"))
    located = as_is.at("a.csv:3")
    assert located.message == located.shown == "a.csv:3: Invoice INV-7 has no stored PDF."
    assert located.shown.values["message"].msgid == "Invoice %(number)s has no stored PDF."
    naming = errors.StorageUnreachable("Cannot reach the PDF storage s3://pdf/p: refused").at("a.csv:3")
    assert naming.message == "a.csv:3: Cannot reach the PDF storage s3://pdf/p: refused"
    assert naming.shown == ("a.csv:3: The document storage cannot be reached right now. "
                            "Please try again in a few minutes.")
    copied = pickle.loads(pickle.dumps(naming))
    assert (copied.message, copied.shown, copied.retry_after) == (naming.message, naming.shown, 30)
    assert as_is.shown == "Invoice INV-7 has no stored PDF."   # the original is left alone


def test_validation_errors_are_located_field_by_field():
    exc = errors.ValidationError([("currency", "Unknown."), ("", "Expected an object.")])
    located = exc.at("a.csv:3")
    assert located.errors == [("a.csv:3.currency", "Unknown."), ("a.csv:3", "Expected an object.")]
    assert exc.errors == [("currency", "Unknown."), ("", "Expected an object.")]


#: An error of each class with a message and every field it has, as a worker would raise it.
WITH_FIELDS = {
    errors.ValidationError: lambda: errors.ValidationError([("lines[0].quantity", Message(
        "Line %(line)s: the quantity must be positive.", line=1)), ("", "Expected an object.")]),
    errors.EInvoiceInvalid: lambda: errors.EInvoiceInvalid([("BR-CO-15", "The total is wrong.")]),
    errors.NumberTaken: lambda: errors.NumberTaken(number="INV-7"),
    errors.InvoiceIsPosted: lambda: errors.InvoiceIsPosted(fields=["lines", "due_date"]),
    errors.PermissionDenied: lambda: errors.PermissionDenied("Not yours.", field="customer_id"),
    errors.StorageUnreachable: lambda: errors.StorageUnreachable(
        Message("Cannot reach the PDF storage %(url)s: refused", url="s3://pdf/p"),
        shown=Message("Invoice %(number)s: %(what)s", number="INV-7", what="the storage is down")),
}


def _sample(cls: type[errors.InvoiceError]) -> errors.InvoiceError:
    made = WITH_FIELDS.get(cls)
    return made() if made else cls(Message("Invoice %(number)s: it went wrong.", number="INV-7"))


def _same(copied: BaseException, original: BaseException) -> None:
    assert type(copied) is type(original)
    assert str(copied) == str(original) and copied.args == original.args
    assert vars(copied) == vars(original)
    for name, value in vars(original).items():   # a Message stays translatable: its id and values
        if isinstance(value, Message):
            assert (copied.__dict__[name].msgid, copied.__dict__[name].values) == (value.msgid, value.values)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_crosses_a_process_boundary_whole(cls, protocol):
    """Pickled and read back (as Celery and the PDF workers carry it): the same text, message and fields."""
    original = _sample(cls)
    _same(pickle.loads(pickle.dumps(original, protocol=protocol)), original)
    located = original.at("file.json[1]")
    _same(pickle.loads(pickle.dumps(located, protocol=protocol)), located)


def test_the_storage_out_of_reach_keeps_what_pages_say_and_what_the_log_says():
    error = _sample(errors.StorageUnreachable)
    copied = pickle.loads(pickle.dumps(error))
    assert isinstance(copied, errors.StorageUnreachable)
    assert copied.message == "Cannot reach the PDF storage s3://pdf/p: refused"
    assert copied.shown == "Invoice INV-7: the storage is down" and copied.shown.msgid == "Invoice %(number)s: %(what)s"
    assert copied.retry_after == 30


def test_a_validation_error_read_back_is_not_said_twice():
    copied = pickle.loads(pickle.dumps(errors.ValidationError([("currency", "Unknown.")])))
    assert str(copied) == copied.message == "Invalid input: currency: Unknown."
    assert copied.errors == [("currency", "Unknown.")]


def test_errors_with_arguments_of_their_own_are_read_back_too():
    """Subclasses elsewhere whose ``__init__`` needs other arguments than a message."""
    from oro_invoices.integration.config import InvalidSetting, InvalidSettings
    from oro_invoices.integration.payment_methods import CallbackRejected, OutcomeUnknown
    for original in (InvalidSetting("oro_invoices.due_days", "Not a number.", "due_days: Not a number."),
                     InvalidSettings({"oro_invoices.due_days": "Not a number."}, "website 3"),
                     CallbackRejected("Bad signature.", attempt_id="a-1", ends_attempt=False),
                     OutcomeUnknown("No answer.", detail="read timeout")):
        _same(pickle.loads(pickle.dumps(original)), original)
