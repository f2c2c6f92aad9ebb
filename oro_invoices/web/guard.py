"""The checks every handler runs first, and how errors become pages a user can read.

Order of the checks: feature toggle (off → 404, as if the page did not exist;
for a visitor not logged in, off in every scope), login (→ 401, which the
framework adapter turns into a redirect to the host's login page), permission (→ 403), a form
or query that cannot be read as text (``Request.refusal``, → 400 naming its fields by their
labels: judged only for a user who may use the page), CSRF token on state-changing requests (→ 400).
Login and permission are both read from the request (``Request.user`` and
``Request.permissions``), which the mounting code fills from the host's ``Users``
once per request.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from babel.support import LazyProxy

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain import errors
from oro_invoices.i18n import N_, _, lazy_gettext
from oro_invoices.integration import features
from oro_invoices.web.context import WebContext
from oro_invoices.web.errors import CsrfRejected, LoginRequired, headers_for, status_for, unreachable
from oro_invoices.web.http import Request, Response

log = logging.getLogger("oro_invoices.web")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check(ctx: WebContext, req: Request, *, feature: str, scope: ScopeContext,
          user_kind: str, permission: str | None, denied: str | None = None) -> None:
    """Run the checks in order; raise the first failure. A visitor who is not logged in belongs
    to no organization yet: while the feature is on in some scope, they are asked to log in.
    ``denied`` says why a logged-in user may not use the page beyond ``permission`` (a customer
    user without access to invoices): refused as a missing permission is (403)."""
    user = req.user
    signed_in = user is not None and getattr(user, "kind", "anonymous") == user_kind
    if signed_in or not features.on_somewhere(ctx.settings, feature):
        features.require(ctx.settings, feature, scope)
    if not signed_in:
        raise LoginRequired()
    if permission is not None and not req.can(permission):
        raise errors.PermissionDenied(_("You do not have permission to do this. Ask an "
                                        "administrator to grant you access to invoices."))
    if denied is not None:
        raise errors.PermissionDenied(denied)
    refused = req.refusal() if req.refusal is not None else None
    if refused is not None:
        raise refused
    if req.method.upper() not in SAFE_METHODS and not ctx.csrf.check(req):
        raise CsrfRejected()


#: What a money-moving form without its one-time key (``request_key``) is refused with.
DAMAGED_FORM = N_("The payment form is damaged; reload the page and try again.")


def form_key(req: Request, damaged: str = DAMAGED_FORM) -> str:
    """The one-time key (``request_key``) a form that moves money carries, so that the same form
    sent twice (Back, a double click) acts once. A form without it cannot be told from one sent
    before, so it is refused as damaged rather than acted on again.

    :raises ValidationError: the form has no key (``damaged`` says so).
    """
    key = req.form.get("request_key", "").strip()
    if not key:
        raise errors.ValidationError([("request_key", damaged)])
    return key


# -- errors → what the user reads -------------------------------------------------------

TITLES = {400: N_("Request not accepted"), 401: N_("Please log in"), 403: N_("Access denied"),
          404: N_("Page not found"), 405: N_("Request not accepted"), 409: N_("Not possible"),
          422: N_("Please check your input"),
          500: N_("Something went wrong"), 503: N_("Please try again")}


def outage(exc: BaseException) -> bool:
    """Whether ``exc`` is the database or the PDF storage out of reach, busy or unmigrated (a 503).
    A page that shows the errors of its action in its form or a flash lets such an error pass
    (``raise``), so that it is answered as the 503 page with ``Retry-After`` rather than as a
    refusal of the form or a redirect."""
    return status_for(exc) == 503


def friendly(exc: BaseException) -> tuple[int, str]:
    """The HTTP status (``web.errors.status_for``) and the message to show for ``exc``; never internals."""
    status = status_for(exc)
    if isinstance(exc, errors.FeatureDisabled):
        return status, _("The page you asked for does not exist.")
    if isinstance(exc, errors.EInvoiceInvalid):  # its errors are rules, not fields; its message names them
        return status, _(exc.message)
    if isinstance(exc, errors.ValidationError):
        # two fields of one label (a dialog's body, checked as text and as its HTML) say it once
        parts = dict.fromkeys(_("%(field)s: %(problem)s", field=label, problem=_(m))
                              if f not in _UNLABELLED and (label := field_label(f)) else _(m)
                              for f, m in exc.errors)
        return status, " ".join(parts) or _(exc.message)
    if isinstance(exc, errors.StorageError) and not isinstance(exc, errors.NoPdfStorage):
        # its message may name the storage (its URL, an S3 endpoint_url): for the log only
        log.error("PDF storage %s: %s", "out of reach" if isinstance(exc, errors.StorageUnreachable)
                  else "problem", exc.message)
        return status, _(exc.shown)
    if (out_of_reach := unreachable(exc)) is not None:   # the driver's words may name its host
        log.error("the invoices' database cannot be reached", exc_info=exc)
        return status, _(out_of_reach.message)
    if isinstance(exc, errors.DatabaseNotMigrated):  # its message (the table, the command line) is for the log
        log.error("the invoices' database is not migrated: %s", exc.message)
        return status, _(errors.DatabaseNotMigrated.default_message)
    if isinstance(exc, errors.DatabaseUnavailable):
        log.warning("the database could not make a page's change: %s", exc.__cause__ or exc.message)
        return status, _(exc.message)
    if isinstance(exc, errors.InvoiceError) and status < 500:
        return status, _(exc.message)  # a message of the catalogs in the page's language
    log.exception("unexpected error in an invoice page", exc_info=exc)
    return status, _("An unexpected error occurred. It has been logged; "
                     "please try again or contact support.")


#: What a form error calls each field ("Amount: …"), translated when shown (the labels the forms
#: show beside their fields). A field ``name-<n>`` (a share's ``amount-12``) is labelled as ``name``.
_FIELD_LABELS: dict[str, LazyProxy] = {
    "body": lazy_gettext("Note"), "to": lazy_gettext("To"), "cc": lazy_gettext("Cc"), "bcc": lazy_gettext("Bcc"),
    "subject": lazy_gettext("Subject"), "html": lazy_gettext("Body"), "text": lazy_gettext("Body"),
    "date_from": lazy_gettext("Date from"), "date_to": lazy_gettext("Date to"), "cursor": lazy_gettext("Page"),
    "before": lazy_gettext("Page"), "after": lazy_gettext("Page"), "page": lazy_gettext("Page"),
    "invoice_date": lazy_gettext("Invoice date"), "due_date": lazy_gettext("Due date"),
    "amount": lazy_gettext("Amount"), "received": lazy_gettext("Payment total"),
    "method": lazy_gettext("Payment Method"), "currency": lazy_gettext("Currency"),
    "reason": lazy_gettext("Reason"), "notes": lazy_gettext("Notes"), "template": lazy_gettext("Template"),
    "received_on": lazy_gettext("Received on"), "reference": lazy_gettext("Reference"),
    "invoice": lazy_gettext("Invoices"), "invoices": lazy_gettext("Invoices"),
    "customer": lazy_gettext("Customer"), "customer_id": lazy_gettext("Customer"),
    "customer_user": lazy_gettext("Customer User"), "website": lazy_gettext("Website"),
    "as_of": lazy_gettext("As of"), "number": lazy_gettext("Invoice Number"),
    "purchase_order": lazy_gettext("PO Number"),
    "invoice_number": lazy_gettext("Invoice Number"), "external_id": lazy_gettext("External ID"),
    "status": lazy_gettext("Status"), "payment_status": lazy_gettext("Payment Status"),
    "document_type": lazy_gettext("Document Type"), "overdue": lazy_gettext("Overdue"),
    "total_min": lazy_gettext("Total from"), "total_max": lazy_gettext("Total to"), "sort": lazy_gettext("Sort by"),
    "limit": lazy_gettext("Rows per page"), "per_page": lazy_gettext("Rows per page"),
    "settlement": lazy_gettext("Money already paid"), "buyer_reference": lazy_gettext("Buyer reference"),
}
#: Fields whose messages say what they are about themselves ("The payment form is damaged; …").
_UNLABELLED = frozenset({"request_key", "origin", "order_id"})


def field_errors(exc: errors.ValidationError) -> dict[str, str]:
    """Each problem of ``exc`` under its field ("" for the form as a whole), in the user's language:
    what a form shows beside each field."""
    found: dict[str, str] = {}
    for field, message in exc.errors:
        found.setdefault(field, _(message))
    return found


def error_title(title: str, errors: Mapping[str, str]) -> str:
    """``title`` of a page that shows its form again with ``errors``, prefixed "Error:": the title
    is what a screen reader says first when the page loads, before the fields marked invalid."""
    return _("Error: %(title)s", title=title) if errors else title


def field_label(field: str) -> str | None:
    """What a form error calls ``field``, in the page's language; None for a field no form shows
    (its message then stands alone rather than name it in English)."""
    label = _FIELD_LABELS.get(field) or _FIELD_LABELS.get(re.sub(r"-\d+$", "", field))
    return None if label is None else str(label)


def error_response(ctx: WebContext, req: Request, exc: BaseException, *,
                   area: str = "backoffice") -> Response:
    """A page fragment explaining ``exc`` with the right status."""
    status, message = friendly(exc)
    if isinstance(exc, errors.FeatureDisabled) and area == "backoffice" and getattr(req.user, "kind", "") == "admin":
        # a signed-in admin may know why: the page exists, invoices are off where they work
        message = _("Invoices are switched off for your organization. An administrator switches them on in the "
                    "invoice settings (Enable Invoices).")
    title = _("PDF being prepared") if isinstance(exc, errors.PdfPending) else _(TITLES.get(status, N_("Error")))
    try:
        html = ctx.env.get_template("error.html").render(title=title, message=message,
                                                          area=area, status=status)
    except Exception:  # never fail while reporting a failure
        log.exception("error page failed")
        html = f"<h1>{_('Something went wrong')}</h1>"
    resp = Response.html(html, status=status, title=title)
    retry = headers_for(exc).get("Retry-After")     # a page sends no API challenge or Allow
    if retry:
        resp.headers["Retry-After"] = retry
    return resp
