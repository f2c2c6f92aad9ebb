"""An e-invoice sent on its own (the API's ``POST /e-invoices``): checked as the import
checks each record (``import_checker``: its fields, its totals, its seller, its organization's
posting requirements and, with a host, its buyer and parties), then created like any invoice
the API creates. A Factur-X / ZUGFeRD PDF is kept as its PDF; XML is kept too, and the PDF
made right after the commit (or by the worker) carries it when it is CII.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.services.import_einvoices import compared_seller_address, einvoice_record, is_pdf, seller_address
from oro_invoices.services.importing import import_checker
from oro_invoices.services.upsert import bring_up_to_date

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

__all__ = ["EInvoiceIntake", "einvoice_intake", "take_einvoice"]


@dataclass(frozen=True)
class EInvoiceIntake:
    """What to create: the invoice's fields, as ``InvoiceService.create`` takes them, what they
    load to, and the PDF it came in or, for XML, the XML to keep (``InvoiceService.create(einvoice_xml=)``);
    the seller's electronic address it states (BT-34, "" when none), kept in the invoice's seller."""

    payload: dict[str, Any]
    loaded: dict[str, Any]
    pdf: bytes | None
    xml: bytes | None
    seller_address: str = ""


def einvoice_intake(service: InvoiceService, data: bytes, *, organization_id: int) -> EInvoiceIntake:
    """The invoice the e-invoice ``data`` (a hybrid PDF, else CII or UBL XML) describes, for
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
    pdf = is_pdf(data)
    return EInvoiceIntake({"organization_id": organization_id, **record.payload}, checker.loaded,
                          data if pdf else None, None if pdf else data,
                          seller_address(record))


def take_einvoice(service: InvoiceService, data: bytes, *, organization_id: int,
                  actor: str) -> tuple[InvoiceDocument, str]:
    """The invoice the e-invoice ``data`` made, and ``"created"``; or, sent before (its
    number is the external id), the one it made and ``"unchanged"`` (``"updated"``: a draft
    with that external id posted, or a payment status it states applied).

    :raises ValidationError: as ``einvoice_intake``.
    :raises InvoiceIsPosted: sent before, and its document fields (or the seller's electronic
        address, BT-34) differ (they are named).
    """
    intake = einvoice_intake(service, data, organization_id=organization_id)
    external_id = intake.payload["external_id"]
    found = service.id_of_external_id(organization_id, external_id)
    if found is None:
        try:
            return service.create(intake.payload, actor=actor, pdf=intake.pdf, einvoice_xml=intake.xml,
                                  seller_address=intake.seller_address), "created"
        except Conflict:  # made by a concurrent request meanwhile: compare with that one
            found = service.id_of_external_id(organization_id, external_id)
            if found is None:
                raise
    doc = service.get(found)
    stated = compared_seller_address(service, doc, intake.seller_address, lambda: (intake.pdf, intake.xml))
    return bring_up_to_date(service, doc, intake.payload, intake.loaded, actor=actor, pdf=intake.pdf,
                            einvoice_xml=intake.xml, seller_address=stated)
