"""Turn database refusals into the add-on's errors, with messages a user can act on."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, IntegrityError

from oro_invoices.domain.errors import Conflict, InvoiceError, InvoiceIsPosted
from oro_invoices.persistence.triggers import FROZEN_MARKER


def translated(exc: DBAPIError) -> InvoiceError | None:
    """The add-on's error for a database refusal, or None when it is not one the add-on knows."""
    text = str(exc.orig)
    if FROZEN_MARKER in text:
        return InvoiceIsPosted(text.split(FROZEN_MARKER + ": ", 1)[-1].split("\n")[0].capitalize() + ".")
    if isinstance(exc, IntegrityError):
        lowered = text.lower()
        if "invoice_number" in lowered:
            return Conflict("That invoice number is already used by another invoice.")
        if "external_id" in lowered:
            return Conflict("An invoice with that external_id already exists.")
        if "provider_event" in lowered or "provider_reference" in lowered:
            return Conflict("That payment transaction was already recorded.")
    return None


@contextlib.contextmanager
def translate_db_errors() -> Iterator[None]:
    """Frozen-invoice guards become ``InvoiceIsPosted``, unique keys ``Conflict``; others pass."""
    try:
        yield
    except DBAPIError as exc:
        error = translated(exc)
        if error is None:
            raise
        raise error from None
