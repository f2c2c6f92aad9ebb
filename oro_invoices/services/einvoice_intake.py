"""An e-invoice sent on its own (the API's ``POST /e-invoices``): checked as the import
checks each record (``import_checker``: its fields, its totals, its seller, its organization's
posting requirements and, with a host, its buyer and parties), then created like any invoice
the API creates, so that its PDF is made (or, for a Factur-X / ZUGFeRD PDF, kept) at posting.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.errors import ValidationError
from oro_invoices.services.import_einvoices import einvoice_record
from oro_invoices.services.importing import import_checker

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

__all__ = ["EInvoiceIntake", "einvoice_intake"]


@dataclass(frozen=True)
class EInvoiceIntake:
    """What to create: the invoice's fields, as ``InvoiceService.create`` takes them, what they
    load to, and the PDF it came in (None: CII XML, whose PDF posting makes)."""

    payload: dict[str, Any]
    loaded: dict[str, Any]
    pdf: bytes | None


def einvoice_intake(service: InvoiceService, data: bytes, *, organization_id: int) -> EInvoiceIntake:
    """The invoice the e-invoice ``data`` (a hybrid PDF, else CII XML) describes, for
    ``organization_id``.

    :raises ValidationError: every problem at once, each on its field (a business term such
        as ``BT-112``, or the invoice's field such as ``lines[0].quantity``).
    """
    record = einvoice_record(data, "")
    checker = import_checker(service, organization_id)
    try:
        problems = checker.check(record)
    finally:
        checker.seen.close()
    if problems:
        raise ValidationError([(p.field, p.message) for p in problems])
    assert checker.loaded is not None  # checked without problems: it loaded
    pdf = data if data[:5] == b"%PDF-" else None
    return EInvoiceIntake({"organization_id": organization_id, **record.payload}, checker.loaded, pdf)
