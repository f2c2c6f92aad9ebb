"""The add-on's exception hierarchy.

Every error carries a message a user can act on; each class has a default one.
The errors know nothing of transports: the web layer maps them to HTTP statuses
(``oro_invoices.web.errors``), the CLI to a non-zero exit with one line. They cross process
boundaries (Celery, the PDF workers) pickled, each with its message and fields as they were.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

from oro_invoices.domain.messages import N_, Message


class InvoiceError(Exception):
    """Base class of every error the add-on raises on purpose."""

    default_message: ClassVar[str] = N_("The invoice operation could not be completed.")

    def __init__(self, message: str | None = None):
        self.message: str = message or self.default_message
        super().__init__(self.message)

    def at(self, where: str) -> Self:
        """A new error like this one, its message prefixed with ``where`` (a file and record, say),
        its other fields (a ``NumberTaken``'s number, a ``StorageError``'s ``shown``) kept."""
        located = copy.copy(self)   # by ``__reduce__``: its fields as they are, ``__init__`` not called
        located.message = _located(where, self.message)
        located.args = (located.message,)
        return located

    def __reduce__(self) -> tuple[Any, ...]:
        # Python's own pickling calls ``type(self)(*self.args)``, which each subclass's
        # ``__init__`` reads its own way (a ValidationError took its message for a field's,
        # a class with required arguments could not be unpickled at all): rebuild without it.
        return (_unpickled, (type(self), self.args), self.__dict__)


class ValidationError(InvoiceError):
    """Input is invalid; ``errors`` lists each field path and what is wrong with it."""

    default_message = N_("Invalid input.")

    def __init__(self, errors: Iterable[tuple[str, str]] | Mapping[str, Any] | str = (),
                 message: str | None = None):
        if isinstance(errors, str):
            errors = [("", errors)]
        elif isinstance(errors, Mapping):
            errors = list(flatten_messages(errors))
        self.errors: list[tuple[str, str]] = list(errors)
        summary = "; ".join(f"{f}: {m}" if f else m for f, m in self.errors)
        super().__init__(message or (Message("Invalid input: %(problems)s", problems=summary)
                                     if summary else None))

    def at(self, where: str) -> Self:
        """A new error like this one, each field path prefixed with ``where``."""
        return type(self)([(f"{where}.{f}" if f else where, m) for f, m in self.errors])

    def as_list(self) -> list[dict[str, str]]:
        """The errors as ``[{"field": ..., "message": ...}]``."""
        return [{"field": f, "message": m} for f, m in self.errors]


class EInvoiceInvalid(ValidationError):
    """The e-invoice XML of an invoice being posted breaks rules; ``errors`` are (rule id, text)."""

    default_message = N_("The e-invoice breaks the EN 16931 rules.")


class NotFound(InvoiceError):
    """The invoice (or another object) does not exist or is not visible."""

    default_message = N_("The invoice does not exist or is not visible to you.")


class Conflict(InvoiceError):
    """The request clashes with the current state (a duplicate number, say)."""

    default_message = N_("This is not possible in the invoice's current state.")


class ExternalIdTaken(Conflict):
    """The external id is another invoice's of the same organization."""

    #: The field an API error names.
    field = "external_id"

    def __init__(self, message: str | None = None):
        super().__init__(message or "An invoice with that external_id already exists.")


class NumberTaken(Conflict):
    """The invoice number is another invoice's of the same organization; ``number`` names it
    where the writer knew it."""

    default_message = N_("That invoice number is already used by another invoice.")
    #: The field an API error names.
    field = "invoice_number"

    def __init__(self, message: str | None = None, *, number: str | None = None):
        self.number = number
        super().__init__(message or (Message("Invoice number %(number)s is already used by another invoice of "
                                             "this organization.", number=number) if number else None))


class InvoiceIsPosted(Conflict):
    """A posted invoice is frozen: its document fields and lines cannot change; ``fields`` names
    those a request would have changed, where it is known (an API error names each)."""

    default_message = N_("The invoice is posted and can no longer be changed; only its payment "
                         "status, payments and notes may change.")

    def __init__(self, message: str | None = None, *, fields: Iterable[str] = ()):
        super().__init__(message)
        self.fields = tuple(fields)


class InvoiceNotPosted(Conflict):
    """The operation needs a posted invoice (downloading its PDF, say)."""

    default_message = N_("The invoice is not posted yet: post it first.")


class PdfPending(Conflict):
    """The invoice is posted and its PDF is being made in the background: ask again shortly."""

    default_message = N_("The invoice PDF is being prepared; try again in a moment.")
    #: Seconds a client should wait before asking again (the API's ``Retry-After``).
    retry_after: ClassVar[int] = 5


class ConfirmationRequired(Conflict):
    """The action has a consequence the user must confirm first (posting before Send to Customer)."""

    default_message = N_("Confirm this action first: it cannot be undone.")


class PermissionDenied(InvoiceError):
    """The current user may not do this."""

    default_message = N_("You do not have permission to do this.")

    def __init__(self, message: str | None = None, *, field: str = ""):
        super().__init__(message)
        #: The field an API error names: the one whose value is refused, if it is one.
        self.field = field


class FeatureDisabled(InvoiceError):
    """Invoices (or the needed sub-feature) are switched off in configuration."""

    default_message = N_("Invoices are switched off here.")


