"""The grid's actions on the invoices an admin ticked: **Send to Customer**, **Download PDFs**
and **Delete** (``services.selected_invoices``).

Ticking rows and pressing an action opens a page saying what will happen to each invoice (a
draft posted first, the address each goes to, which cannot be sent or deleted and why), with
the buttons that do it; sending then shows what became of each. Downloading gives the ZIP
archive of the selected invoices' stored PDFs at once. The selection travels as ``invoice``
parameters (at most ``MAX_SELECTED``), the grid's filters as ``return``, so that Cancel and
Back lead to the grid as it was.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from oro_invoices.domain.errors import InvoiceError, ValidationError
from oro_invoices.domain.limits import parse_id, quoted
from oro_invoices.domain.messages import Message
from oro_invoices.domain.posting import off_terms_drafts, seller_gap
from oro_invoices.i18n import _, ngettext
from oro_invoices.services import selected_invoices as selection
from oro_invoices.services.mail.service import MailService
from oro_invoices.web import guard, listing
from oro_invoices.web.backoffice import GRID_DEFAULT_SORT, GRID_SORTS, BackOffice, grid_return
from oro_invoices.web.backoffice_actions import actor_of
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import archive_download
from oro_invoices.web.http import Request, Response

ENDPOINT_INDEX = "oro_invoices.admin.index"


class SelectionPages:
    """The grid's actions on the selected invoices."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice
        self.ctx = backoffice.ctx

    # ---- Send to Customer ---------------------------------------------------------------

    def send_confirm(self, req: Request) -> Response:
        """What Send to Customer will do with each selected invoice, and the button that does it."""
        self.backoffice.check(req, "oro_invoices.send")
        mail = self._mail()
        ids, back = self.selected(req.query_lists, req.query)
        if ids is None:
            return self.nothing_selected(back)
        planned = selection.plan_sends(self.ctx.service, mail, ids, organization_id=organization_of(req))
        sendable = [p for p in planned if not p.outcome]
        drafts = [p.invoice for p in sendable if p.posts and p.invoice is not None]
        sellers = {id(d): self.ctx.service.seller(d) for d in drafts}   # resolved once per draft
        # what a draft posted now would not say of its seller, said once however many it concerns
        gaps = list(dict.fromkeys(gap for d in drafts if (gap := seller_gap(sellers[id(d)])) is not None))
        off_terms = off_terms_drafts(drafts, lambda d: sellers[id(d)])
        html = self.ctx.render("admin/selection.html", req, mode="send_confirm", rows=self._rows(planned),
                               ids=[p.invoice_id for p in sendable], back=back,
                               drafts=sum(1 for p in sendable if p.posts), count=len(sendable),
                               seller_gaps=gaps + ([off_terms] if off_terms else []), form_token=secrets.token_urlsafe(16))
        return Response.html(html, title=_("Send invoices to customers"))

    def send(self, req: Request) -> Response:
        """Post and send the selected invoices; the page then says what became of each."""
        self.backoffice.check(req, "oro_invoices.send")
        mail = self._mail()
        ids, back = self.selected(req.form_lists, req.form)
        if ids is None:
            return self.nothing_selected(back)
        token = req.form.get("form_token", "")
        if not token:
            raise ValidationError([("", Message("The form is incomplete; open Send to Customer again."))])
        results = selection.send(self.ctx.service, mail, ids, organization_id=organization_of(req),
                                 actor=actor_of(req), once=token)
        rows = self._rows(results)
        # posted and sent, but what followed failed (follow_ups): said of each invoice
        warnings = [_("%(number)s: %(warning)s", number=row["number"], warning=_(warning))
                    for result, row in zip(results, rows, strict=True) for warning in result.warnings]
        html = self.ctx.render("admin/selection.html", req, mode="send_result", rows=rows,
                               back=back, summary=_sent_summary(results), warnings=warnings,
                               not_sent=sum(1 for r in results if r.outcome == selection.NOT_SENT))
        return Response.html(html, title=_("Invoices sent to customers"))

    # ---- Delete -------------------------------------------------------------------------

    def delete_confirm(self, req: Request) -> Response:
        """Which selected invoices Delete removes (the drafts), and the button that does it."""
        self.backoffice.check(req, "oro_invoices.delete")
        ids, back = self.selected(req.query_lists, req.query)
        if ids is None:
            return self.nothing_selected(back)
        planned = selection.plan_deletes(self.ctx.service, ids, organization_id=organization_of(req))
        deletable = [p for p in planned if not p.outcome]
        html = self.ctx.render("admin/selection.html", req, mode="delete_confirm", rows=self._rows(planned),
                               ids=[p.invoice_id for p in deletable], back=back, count=len(deletable))
        return Response.html(html, title=_("Delete drafts"))

    def delete(self, req: Request) -> Response:
        """Delete the selected drafts, then back to the grid saying what was done."""
        self.backoffice.check(req, "oro_invoices.delete")
        ids, back = self.selected(req.form_lists, req.form)
        if ids is None:
            return self.nothing_selected(back)
        results = selection.delete(self.ctx.service, ids, organization_id=organization_of(req),
                                   actor=actor_of(req))
        deleted = sum(1 for r in results if r.outcome == selection.DELETED)
        flashes = [("success", ngettext("%(num)d draft was deleted.", "%(num)d drafts were deleted.", deleted))] if deleted else []
        flashes += [("error", _("%(number)s was not deleted: %(why)s", number=row["number"], why=row["problem"]))
                    for row in self._rows(r for r in results if r.outcome == selection.NOT_DELETED)]
        return Response.redirect(self.ctx.url_for(ENDPOINT_INDEX) + back, flashes=flashes)

    # ---- Download PDFs ------------------------------------------------------------------

    def pdfs(self, req: Request) -> Response:
        """The stored PDFs of the selected invoices as one ZIP archive (``invoice-pdfs-YYYY-MM-DD.zip``),
        in the grid's order when its ``return`` query has a sort (oldest first otherwise); drafts
        only (they have no PDF): back to the grid saying so, rather than an empty archive (ids of
        no invoice of the admin's organization give the empty archive, as they do elsewhere)."""
        self.backoffice.check(req)
        ids, back = self.selected(req.query_lists, req.query)
        if ids is None:
            return self.nothing_selected(back)
        chosen = replace(self.backoffice.base_filter(req), invoice_ids=ids)
        if not self.ctx.service.list_invoices(replace(chosen, status="posted"), sort="id", limit=1).items \
                and self.ctx.service.list_invoices(replace(chosen, status="draft"), sort="id", limit=1).items:
            return Response.redirect(self.ctx.url_for(ENDPOINT_INDEX) + back, flashes=[
                ("error", _("Drafts have no PDF: tick posted invoices or credit notes to download their PDFs."))])
        return archive_download(self.ctx.service, chosen, "invoice-pdfs", order=grid_order(back))

    # ---- helpers ------------------------------------------------------------------------

    def _mail(self) -> MailService:
        if self.ctx.mail is None:
            raise InvoiceError(_("Email is not configured for invoices."))
        return self.ctx.mail

    def selected(self, lists: Mapping[str, list[str]],
                   single: Mapping[str, str]) -> tuple[list[int] | None, str]:
        """The selected ids (None when none is) and the grid's query to go back to.

        :raises ValidationError: an id that is not one, or more than ``MAX_SELECTED``.
        """
        back = grid_return(single.get("return", ""))
        values: Sequence[str] = lists.get("invoice", []) or []
        ids = []
        for value in values:
            invoice_id = parse_id(value)
            if invoice_id is None:
                raise ValidationError([("", Message("%(value)s is not an invoice id.", value=quoted(value)))])
            ids.append(invoice_id)
        if not ids:
            return None, back
        try:
            return selection.check_selection(ids), back
        except ValueError:
            raise ValidationError([("", Message("Select at most %(count)s invoices at once.",
                                                       count=selection.MAX_SELECTED))]) from None

    def nothing_selected(self, back: str) -> Response:
        return Response.redirect(self.ctx.url_for(ENDPOINT_INDEX) + back, flashes=[
            ("error", _("Select the invoices first: tick them in the grid's first column."))])

    def _rows(self, items: Iterable[selection.Selected]) -> list[dict[str, Any]]:
        """Each result as the page shows it: the invoice's number and link, and the reason in words."""
        rows = []
        for item in items:
            doc = item.invoice
            number = (doc.invoice_number or _(doc.display_number)) if doc is not None else f"#{item.invoice_id}"
            problem = _(item.problem) if item.problem else (guard.friendly(item.error)[1] if item.error else "")
            rows.append({"id": item.invoice_id, "invoice": doc, "number": number, "posts": item.posts,
                         "to": item.to, "outcome": item.outcome, "problem": problem})
        return rows


