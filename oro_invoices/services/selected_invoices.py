"""Acting on several invoices at once: the invoices an admin ticked on the grid.

**Send to Customer** does for each what it does for one: a draft is posted first, then the
invoice is emailed to its customer user from its template (``MailService.template_for``: the
credit note one for a credit note), in the customer's language, with its PDF. ``plan_sends``
says beforehand what will happen to each, so that the admin confirms knowing it; ``send``
does it, one invoice after the other, and one that fails does not stop the others. A draft
whose customer user has no email address is not posted: there is no one to send it to.
``once`` (the confirmation form's key) makes sending the same confirmation again queue nothing
more.

**Delete** removes the drafts among them; posted invoices are kept and named.

Every id is read within the admin's organization: an invoice of another one is "not found",
exactly as an id that does not exist.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oro_invoices.domain.errors import InvoiceError, NotFound
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Message
from oro_invoices.services import follow_ups
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.mail.service import AlreadySent, MailService

#: The most invoices acted on at once (the grid's largest page).
MAX_SELECTED = 100

#: What happened to (or will happen to) one invoice.
SENT, ALREADY_SENT, NOT_SENT, DELETED, NOT_DELETED = "sent", "already_sent", "not_sent", "deleted", "not_deleted"
NO_ADDRESS = Message("Its customer user has no email address, so it is not sent (and a draft is not posted).")
IS_POSTED = Message("It is posted: only drafts are deleted.")
DRAFT_KEPT = Message("It is a draft, and drafts were not to be posted: it is not sent.")


@dataclass(frozen=True)
class Selected:
    """One selected invoice and what happens to it.

    :param posts: a draft that is (or was) posted before it is sent.
    :param to: the address it goes (went) to; "" when none.
    :param outcome: ``plan_*``: "" while nothing stands in its way, else ``NOT_SENT`` /
        ``NOT_DELETED``; ``send`` / ``delete``: one of the outcomes above.
    :param problem: why it is not sent or deleted, when this module says so (shown in the
        admin's language); ``error``: the error that stopped it otherwise.
    :param warnings: what followed its posting or its email's queueing and failed
        (``follow_ups``): it is posted and sent all the same.
    """

    invoice_id: int
    invoice: InvoiceDocument | None = None
    posts: bool = False
    to: str = ""
    outcome: str = ""
    problem: Message | None = None
    error: InvoiceError | None = None
    warnings: tuple[Message, ...] = ()


def check_selection(ids: Sequence[int]) -> list[int]:
    """``ids`` once each, in the order given; at most ``MAX_SELECTED``.

    :raises ValueError: nothing selected, or more than ``MAX_SELECTED``.
    """
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValueError("nothing selected")
    if len(unique) > MAX_SELECTED:
        raise ValueError(f"more than {MAX_SELECTED} selected")
    return unique


def _read(invoices: InvoiceService, invoice_id: int, organization_id: int | None) -> InvoiceDocument | None:
    """The invoice, or None when it does not exist or belongs to another organization."""
    try:
        doc = invoices.get(invoice_id)
    except NotFound:
        return None
    if organization_id is not None and doc.organization_id != organization_id:
        return None
    return doc


def _missing(invoice_id: int, outcome: str) -> Selected:
    return Selected(invoice_id, outcome=outcome, problem=Message("Invoice %(id)s does not exist.", id=invoice_id))


def plan_sends(invoices: InvoiceService, mail: MailService, ids: Sequence[int], *,
               organization_id: int | None) -> list[Selected]:
    """What Send to Customer will do with each of ``ids`` (nothing is written)."""
    planned = []
    for invoice_id in check_selection(ids):
        doc = _read(invoices, invoice_id, organization_id)
        if doc is None:
            planned.append(_missing(invoice_id, NOT_SENT))
            continue
        to = mail.customer_address(doc)
        planned.append(Selected(invoice_id, doc, posts=not doc.is_posted, to=to,
                                outcome="" if to else NOT_SENT, problem=None if to else NO_ADDRESS))
    return planned


def send(invoices: InvoiceService, mail: MailService, ids: Sequence[int], *, organization_id: int | None,
         actor: str, once: str, post_drafts: bool = True) -> list[Selected]:
    """Post the drafts among ``ids`` and email every one to its customer user, as Send to
    Customer does for one; each invoice's result. ``post_drafts`` False: a draft is left as it
    is and not sent (``DRAFT_KEPT``)."""
    return [_send_one(invoices, mail, invoice_id, organization_id, actor, once, post_drafts)
            for invoice_id in check_selection(ids)]


def _send_one(invoices: InvoiceService, mail: MailService, invoice_id: int, organization_id: int | None,
              actor: str, once: str, post_drafts: bool = True) -> Selected:
    doc = _read(invoices, invoice_id, organization_id)
    if doc is None:
        return _missing(invoice_id, NOT_SENT)
    posts = not doc.is_posted
    if posts and not post_drafts:
        return Selected(invoice_id, doc, outcome=NOT_SENT, problem=DRAFT_KEPT)
    to = mail.customer_address(doc)
    if not to:
        return Selected(invoice_id, doc, outcome=NOT_SENT, problem=NO_ADDRESS)
    posted: list[follow_ups.FollowUpFailed] = []
    queued: list[follow_ups.FollowUpFailed] = []
    try:
        if posts:
            with follow_ups.noted() as posted:   # committed, but what followed failed: posted all the same
                doc = invoices.post(invoice_id, actor=actor)
        earlier = mail.sent_once(invoice_id, once)
        if earlier is not None:
            return Selected(invoice_id, doc, posts=posts, to=", ".join(earlier.to), outcome=ALREADY_SENT,
                            warnings=_warnings(posted, queued))
        attach = invoices.pdf_attachable(doc)
        draft = mail.prepare(invoice_id, attach_pdf=attach)     # the PDF read once, sent as read
        with follow_ups.noted() as queued:       # queued, but its delivery job was not: the mail sweep sends it
            sent = mail.send(invoice_id, to=draft.to, subject=draft.subject, html=draft.html, text=draft.text,
                             attach_pdf=attach, actor=actor, template=draft.template, once=once,
                             attachments=draft.attachments)
    except AlreadySent as exc:        # the same confirmation, sent at the same moment
        return Selected(invoice_id, doc, posts=posts, to=", ".join(exc.email.to), outcome=ALREADY_SENT,
                        warnings=_warnings(posted, queued))
    except InvoiceError as exc:       # this invoice only: a draft that cannot be posted, a template problem
        return Selected(invoice_id, invoices.get(invoice_id), posts=posts, to=to, outcome=NOT_SENT,
                        error=exc, warnings=_warnings(posted, queued))
    return Selected(invoice_id, doc, posts=posts, to=", ".join(sent.to), outcome=SENT,
                    warnings=_warnings(posted, queued))


def _warnings(posted: Sequence[follow_ups.FollowUpFailed], queued: Sequence[follow_ups.FollowUpFailed]
              ) -> tuple[Message, ...]:
    """What followed an invoice's posting and its email's queueing and failed, each wording once."""
    return tuple(dict.fromkeys([*follow_ups.warnings(posted, follow_ups.POSTED),
                                *follow_ups.warnings(queued, follow_ups.QUEUED)]))


def plan_deletes(invoices: InvoiceService, ids: Sequence[int], *, organization_id: int | None) -> list[Selected]:
    """Which of ``ids`` Delete removes (the drafts) and which it keeps (nothing is written)."""
    planned = []
    for invoice_id in check_selection(ids):
        doc = _read(invoices, invoice_id, organization_id)
        if doc is None:
            planned.append(_missing(invoice_id, NOT_DELETED))
        elif doc.is_posted:
            planned.append(Selected(invoice_id, doc, outcome=NOT_DELETED, problem=IS_POSTED))
        else:
            planned.append(Selected(invoice_id, doc))
    return planned


def delete(invoices: InvoiceService, ids: Sequence[int], *, organization_id: int | None,
           actor: str) -> list[Selected]:
    """Delete the drafts among ``ids``; each invoice's result (one already deleted is "not found")."""
    results = []
    for planned in plan_deletes(invoices, ids, organization_id=organization_id):
        if planned.outcome:
            results.append(planned)
            continue
        try:
            invoices.delete(planned.invoice_id, actor=actor)
        except InvoiceError as exc:   # posted meanwhile, or deleted by someone else
            results.append(Selected(planned.invoice_id, planned.invoice, outcome=NOT_DELETED, error=exc))
            continue
        results.append(Selected(planned.invoice_id, planned.invoice, outcome=DELETED))
    return results
