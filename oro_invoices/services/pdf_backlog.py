"""Posted invoices whose PDF is pending, and rendering them in this process.

A posted invoice's PDF is *pending* while PDF generation is on for its organization and
website (and a storage is configured) but no PDF is stored for it yet: an import posts its invoices without rendering
(``defer_pdf``) and renders them after its commit (``oro_invoices.pdf_workers`` does it in
worker processes); ``oro-invoices complete-pdfs`` renders whatever is left. ``ensure_pdf``
is idempotent and keeps the first PDF recorded, so rendering a backlog twice, or in several
processes at once, leaves exactly one PDF per invoice.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from oro_invoices.domain.errors import InvoiceError
from oro_invoices.persistence.read_models import InvoiceSummary
from oro_invoices.services.context import DocumentScope
from oro_invoices.services.documents import GENERATE_SETTING
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.verification import ExpectsPdf, posted_without_pdf

__all__ = ["BacklogResult", "expects_pdf", "generated_anywhere", "pdfs_being_prepared", "pending_pdfs", "render_pdfs"]


@dataclass
class BacklogResult:
    """What rendering a backlog did, by invoice id."""

    #: invoices whose PDF was stored by this run
    rendered: list[int] = field(default_factory=list)
    #: invoices that had their PDF already (rendered by someone else meanwhile, or supplied)
    already: list[int] = field(default_factory=list)
    #: ``(invoice id, what went wrong)``: still pending
    failed: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: BacklogResult) -> None:
        self.rendered += other.rendered
        self.already += other.already
        self.failed += other.failed


def expects_pdf(service: InvoiceService) -> ExpectsPdf:
    """Whether PDF generation at posting is on for an organization and website (its settings),
    resolved once per organization and website by the function returned."""
    @functools.cache
    def expects(organization_id: int, website_id: int | None) -> bool:
        return bool(service.setting(GENERATE_SETTING, organization_id=organization_id, website_id=website_id))
    return expects


def generated_anywhere(service: InvoiceService) -> bool:
    """Whether PDF generation at posting is on in some scope (``setting_values``): when it is
    off in every scope no PDF is pending, and nothing need be read to know it."""
    return any(service.setting_values(GENERATE_SETTING))


def pending_pdfs(service: InvoiceService, invoice_ids: Collection[int] | None = None, *,
                 limit: int | None = None) -> list[int]:
    """Ids of the posted invoices (all, or those of ``invoice_ids``) whose PDF is pending, in
    id order; with ``limit``, at most that many, the oldest (``posted_without_pdf``).

    None without a PDF storage: there, no PDF is made, so none is awaited. Asked for all of
    them, none without reading any invoice when generation is off in every scope (a page's
    few ids are read at once rather than the settings of every scope).
    """
    if (invoice_ids is not None and not invoice_ids) or service.storage is None \
            or (invoice_ids is None and not generated_anywhere(service)):
        return []
    return posted_without_pdf(service.db, expects_pdf(service), invoice_ids=invoice_ids, limit=limit)


def pdfs_being_prepared(service: InvoiceService, rows: Iterable[InvoiceSummary]) -> set[int]:
    """Ids of the posted ``rows`` whose PDF is pending (``pending_pdfs``) and being prepared: a
    background job makes it, or no renderer here does. One whose first download makes it
    (``InvoiceService.pdf_made_on_download``: no job makes it, as for an import's ``--no-pdf``)
    is not among them: its Download works now. A grid's "PDF pending", as its rows' pages say it."""
    posted = [row for row in rows if row.status.value == "posted"]
    awaited = set(pending_pdfs(service, [row.id for row in posted]))
    return {row.id for row in posted if row.id in awaited and not service.documents.awaited_made_on_download(
        DocumentScope(organization_id=row.organization_id, website_id=row.website_id))}


def render_pdfs(service: InvoiceService, invoice_ids: Iterable[int], *, actor: str = "system",
                done: Callable[[int], None] | None = None) -> BacklogResult:
    """Render and store the PDF of each invoice that has none yet (``ensure_pdf``), one by one.

    An invoice that fails is reported in ``failed`` and the others go on. ``done(invoice_id)``
    is called after each invoice.
    """
    result = BacklogResult()
    for invoice_id in invoice_ids:
        try:
            if service.get(invoice_id).pdf is not None:
                result.already.append(invoice_id)
            elif service.ensure_pdf(invoice_id, actor=actor).pdf is not None:
                result.rendered.append(invoice_id)
            else:
                result.failed.append((invoice_id, "PDF generation is off for this invoice."))
        except InvoiceError as exc:
            result.failed.append((invoice_id, exc.message))
        if done is not None:
            done(invoice_id)
    return result
