"""Account > Invoices > **Account activity**: the activity statement (balance forward) of the
invoices the customer user's role shows (``services.activity_statement``) for a period chosen on
the page, its CSV, and its PDF where PDF download is on. Their own invoices for the Own role, their
customer's for Department, and their sub-customers' too for Corporate: the same invoices as the
list and its balance, and its closing balance is what that balance says: Open less the credit it
shows for a role that sees the customer's account, what their invoices still owe for the Own role
(the money between those invoices and the customer's credit is entries of its own:
``persistence.ledger``).
"""
from __future__ import annotations

import datetime as dt

from oro_invoices.domain.errors import ValidationError
from oro_invoices.i18n import _
from oro_invoices.integration import features
from oro_invoices.services.activity_statement import ActivityStatement, check_period
from oro_invoices.web import guard, storefront_scope
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import activity_csv_download, activity_download
from oro_invoices.web.http import Request, Response
from oro_invoices.web.periods import asked_period
from oro_invoices.web.storefront import Viewer

TEMPLATE = "storefront/activity.html"


class StorefrontActivity:
    """The customer user's activity page, its CSV and its PDF (``?from=YYYY-MM-DD&to=YYYY-MM-DD``)."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx

    def page(self, req: Request) -> Response:
        """The activity of the period asked (by default from the first day of the month two months
        back to today); a bad period (one reaching past today among them) shows the form again
        saying why (422)."""
        viewer = Viewer(self.ctx, req)
        try:
            found, fields = self._activity(viewer, req)
        except ValidationError as exc:
            return self._bad_period(req, viewer, exc)
        return self._render(req, viewer, found, fields, {})

    def pdf(self, req: Request) -> Response:
        """The activity as PDF to keep (``activity-<customer id>-<from>-<to>.pdf``), where PDF
        download is on; a bad period shows the form again saying why (422)."""
        viewer = Viewer(self.ctx, req)
        features.require(self.ctx.settings, features.PDF_DOWNLOAD, viewer.scope)
        try:
            found, _fields = self._activity(viewer, req)
        except ValidationError as exc:
            return self._bad_period(req, viewer, exc)
        return activity_download(self.ctx.service, found)

    def csv(self, req: Request) -> Response:
        """The activity as CSV (``activity-<customer id>-<from>-<to>.csv``): the rows of the page,
        in the page's language, in the back-office's layout; a bad period shows the form again
        saying why (422)."""
        viewer = Viewer(self.ctx, req)
        try:
            found, _fields = self._activity(viewer, req)
        except ValidationError as exc:
            return self._bad_period(req, viewer, exc)
        return activity_csv_download(found)

    def _today(self, viewer: Viewer) -> dt.date:
        """Today in the time zone of the customer's organization (``InvoiceService.books_today``),
        the day the activity statement's period may reach."""
        return self.ctx.service.books_today(viewer.scope)

    def _activity(self, viewer: Viewer, req: Request) -> tuple[ActivityStatement, dict[str, str]]:
        today = self._today(viewer)
        start, end, fields = asked_period(req.query, today)
        check_period(start, end, last=today)     # a customer's account has no activity to come
        visible = storefront_scope.website_filter(self.ctx.settings, viewer.scope, viewer.visibility())
        found = self.ctx.service.customer_activity(
            visible, start=start, end=end, customer_id=viewer.ref.customer_id,
            customer_name=viewer.customer.name if viewer.customer is not None else "")
        return found, fields

    def _bad_period(self, req: Request, viewer: Viewer, exc: ValidationError) -> Response:
        """The form again, as typed, saying beside each field what is wrong (422)."""
        return self._render(req, viewer, None, asked_period(req.query, self._today(viewer))[2], guard.field_errors(exc),
                            status=422)

    def _render(self, req: Request, viewer: Viewer, found: ActivityStatement | None, fields: dict[str, str],
                errors: dict[str, str], *, status: int = 200) -> Response:
        # a corporate user's activity spans their customer and its sub-customers: say whose each entry is
        several = len(viewer.visibility().customer_ids or ()) > 1
        html = self.ctx.render(TEMPLATE, req, activity=found, fields=fields, page={"errors": errors}, today=self._today(viewer),
                               download=features.is_enabled(self.ctx.settings, features.PDF_DOWNLOAD, viewer.scope),
                               show_customer=several)
        return Response.html(html, status=status, title=guard.error_title(_("Account activity"), errors))
