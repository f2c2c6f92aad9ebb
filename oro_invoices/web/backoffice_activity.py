"""A customer's **Account Activity** in the back-office: the activity statement (balance forward)
of a period chosen on the page (``services.activity_statement``), as a page, a PDF, a CSV, and an
email to the customer with the PDF attached (``services.mail.statements``, from
``customer_activity_template``). Opened from the customer's statement; the admin needs
``oro_invoices.view`` (sending, ``oro_invoices.send``) and sees only customers of their organization.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.limits import parse_id
from oro_invoices.i18n import _
from oro_invoices.services import follow_ups
from oro_invoices.services.activity_statement import ActivityStatement, check_period
from oro_invoices.services.mail.service import AlreadySent
from oro_invoices.web import customer_emails, guard
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import warning_flashes
from oro_invoices.web.downloads import activity_csv_download, activity_download
from oro_invoices.web.echo import email_refusal
from oro_invoices.web.http import Request, Response
from oro_invoices.web.periods import asked_period

TEMPLATE = "admin/statement_activity.html"


class ActivityPages:
    """The activity page and its CSV, for ``?customer=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD``."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice

    def page(self, req: Request) -> Response:
        """The activity of the period asked (by default from the first day of the month two
        months back to today), with ``?dialog=email`` its email dialog pre-filled from
        ``customer_activity_template``; a bad period shows the form again saying why (422)."""
        customer_id, start, end, fields = self._asked(req)
        try:
            found = self._statement(req, customer_id, start, end)
        except ValidationError as exc:
            return self._bad_period(req, customer_id, fields, exc)
        email = customer_emails.drafted(self.backoffice.ctx, found) if req.query.get("dialog") == "email" and customer_emails.may_send(self.backoffice.ctx, req) else None
        return self._render(req, found.customer_name or f"#{customer_id}", customer_id, found, fields, {},
                            email=email)

    def send_email(self, req: Request) -> Response:
        """Queue the activity's email from the dialog, its PDF attached; on bad input show the
        dialog again with the message (422). Needs ``oro_invoices.send``."""
        self.backoffice.check(req, "oro_invoices.send")
        customer_id, start, end, fields = self._asked(req)
        try:
            found = self._statement(req, customer_id, start, end)
        except ValidationError as exc:
            return self._bad_period(req, customer_id, fields, exc)
        back = self._url(customer_id, fields)
        try:
            with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
                sent = customer_emails.queue(self.backoffice.ctx, req, found)
        except AlreadySent as exc:  # the dialog was submitted again (Back, reload, double click)
            return Response.redirect(back, flashes=[("info", _(exc.message))])
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            status, message = guard.friendly(exc)
            return self._render(req, found.customer_name or f"#{customer_id}", customer_id, found, fields, {},
                                email=customer_emails.typed(req.form), form_error=email_refusal(req.form, message), status=status)
        return Response.redirect(back, flashes=[("success", _("The account activity to %(to)s was queued for "
                                                              "delivery.", to=", ".join(sent.to))),
                                                *warning_flashes(unsent, follow_ups.QUEUED)])

    def _url(self, customer_id: int, fields: dict[str, str]) -> str:
        return self.backoffice.ctx.url_for("oro_invoices.admin.statement_activity") + "?" + urlencode(
            {"customer": customer_id, **fields})

    def pdf(self, req: Request) -> Response:
        """The activity as PDF, made now (``activity-<customer id>-<from>-<to>.pdf``); a bad period
        shows the page's form again saying why (422)."""
        customer_id, start, end, fields = self._asked(req)
        try:
            found = self._statement(req, customer_id, start, end)
        except ValidationError as exc:
            return self._bad_period(req, customer_id, fields, exc)
        return activity_download(self.backoffice.ctx.service, found)

    def csv(self, req: Request) -> Response:
        """The activity as CSV (``activity-<customer id>-<from>-<to>.csv``); a bad period shows the
        page's form again saying why (422)."""
        customer_id, start, end, fields = self._asked(req)
        try:
            found = self._statement(req, customer_id, start, end)
        except ValidationError as exc:
            return self._bad_period(req, customer_id, fields, exc)
        return activity_csv_download(found)

    def _bad_period(self, req: Request, customer_id: int, fields: dict[str, str], exc: ValidationError) -> Response:
        """The page's form as typed, saying beside each field what is wrong (422)."""
        _organization, name = self.backoffice.ctx.service.statement_customer(
            customer_id, self.backoffice.base_filter(req).organization_id)
        return self._render(req, name or f"#{customer_id}", customer_id, None, fields, guard.field_errors(exc),
                            status=422)

    def _asked(self, req: Request) -> tuple[int, dt.date | None, dt.date | None, dict[str, str]]:
        """The customer and the period the query asks for, and the form's fields as typed."""
        bo = self.backoffice
        bo.check(req)
        customer_id = parse_id(req.query.get("customer"))
        if customer_id is None:
            raise NotFound(_("That customer does not exist."))
        start, end, fields = asked_period(req.query, self._today(req))
        return customer_id, start, end, fields

    def _today(self, req: Request) -> dt.date:
        """The day of the admin's organization's books (``InvoiceService.books_today``): the last
        day a period may end on."""
        return self.backoffice.ctx.service.books_today(self.backoffice.base_filter(req))

    def _statement(self, req: Request, customer_id: int, start: dt.date | None,
                   end: dt.date | None) -> ActivityStatement:
        bo = self.backoffice
        # an account has no activity to come: the storefront's rule
        check_period(start, end, last=self._today(req))
        try:
            return bo.ctx.service.activity_statement(customer_id, start=start, end=end,
                                                     organization_id=bo.base_filter(req).organization_id)
        except NotFound:
            raise NotFound(_("That customer does not exist.")) from None

    def _render(self, req: Request, who: str, customer_id: int, found: ActivityStatement | None,
                fields: dict[str, str], errors: dict[str, str], *, status: int = 200,
                email: dict[str, Any] | None = None, form_error: str = "") -> Response:
        ctx = self.backoffice.ctx
        query: dict[str, Any] = {"customer": customer_id, **fields}
        html = ctx.render(TEMPLATE, req, statement=found, customer=who, customer_id=customer_id, fields=fields,
                          today=self._today(req),
                          page={"errors": errors}, query=query, page_url=self._url(customer_id, fields),
                          can_send=found is not None and customer_emails.may_send(self.backoffice.ctx, req), email=email, form_error=form_error)
        return Response.html(html, status=status, title=_("Activity of %(customer)s", customer=who))