def remittance_form_url(ctx: WebContext, customer_id: int | None, invoice_ids: Sequence[int], **fields: str) -> str:
    """The grid's Record Payment form for ``invoice_ids`` (the first ``MAX_SELECTED``), its
    ``fields`` filled in (``received``, ``received_on``, ``reference``…); its Cancel leads to
    the grid of the customer's posted invoices."""
    back = f"?customer={customer_id}&status=posted" if customer_id is not None else ""
    return ctx.url_for("oro_invoices.admin.selection_payment_form") + "?" + urlencode(
        [("invoice", invoice_id) for invoice_id in list(invoice_ids)[:selection.MAX_SELECTED]] + [("return", back)]
        + list(fields.items()))


def grid_order(back: str) -> tuple[str, tuple[str, ...] | None]:
    """The order of the grid ``back`` (its query) as a download follows it (``listing.read_order``),
    oldest first when it has no sort.

    :raises ValidationError: a sort the grid does not offer (by total without a currency).
    """
    query = dict(parse_qsl(back.removeprefix("?")))
    if not query.get("sort"):
        return "id", None
    return listing.read_order(query, GRID_SORTS, GRID_DEFAULT_SORT, currency=bool(query.get("currency")),
                              currency_sorts=listing.CURRENCY_SORTS)


def organization_of(req: Request) -> int | None:
    """The organization whose invoices the admin acts on (None: every one, on a host without them)."""
    return getattr(req.user, "organization_id", None)


def _sent_summary(results: Sequence[selection.Selected]) -> str:
    """What sending did, in a sentence or three (what could not be sent is said apart)."""
    sent = sum(1 for r in results if r.outcome == selection.SENT)
    posted = sum(1 for r in results if r.posts and r.invoice is not None and r.invoice.is_posted)
    before = sum(1 for r in results if r.outcome == selection.ALREADY_SENT)
    said = [ngettext("%(num)d invoice was queued for sending.", "%(num)d invoices were queued for sending.", sent)
            if sent else "",
            ngettext("%(num)d draft was posted first.", "%(num)d drafts were posted first.", posted) if posted else "",
            ngettext("%(num)d was sent from this form before and not sent again.",
                     "%(num)d were sent from this form before and not sent again.", before) if before else ""]
    return " ".join(s for s in said if s)
