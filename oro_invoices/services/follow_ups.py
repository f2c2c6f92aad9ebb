"""What follows a committed change and failed: the change stays, and whoever asked for it can
be told what did not follow.

After a write commits, the services announce it (the event hooks, ``ServiceContext.hook``),
hand the PDF of a posted invoice to the job queue (``DocumentService.submit_posting_pdf``),
hand the jobs of the change to the queue (``ServiceContext``'s after-commit callbacks) or make
an imported invoice's PDF. None of them may report the committed change as failed: each is
logged and, inside ``noted()``, listed, so that an import can say "imported, but …" rather
than "not imported" of an invoice that is there, a posting "posted, but …", another write (a
payment, a refund, an event resent) "saved, but …" and an email "queued, but …" (its delivery
job, ``MailService.submit_delivery``).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import N_, Message

__all__ = ["HOOK", "IMPORTED", "JOB", "PDF", "PDF_JOB", "POSTED", "QUEUED", "SAVED", "STEP", "FollowUpFailed", "note",
           "noted", "said", "warnings"]

#: A plugin's event hook (``what`` names the hook, ``invoice_created``) failed: no retry path.
HOOK = "hook"
#: The ``render_pdf`` job of a posted invoice was not handed to the queue: the PDF sweep makes it.
PDF_JOB = "pdf_job"
#: An imported invoice's PDF, made right after its commit, was not made: it stays pending.
PDF = "pdf"
#: Another background job of the change (``what`` names it) was not handed to the queue: a sweep does its work.
JOB = "job"
#: Another step that followed the commit failed (``what`` names it): nothing retries it.
STEP = "step"

#: What was done, as ``said`` words it: an invoice imported, or posted; another change saved (a
#: payment, a refund, a reversal, an event put back to be sent); an email queued.
IMPORTED, POSTED, SAVED, QUEUED = "imported", "posted", "saved", "queued"


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


#: What is said of an invoice imported, or posted, whose follow-up failed (English; pages translate it).
SAID = {
    (IMPORTED, HOOK): N_("The invoice is imported, but a plugin failed in the %(hook)s hook that followed, so what "
                         "it does for a new invoice was not done, and importing it again does not repeat it: ask an "
                         "administrator to check the log."),
    (IMPORTED, PDF_JOB): N_("The invoice is imported, but its PDF could not be handed to the background jobs; the "
                            "periodic PDF sweep makes it, so there is nothing to do."),
    (IMPORTED, PDF): N_("The invoice is imported, but its PDF could not be made yet; it is made when first "
                        "downloaded (or by oro-invoices complete-pdfs), so there is nothing to do."),
    (IMPORTED, JOB): N_("The import is committed, but a background job that followed (%(job)s) could not be "
                        "handed to the job queue; the periodic sweeps do its work, so there is nothing to do."),
    (IMPORTED, STEP): N_("The import is committed, but a step that followed its commit failed: ask an "
                         "administrator to check the log."),
    (POSTED, HOOK): N_("The invoice is posted, but a plugin failed in the %(hook)s hook that followed, so what it "
                       "does for a posted invoice was not done: ask an administrator to check the log."),
    (POSTED, PDF_JOB): N_("The invoice is posted, but its PDF could not be handed to the background jobs; the "
                          "periodic PDF sweep makes it, so there is nothing to do."),
    (POSTED, PDF): N_("The invoice is posted, but its PDF could not be made yet; it is made when first "
                      "downloaded, so there is nothing to do."),
    (POSTED, JOB): N_("The invoice is posted, but a background job that followed (%(job)s) could not be handed "
                      "to the job queue; the periodic sweeps do its work, so there is nothing to do."),
    (POSTED, STEP): N_("The invoice is posted, but a step that followed its commit failed: ask an administrator "
                       "to check the log."),
    (SAVED, HOOK): N_("The change is saved, but a plugin failed in the %(hook)s hook that followed, so what it "
                      "does for it was not done: ask an administrator to check the log."),
    (SAVED, PDF_JOB): N_("The change is saved, but a PDF could not be handed to the background jobs; the periodic "
                         "PDF sweep makes it, so there is nothing to do."),
    (SAVED, PDF): N_("The change is saved, but a PDF could not be made yet; it is made when first downloaded, so "
                     "there is nothing to do."),
    (SAVED, JOB): N_("The change is saved, but a background job that followed (%(job)s) could not be handed to "
                     "the job queue; the periodic sweeps do its work, so there is nothing to do."),
    (SAVED, STEP): N_("The change is saved, but a step that followed its commit failed: ask an administrator to "
                      "check the log."),
    (QUEUED, HOOK): N_("The email is queued, but a plugin failed in the %(hook)s hook that followed, so what it "
                       "does for it was not done: ask an administrator to check the log."),
    (QUEUED, PDF_JOB): N_("The email is queued, but a PDF could not be handed to the background jobs; the "
                          "periodic PDF sweep makes it, so there is nothing to do."),
    (QUEUED, PDF): N_("The email is queued, but a PDF could not be made yet; it is made when first downloaded, "
                      "so there is nothing to do."),
    (QUEUED, JOB): N_("The email is queued, but a background job that followed (%(job)s) could not be handed to "
                      "the job queue; the periodic mail sweep sends it, so there is nothing to do."),
    (QUEUED, STEP): N_("The email is queued, but a step that followed its commit failed: ask an administrator to "
                       "check the log."),
}


def said(failure: FollowUpFailed, done: str = IMPORTED) -> Message:
    """What is said of ``failure`` beside what was ``done`` (``IMPORTED``, ``POSTED``, ``SAVED``, ``QUEUED``)."""
    text = SAID[done, failure.kind]
    if failure.kind == HOOK:
        return Message(text, hook=failure.what)
    return Message(text, job=failure.what) if failure.kind == JOB else Message(text)


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


def note(kind: str, error: BaseException, *, what: str = "", invoice: InvoiceDocument | None = None,
         invoice_id: int | None = None) -> None:
    """List a failed follow-up of ``invoice`` (or of the invoice ``invoice_id``, or of no one
    invoice; the caller has logged it) for the ``noted()`` block it runs in."""
    found = _noted.get()
    if found is not None:
        found.append(FollowUpFailed(kind, what, getattr(invoice, "id", invoice_id),
                                    getattr(invoice, "external_id", None), error))


def warnings(failed: Sequence[FollowUpFailed], done: str) -> list[Message]:
    """What is said of each of ``failed`` beside what was ``done``, each wording once, in order."""
    return list(dict.fromkeys(said(failure, done) for failure in failed))