class ConfigurationError(InvoiceError):
    """A setting is unknown, has the wrong type, or is set at a scope it does not allow."""

    default_message = N_("The invoice configuration is invalid.")


class DatabaseNotMigrated(InvoiceError):
    """The add-on's tables are missing from the database: its migrations have not run on it."""

    default_message = N_("The invoice tables are missing from the database: run its migrations "
                         "(oro-invoices migrate).")


class DatabaseUnavailable(InvoiceError):
    """The database could not make a change just now (it refused or dropped it): nothing of the
    change was written; ask again."""

    default_message = N_("The invoices' database could not record this change, and nothing of it was "
                         "written. Try again in a moment.")
    #: Seconds a client should wait before asking again (the API's ``Retry-After``).
    retry_after: ClassVar[int] = 5


class DatabaseBusy(DatabaseUnavailable):
    """Another change held the database longer than this one could wait for it (SQLite's one
    writer at a time): nothing of this one was written; ask again."""

    default_message = N_("The invoices' database is busy with another change, and nothing of this one was "
                         "written. Try again in a moment.")


class DatabaseUnreachable(DatabaseUnavailable):
    """The database did not answer (a connection refused or lost, a server restarting, a lock
    held past the busy timeout): nothing is wrong with the request; ask again shortly. The
    database's own error, which may name its host, is its ``__cause__``, for the log only."""

    default_message = N_("The invoices' database cannot be reached right now. Please try again in a few "
                         "minutes.")
    retry_after: ClassVar[int] = 30


class StorageError(InvoiceError):
    """A stored document is missing, or does not match its recorded hash, or the storage failed.
    Its message may name the storage (its URL, an S3 ``endpoint_url``), for logs and commands;
    pages and the API say ``shown``, which names none."""

    default_message = N_("A stored invoice document is missing or does not match its recorded hash.")
    #: What pages and the API say when not told otherwise.
    default_shown: ClassVar[str] = N_("The invoice document could not be read from storage. "
                                      "Please try again later or contact support.")

    def __init__(self, message: str | None = None, *, shown: str | None = None):
        super().__init__(message)
        #: What a page or the API says, naming no storage: ``default_shown`` unless given.
        self.shown: str = shown or Message(self.default_shown)

    @classmethod
    def shown_as_is(cls, message: str) -> Self:
        """An error whose ``message`` names no storage (no URL, path or bucket), so that pages
        (translated, when ``message`` is of the catalogs) and the API say it as it is."""
        return cls(message, shown=message)

    def at(self, where: str) -> Self:
        """A new error like this one, what pages say prefixed with ``where`` as its message is."""
        located = super().at(where)
        located.shown = _located(where, self.shown)
        return located


class StorageUnreachable(StorageError):
    """The PDF storage did not answer (an S3 endpoint that is down or out of reach, refused
    credentials): nothing is wrong with the document, ask again later. Its message names the
    storage, for logs and commands; pages and the API say only that it cannot be reached."""

    default_message = N_("The document storage cannot be reached right now. Please try again in a few minutes.")
    default_shown = default_message
    #: Seconds a client should wait before asking again (the API's ``Retry-After``).
    retry_after: ClassVar[int] = 30


class NoPdfStorage(StorageError):
    """The invoice has no PDF and none can be made: there is no PDF storage or renderer."""

    default_message = N_("This invoice has no PDF: invoices are set up without a PDF storage, so none is made. "
                         "An administrator configures one (the add-on's storage URL) or switches PDF generation "
                         "off.")


class NoPdfRenderer(NoPdfStorage):
    """The invoice's PDF is still to be made, and this process renders none (no pdf extra, or a
    command that makes no PDFs), though a PDF storage is configured."""

    default_message = N_("This invoice has no PDF yet, and none is made here: PDF rendering is not "
                         "available where this runs. An administrator runs oro-invoices complete-pdfs "
                         "where the pdf extra is installed.")


class PdfFailed(InvoiceError):
    """The invoice PDF could not be rendered or stored, so what needed it (posting) did not happen."""

    default_message = N_("The invoice PDF could not be made; nothing was changed.")


class UsageError(InvoiceError):
    """The add-on's Python API was called the wrong way (a missing argument, a nested batch)."""

    default_message = N_("The invoice service was called the wrong way.")


def _located(where: str, message: str) -> Message:
    return Message("%(where)s: %(message)s", where=where, message=message)


def _unpickled(cls: type[InvoiceError], args: tuple[Any, ...]) -> InvoiceError:
    """An error of ``cls`` with ``args``, ``__init__`` not called: pickle then restores its fields."""
    error = cls.__new__(cls)
    error.args = args
    return error


def flatten_messages(messages: Mapping[Any, Any], prefix: str = "") -> Iterable[tuple[str, str]]:
    """Flatten marshmallow's nested error dict into ``("lines[0].quantity", "msg")`` pairs."""
    for key, value in messages.items():
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from flatten_messages(value, path)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Mapping):
                    yield from flatten_messages(item, path)
                else:
                    yield path, _text(item)
        else:
            yield path, _text(value)


def _text(message: Any) -> str:
    """``message`` as text, a ``Message`` kept as it is (it stays translatable)."""
    return message if isinstance(message, str) else str(message)
