"""Turn database refusals into the add-on's errors, with messages a user can act on."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

from oro_invoices.domain.errors import Conflict, InvoiceError, InvoiceIsPosted
from oro_invoices.persistence.triggers import FROZEN_MARKER


class translate_db_errors:
    """A context manager: frozen-invoice guards → ``InvoiceIsPosted``; unique keys → ``Conflict``."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, InvoiceError) or not isinstance(exc, DBAPIError):
            return False
        text = str(exc.orig)
        if FROZEN_MARKER in text:
            raise InvoiceIsPosted(text.split(FROZEN_MARKER + ": ", 1)[-1].split("\n")[0].capitalize() + ".") from None
        if isinstance(exc, IntegrityError):
            lowered = text.lower()
            if "invoice_number" in lowered:
                raise Conflict("That invoice number is already used by another invoice.") from None
            if "external_id" in lowered:
                raise Conflict("An invoice with that external_id already exists.") from None
            if "provider_event" in lowered or "provider_reference" in lowered:
                raise Conflict("That payment transaction was already recorded.") from None
        return False
