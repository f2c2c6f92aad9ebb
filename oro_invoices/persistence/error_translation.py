"""Turn database refusals into the add-on's errors, with messages a user can act on."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, IntegrityError

from oro_invoices.domain.errors import Conflict, ExternalIdTaken, InvoiceError, InvoiceIsPosted, NumberTaken
from oro_invoices.persistence.triggers import FROZEN_MARKER


def translated(exc: DBAPIError) -> InvoiceError | None:
    """The add-on's error for a database refusal, or None when it is not one the add-on knows."""
    text = str(exc.orig)
    if FROZEN_MARKER in text:
        return InvoiceIsPosted(text.split(FROZEN_MARKER + ": ", 1)[-1].split("\n")[0].capitalize() + ".")
    if isinstance(exc, IntegrityError):
        lowered = text.lower()
        if "invoice_number" in lowered:
            return NumberTaken()
        if "external_id" in lowered:
            return ExternalIdTaken()
        if "provider_event" in lowered or "provider_reference" in lowered:
            return Conflict("That payment transaction was already recorded.")
    return None


@contextlib.contextmanager
def translate_db_errors(number: str | None = None) -> Iterator[None]:
    """Frozen-invoice guards become ``InvoiceIsPosted``, unique keys ``Conflict`` (a number taken:
    ``NumberTaken``, naming ``number``, the one being written, when given); others pass."""
    try:
        yield
    except DBAPIError as exc:
        error = translated(exc)
        if error is None:
            raise
        if isinstance(error, NumberTaken) and number:
            error = NumberTaken(number=number)
        raise error from None
