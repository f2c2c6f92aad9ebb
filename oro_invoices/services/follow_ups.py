"""What follows a committed change and failed: the change stays, and whoever asked for it can
be told what did not follow.

After a write commits, the services announce it (the event hooks, ``ServiceContext.hook``),
hand the PDF of a posted invoice to the job queue (``DocumentService.submit_posting_pdf``) or
make an imported invoice's PDF. None of them may report the committed change as failed: each
is logged and, inside ``noted()``, listed, so that an import can say "imported, but …" rather
than "not imported" of an invoice that is there.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import N_, Message

__all__ = ["HOOK", "PDF", "PDF_JOB", "FollowUpFailed", "note", "noted", "said"]

#: A plugin's event hook (``what`` names the hook, ``invoice_created``) failed: no retry path.
HOOK = "hook"
#: The ``render_pdf`` job of a posted invoice was not handed to the queue: the PDF sweep makes it.
PDF_JOB = "pdf_job"
#: An imported invoice's PDF, made right after its commit, was not made: it stays pending.
PDF = "pdf"


@dataclass(frozen=True)
class FollowUpFailed:
    """One step that followed a commit and failed: its ``kind`` (``HOOK``, ``PDF_JOB``, ``PDF``),
    ``what`` it was (the hook's name), the invoice it was for (its id and external id, where it
    has one), and the error (logged already)."""

    kind: str
    what: str
    invoice_id: int | None
    external_id: str | None
    error: BaseException


#: What an import says of an invoice it imported whose follow-up failed (English; pages translate it).
SAID = {
    HOOK: N_("The invoice is imported, but a plugin failed in the %(hook)s hook that followed, so what it "
             "does for a new invoice was not done, and importing it again does not repeat it: ask an "
             "administrator to check the log."),
    PDF_JOB: N_("The invoice is imported, but its PDF could not be handed to the background jobs; the "
                "periodic PDF sweep makes it, so there is nothing to do."),
    PDF: N_("The invoice is imported, but its PDF could not be made yet; it is made when first downloaded "
            "(or by oro-invoices complete-pdfs), so there is nothing to do."),
}


def said(failure: FollowUpFailed) -> Message:
    """What an import says of ``failure`` beside the invoice it imported."""
    return Message(SAID[failure.kind], hook=failure.what) if failure.kind == HOOK else Message(SAID[failure.kind])


_noted: ContextVar[list[FollowUpFailed] | None] = ContextVar("oro_invoices_follow_ups", default=None)


@contextlib.contextmanager
def noted() -> Iterator[list[FollowUpFailed]]:
    """The follow-up failures of the writes made inside the block, in order (filled as they occur)."""
    found: list[FollowUpFailed] = []
    token = _noted.set(found)
    try:
        yield found
    finally:
        _noted.reset(token)


def note(kind: str, error: BaseException, *, what: str = "", invoice: InvoiceDocument | None = None) -> None:
    """List a failed follow-up of ``invoice`` (the caller has logged it) for the ``noted()`` block it runs in."""
    found = _noted.get()
    if found is not None:
        found.append(FollowUpFailed(kind, what, getattr(invoice, "id", None), getattr(invoice, "external_id", None),
                                    error))
