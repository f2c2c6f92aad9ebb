"""Paying an invoice: the payment page, the step to the provider, the provider's callback, the result.

Two ways in, one page:

- a customer user's **Pay** (``/customer/invoices/<id>/payment``): the invoices their role lets
  them see, with the ``oro_invoices.pay`` permission;
- the **guest payment link** (``/invoices/pay/<token>``): anyone holding the link, for exactly
  that invoice, until it expires (``oro_invoices.payment_link_ttl_days``).

Whether an invoice can be paid, and which amounts, is the services' one rule
(``services.checkout``); amounts always come from the server's record. Proceed posts the
form (CSRF token, a request key making a resubmission harmless, the amount when partial
payments are allowed) and the method decides what follows: a form posted to the provider, a
form built in the browser, or a redirect. The provider answers on ``/invoices/pay/notify/<method>``
(no login, no CSRF: the method verifies the provider's signature), and the customer ends on the
result page of their attempt.
"""
from __future__ import annotations

import logging
import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import Conflict, InvoiceError, NotFound, PermissionDenied, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument, PaymentStatus, SellerInfo
from oro_invoices.i18n import N_, _
from oro_invoices.integration import features
from oro_invoices.integration.links import PAYMENT_LINK_TTL, STOREFRONT_BASE_URL, absolute_link, link_expired
from oro_invoices.integration.payment_methods import (
    CLIENT_FORM,
    POST_FORM,
    REPLY_ACK,
    REPLY_PAGE,
    CallbackRejected,
    PaymentPage,
    ProviderCallback,
    ProviderError,
)
from oro_invoices.services.checkout import NO_METHOD, PAYABLE, Availability
from oro_invoices.services.payment_records import AttemptView
from oro_invoices.web import guard, storefront_scope
from oro_invoices.web.context import WebContext
from oro_invoices.web.downloads import receipt_download
from oro_invoices.web.errors import CsrfRejected
from oro_invoices.web.http import Request, Response
from oro_invoices.web.language import document_title
from oro_invoices.web.storefront import StorefrontPages, Viewer

log = logging.getLogger("oro_invoices.web.payments")

ENDPOINT_PAYMENT = "oro_invoices.storefront.payment"
ENDPOINT_START = "oro_invoices.storefront.start_payment"
ENDPOINT_RESULT = "oro_invoices.storefront.payment_result"
ENDPOINT_GUEST = "oro_invoices.storefront.pay"
ENDPOINT_GUEST_START = "oro_invoices.storefront.guest_start_payment"
ENDPOINT_GUEST_RESULT = "oro_invoices.storefront.guest_payment_result"
ENDPOINT_GUEST_RECEIPT = "oro_invoices.storefront.guest_receipt"
ENDPOINT_NOTIFY = "oro_invoices.storefront.payment_notify"
ENDPOINT_VIEW = "oro_invoices.storefront.view"
ENDPOINT_INDEX = "oro_invoices.storefront.index"
ENDPOINT_APPLY_CREDIT = "oro_invoices.storefront.apply_credit"
#: The setting that lets customer users apply their customer's credit (``services.customer_credit``).
CUSTOMERS_APPLY = "oro_invoices.customer_credit.customers_apply"
ENDPOINT_SEVERAL_RESULT = "oro_invoices.storefront.several_payment_result"

NO_METHOD_MESSAGE = N_("No payment methods are available, please contact us to proceed.")
ERROR_MESSAGE = N_("We are sorry, but your payment could not be processed. Please check your payment "
                   "details and try again.")
#: What the payer reads when an answer brought back from the provider cannot be trusted (wrongly signed,
#: another amount than the payment's): whatever became of the payment, nothing was recorded from it.
REFUSED_MESSAGE = N_("The payment provider's answer could not be accepted, so nothing was recorded from it. "
                     "The invoice page shows what was paid.")
#: What the customer reads when the provider refused to start a payment or could not be reached
#: (its own words, meant for the staff, are in the activity and the log).
NOT_STARTED_MESSAGE = N_("%(method)s could not start the payment, so nothing was charged. Please try again in a "
                         "few minutes; if it keeps failing, please contact us.")


def not_started(exc: ProviderError, method_label: str, what: str) -> str:
    """What the customer reads when ``exc`` kept the payment of ``what`` from starting; the
    provider's own words are logged for the staff (and the failed attempt's activity has them)."""
    log.warning("the payment of %s could not be started: %s", what, exc.message)
    return _(NOT_STARTED_MESSAGE, method=method_label or _("The payment provider"))


def csp_for(page: PaymentPage) -> str:
    """The Content-Security-Policy of the page that hands over to the provider: the host's usual
    rules plus the provider's origins (a form posting there, its script, frames and calls). Once
    the page is wrapped in the host's layout, the layout's inline scripts are added to
    ``script-src`` by their hashes (``web.csp``)."""
    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
    form = origin(page.url) if page.kind == POST_FORM else ""
    extra = " ".join(sorted({o for o in (origin(page.script_url), *map(origin, page.origins)) if o}))
    return ("default-src 'self'; " + f"script-src 'self' {extra}".strip() + "; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
            + f"frame-src 'self' {extra}".strip() + "; " + f"connect-src 'self' {extra}".strip() + "; "
            "object-src 'none'; base-uri 'none'; " + f"form-action 'self' {form}".strip() + "; "
            "frame-ancestors 'none'")


class CheckoutPages:
    """The payment pages of the storefront and of the guest payment link."""

    def __init__(self, ctx: WebContext, storefront: StorefrontPages):
        self.ctx = ctx
        self.storefront = storefront

    # -- a customer user's Pay --------------------------------------------------------
    def _customer_invoice(self, req: Request) -> tuple[Viewer, InvoiceDocument]:
        """The signed-in customer user and the invoice in the URL, when they may pay it."""
        viewer = Viewer(self.ctx, req)
        if not req.can("oro_invoices.pay"):
            raise PermissionDenied(_("Your account may not pay invoices. Ask your company's "
                                     "administrator for access."))
        return viewer, self.storefront.load_visible(viewer, req.path_params.get("invoice_id"))

    def payment(self, req: Request) -> Response:
        """The payment page: amount due, the amount to pay, the method, Proceed with Payment."""
        viewer, doc = self._customer_invoice(req)
        return self._payment_page(req, doc, guest=False, credit=self._credit(viewer, doc),
                                  credit_owner=self._credit_owner(viewer, doc))

    def _may_apply_credit(self, viewer: Viewer, doc: InvoiceDocument) -> bool:
        """Whether the user may apply the credit of ``doc``'s customer to it: Customers Apply Their
        Credit is on, and their role sees that customer's whole account (department: their own
        customer; corporate: it or one of its sub-customers)."""
        return (viewer.sees_the_account and doc.customer_id in viewer.customer_ids()
                and bool(self.ctx.settings.value(CUSTOMERS_APPLY, storefront_scope.invoice_scope(viewer.scope, doc))))

    @staticmethod
    def _credit_owner(viewer: Viewer, doc: InvoiceDocument) -> str:
        """Whose credit the payment page offers, when not the user's own customer's (a corporate
        user on a sub-customer's invoice): that customer's name."""
        return "" if doc.customer_id == viewer.ref.customer_id else doc.customer_name

    def _credit(self, viewer: Viewer, doc: InvoiceDocument) -> Decimal:
        """The credit the user may apply to ``doc`` from its payment page (0: none, or they may not)."""
        return self.ctx.service.customer_credit.available(doc) if self._may_apply_credit(viewer, doc) else Decimal(0)

    def apply_credit(self, req: Request) -> Response:
        """**Apply Credit** on the payment page (POST): the customer's credit pays what it covers of
        the invoice; back to the payment page for the rest (or to the invoice once it is paid)."""
        viewer, doc = self._customer_invoice(req)       # its CSRF token checked
        if not self._may_apply_credit(viewer, doc):
            raise PermissionDenied(_("Your account may not apply credit to this invoice."))
        if doc.external_payment_url:     # paid on the seller's own page, for its whole amount
            return Response.redirect(self._payment_url(doc, False), flashes=[("error", _(
                "Invoice %(number)s is paid on the seller's payment page, so credit cannot be applied to it here.",
                number=doc.display_number))])
        if not pstatus.is_payable(doc.payment_status, doc.amount_due - doc.amount_held):
            if self.ctx.service.credit_applied_with(doc.id, req.form.get("request_key")):
                # this very form paid it (a double click): say so, not that it cannot be paid
                return Response.redirect(self._invoice_url(doc, False) or "", flashes=[("info", _(
                    "This credit was applied before; it was not applied again."))])
            # owed perhaps (refunded), but no longer paid from the storefront: the seller settles it
            return Response.redirect(self._invoice_url(doc, False) or "", flashes=[("error", _(
                "Invoice %(number)s can no longer be paid here, so credit cannot be applied to it here.",
                number=doc.display_number))])
        try:
            key = guard.form_key(req)
        except ValidationError as exc:     # a damaged form: the page again, saying so
            return self._payment_page(req, doc, guest=False, error=guard.friendly(exc)[1], status=422,
                                      credit=self._credit(viewer, doc), credit_owner=self._credit_owner(viewer, doc))
        try:
            recorded = self.ctx.service.apply_credit(doc.id, actor=self.actor(req, guest=False), request_key=key)
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            _status, message = guard.friendly(exc)
            return Response.redirect(self._payment_url(doc, False), flashes=[("error", message)])
        after = self.ctx.service.get(doc.id)
        back = self._payment_url(doc, False) if self.ctx.service.can_pay(after) else self._invoice_url(doc, False)
        if not recorded.created:
            return Response.redirect(back or "", flashes=[("info", _("This credit was applied before; it was not "
                                                                     "applied again."))])
        tx = recorded.transaction
        money = self.ctx.page_formatter(req, doc).money(tx.amount, tx.currency)
        return Response.redirect(back or "", flashes=[("success", _(
            "%(amount)s of your credit was applied to invoice #%(number)s.", amount=money,
            number=doc.display_number))])

    def start(self, req: Request) -> Response:
        """Proceed with Payment (POST): record the attempt, hand over to the provider."""
        viewer, doc = self._customer_invoice(req)
        return self._start(req, doc, guest=False, viewer=viewer)

    def result(self, req: Request) -> Response:
        viewer, doc = self._customer_invoice(req)
        attempt = self._attempt(req, doc)
        receipt = (self.storefront.receipt_url(viewer, doc, attempt.transaction_id)
                   if attempt.status == "succeeded" else None)
        return self._result_page(req, doc, attempt, guest=False, receipt_url=receipt)

    # -- the guest payment link -------------------------------------------------------
    def _guest_invoice(self, req: Request) -> tuple[InvoiceDocument, bool]:
        """The link's invoice, and whether the link has expired; 404 for a link that never was."""
        token = req.path_params.get("token") or ""
        try:
            doc = self.ctx.service.get(self.ctx.service.find_id(payment_token=token)) \
                if 16 <= len(token) <= 64 else None
        except NotFound:
            doc = None
        if doc is None or not doc.is_posted:
            raise NotFound(_("This payment link is not valid. Please check the link or contact the seller."))
        scope = storefront_scope.guest_scope(self.ctx.host.customers, doc)
        features.require(self.ctx.settings, features.STOREFRONT, scope)
        return doc, link_expired(doc.posted_at, self.ctx.settings.value(PAYMENT_LINK_TTL, scope), self.ctx.now())

    def guest(self, req: Request) -> Response:
        """The guest payment page (no login): the same payment page, for exactly this invoice."""
        doc, expired = self._guest_invoice(req)
        if expired:
            return self._cannot_pay(req, doc, guest=True, status=410, headline=_("This payment link has expired."),
                                    detail=_("Please contact the seller, who can send you the invoice again."))
        return self._payment_page(req, doc, guest=True)

    def guest_start(self, req: Request) -> Response:
        doc, expired = self._guest_invoice(req)
        if not self.ctx.csrf.check(req):
            raise CsrfRejected()
        if expired:
            return self.guest(req)
        return self._start(req, doc, guest=True)

    def guest_result(self, req: Request) -> Response:
        doc, _expired = self._guest_invoice(req)
        attempt = self._attempt(req, doc)
        return self._result_page(req, doc, attempt, guest=True, receipt_url=self._guest_receipt_url(doc, attempt))

    def guest_receipt(self, req: Request) -> Response:
        """The receipt PDF of the guest's own payment: behind the link's token and the payment's
        id, as its result page is."""
        doc, _expired = self._guest_invoice(req)
        attempt = self._attempt(req, doc)
        if attempt.transaction_id is None or self._guest_receipt_url(doc, attempt) is None:
            raise NotFound(_("That payment has no receipt."))
        return receipt_download(self.ctx.service, doc.id, attempt.transaction_id)

    def _guest_receipt_url(self, doc: InvoiceDocument, attempt: AttemptView) -> str | None:
        """The link to the receipt of the guest's payment ``attempt`` once it succeeded as a payment
        (an authorization has none yet), while PDF download is on for the invoice; else None."""
        scope = storefront_scope.guest_scope(self.ctx.host.customers, doc)
        if attempt.status != "succeeded" or not self.storefront.has_receipt(scope, doc, attempt.transaction_id):
            return None
        return self.ctx.url_for(ENDPOINT_GUEST_RECEIPT, token=doc.payment_token, attempt=attempt.public_id)

    # -- the provider's answer --------------------------------------------------------
    def notify(self, req: Request) -> Response:
        """A provider's callback or the customer's browser coming back (verified by the method)."""
        name = req.path_params.get("method") or ""
        callback = ProviderCallback(http_method=req.method, query=dict(req.query), form=dict(req.form),
                                    headers=dict(req.headers), body=req.body)
        try:
            outcome = self.ctx.service.handle_payment_callback(name, callback)
        except CallbackRejected as exc:
            log.warning("payment notification refused: %s", exc.message)
            html = self.ctx.render("storefront/payment_notice.html", req, title=_("Payment Error"),
                                   message=_("The payment provider's answer could not be verified. "
                                             "Nothing was charged by this page; please go back and "
                                             "try again."), link="", link_label="")
            return Response.html(html, status=400, title=_("Payment Error"))
        except ProviderError as exc:    # naming no attempt: a provider's delivery, which it sends again
            log.warning("payment notification not checked, the provider is out of reach: %s", exc.message)
            return Response(status=503, body=b"The payment provider could not be reached; nothing was recorded.",
                            content_type="text/plain; charset=utf-8")
        attempt = outcome.attempt
        if attempt is None:
            return Response(status=200, body=b"ok", content_type="text/plain; charset=utf-8")
        doc = self.ctx.service.get(attempt.invoice_id)
        several = self._several_numbers(attempt)
        if outcome.rejected and not several:
            # this answer says nothing about the payment: never the result of an earlier genuine one
            return self._result_page(req, doc, attempt, guest=attempt.origin == "guest", status=400, refused=True)
        if outcome.reply == REPLY_ACK and not outcome.rejected:
            return Response(status=200, body=b"ok", content_type="text/plain; charset=utf-8")
        target = (self.ctx.url_for(ENDPOINT_SEVERAL_RESULT, attempt=attempt.public_id) if several
                  else self._result_url(doc, attempt))
        if outcome.rejected:     # of several invoices: this answer was not accepted, their result page says more
            html = self.ctx.render("storefront/payment_notice.html", req, title=_("Payment Error"),
                                   message=_(REFUSED_MESSAGE), link=target, link_label=_("Continue"),
                                   state="refused")
            return Response.html(html, status=400, title=_("Payment Error"))
        if outcome.unchecked and req.method == "GET":
            # the customer back from the provider, who could not be asked how the payment went: the
            # result page says it is being processed until the provider's report settles it
            return Response.redirect(target)
        if outcome.reply == REPLY_PAGE:
            # the provider shows this page to the payer: it says what became of the payment, as
            # the result page it continues to does
            base = self.ctx.service.setting(STOREFRONT_BASE_URL, organization_id=doc.organization_id,
                                            website_id=doc.website_id) or ""
            link = absolute_link(base, target) if base else target
            state = result_state(attempt)
            heading, message = notice_words(doc, state, several)
            html = self.ctx.render("storefront/payment_notice.html", req, title=heading, message=message,
                                   link=link, link_label=_("Continue"), refresh=link, state=state)
            # not checked with the provider (out of reach): 503, so that a provider delivers it again
            return Response.html(html, status=503 if outcome.unchecked else 200,
                                 title=heading if several else result_titles(doc)[state])
        return Response.redirect(target)

    def _several_numbers(self, attempt: AttemptView) -> str:
        """Of a payment of several invoices, their numbers ("INV-1, INV-2"); "" for one invoice."""
        shares = self.ctx.service.payment_shares(attempt.public_id) if attempt.kind == "payment" else ()
        if not shares:
            return ""
        return ", ".join(share.number for share in shares)

    # -- shared -----------------------------------------------------------------------
    def _payment_page(self, req: Request, doc: InvoiceDocument, *, guest: bool,
                      amount: str | None = None, error: str = "", status: int = 200,
                      credit: Decimal = Decimal(0), credit_owner: str = "") -> Response:
        available = self.ctx.service.payment_availability(doc)
        if not available and available.reason != NO_METHOD:
            return self._cannot_pay(req, doc, guest=guest, available=available)
        external = available.external_url
        confirm = req.query.get("confirm") == "1" and bool(external)
        low, high, due = available.amounts
        html = self.ctx.render(
            "storefront/payment.html", req, invoice=doc, guest=guest, available=available,
            online=available.reason == PAYABLE, no_method_message=_(NO_METHOD_MESSAGE),
            external=external, confirm=confirm,
            external_host=urlsplit(external).netloc if external else "",
            minimum=low, maximum=high, amount_due=due,
            amount=amount if amount is not None else self.ctx.page_formatter(req, doc).field_number(high),
            method_label=available.method.label if available.method is not None else "",
            request_key=secrets.token_urlsafe(24), error=error, seller=self._seller(doc),
            action=self._start_url(doc, guest), invoice_url=self._invoice_url(doc, guest),
            credit=credit if available.reason in (PAYABLE, NO_METHOD) else Decimal(0),
            credit_covers=min(credit, due), credit_key=secrets.token_urlsafe(24), credit_owner=credit_owner,
            credit_url=self.ctx.url_for(ENDPOINT_APPLY_CREDIT, invoice_id=doc.id),
            processing=self.ctx.service.processing_payments([doc.id]).get(doc.id, []) if available.processing else [])
        return Response.html(html, status=status, title=_("Payment - Invoice #%(number)s", number=doc.display_number))

    def _start(self, req: Request, doc: InvoiceDocument, *, guest: bool, viewer: Viewer | None = None) -> Response:
        form = req.form
        typed = form.get("amount")
        try:
            key = guard.form_key(req)
            started = self.ctx.service.start_payment(
                doc.id, amount=self.ctx.page_formatter(req, doc).typed_number(typed) if typed else typed,
                actor=self.actor(req, guest=guest),
                origin="guest" if guest else "storefront",
                return_path=self.ctx.url_for(ENDPOINT_NOTIFY, method=self._method_name(doc)),
                cancel_path=self._payment_url(doc, guest), request_key=key,
                payer_email="" if guest else getattr(req.user, "email", "") or "")
        except (ValidationError, Conflict, ProviderError) as exc:
            if isinstance(exc, ProviderError):     # the provider refused or was not reached: nothing began
                status, message = 502, not_started(exc, self._method_label(doc), f"invoice {doc.display_number}")
            else:
                status, message = (422 if isinstance(exc, ValidationError) else 409), guard.friendly(exc)[1]
            return self._payment_page(req, doc, guest=guest, amount=form.get("amount"), error=message,
                                      status=status,
                                      credit=self._credit(viewer, doc) if viewer is not None else Decimal(0),
                                      credit_owner=self._credit_owner(viewer, doc) if viewer is not None else "")
        if started.page is None:  # this form's payment ended already
            return Response.redirect(self._result_url(doc, started.attempt))
        page = started.page
        html = self.ctx.render("storefront/payment_redirect.html", req, invoice=doc, page=page,
                               method_label=started.method_label, attempt=started.attempt,
                               post_form=page.kind == POST_FORM, client_form=page.kind == CLIENT_FORM,
                               back_url=self._payment_url(doc, guest))
        response = Response.html(html, title=_("Payment - Invoice #%(number)s", number=doc.display_number))
        response.headers["Content-Security-Policy"] = csp_for(page)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _result_page(self, req: Request, doc: InvoiceDocument, attempt: AttemptView, *, guest: bool,
                     status: int = 200, receipt_url: str | None = None, refused: bool = False) -> Response:
        """The result page of ``attempt``; ``refused``: the page answering a provider's answer that was
        not accepted (an error saying nothing was recorded, whatever became of the payment)."""
        state = "error" if refused else result_state(attempt)
        paid = next((t for t in self.ctx.service.transactions(doc.id) if t.id == attempt.transaction_id), None) \
            if state == "success" and attempt.transaction_id is not None else None
        html = self.ctx.render(
            "storefront/payment_result.html", req, invoice=doc, attempt=attempt, state=state,
            surplus=paid.surplus if paid is not None and paid.surplus else 0,
            authorized=paid is not None and paid.action == "authorize",
            guest=guest, error_message=_(REFUSED_MESSAGE if refused else ERROR_MESSAGE), refused=refused,
            payment_url=self._payment_url(doc, guest),
            invoice_url=self._invoice_url(doc, guest), seller=self._seller(doc),
            can_pay=self.ctx.service.can_pay(doc), receipt_url=receipt_url)
        return Response.html(html, status=status, title=result_titles(doc)[state])

    def _cannot_pay(self, req: Request, doc: InvoiceDocument, *, guest: bool, status: int = 200,
                    available: Availability | None = None, headline: str = "", detail: str = "") -> Response:
        contact = True
        processing = []
        if not headline and available is not None and available.reason == "nothing_due" and available.processing:
            # all that is due is on its way: its notice says since when
            headline = _("Invoice #%(number)s cannot be paid again while its payment is being processed.",
                         number=doc.display_number)
            detail, contact = "", False
            processing = self.ctx.service.processing_payments([doc.id]).get(doc.id, [])
        if not headline and available is not None and available.reason == "nothing_due":
            headline, detail, contact = nothing_due(doc)
        elif not headline:
            headline = _("Invoice #%(number)s cannot be paid online.", number=doc.display_number)
            # the headline says it all: what is left to say is how to pay anyway
            detail = _("To pay it another way, contact the seller.")
        # a credit note is never paid: its page is titled as what it is
        title = (document_title(doc) if doc.is_credit_note
                 else _("Payment - Invoice #%(number)s", number=doc.display_number))
        html = self.ctx.render("storefront/payment_unavailable.html", req, invoice=doc, guest=guest, title=title,
                               headline=headline, detail=detail, seller=self._seller(doc), contact=contact,
                               invoice_url=self._invoice_url(doc, guest), processing=processing)
        return Response.html(html, status=status, title=title)

    def _attempt(self, req: Request, doc: InvoiceDocument) -> AttemptView:
        try:
            attempt = self.ctx.service.payment_attempt(req.path_params.get("attempt") or "")
        except NotFound:
            attempt = None
        if attempt is None or attempt.invoice_id != doc.id or attempt.kind != "payment" \
                or self.ctx.service.payment_shares(attempt.public_id):    # several invoices': its own page
            raise NotFound(_("That payment does not exist."))
        return attempt

    def _seller(self, doc: InvoiceDocument) -> SellerInfo:
        """Who to contact: the seller printed on the invoice, else the seller configured now."""
        if any(doc.seller.as_dict().values()):
            return doc.seller
        return self.ctx.service.seller(doc)

    def _method_name(self, doc: InvoiceDocument) -> str:
        available = self.ctx.service.payment_availability(doc)
        return available.method.name if available.method is not None else "none"

    def _method_label(self, doc: InvoiceDocument) -> str:
        available = self.ctx.service.payment_availability(doc)
        return available.method.label if available.method is not None else ""

    @staticmethod
    def actor(req: Request, *, guest: bool) -> str:
        """Who pays, as the payment's activity names them: the customer user's email, or the guest link."""
        user = req.user
        if guest or user is None or getattr(user, "kind", "") != "customer_user":
            return "guest payment link"
        return getattr(user, "email", "") or getattr(user, "name", "") or f"customer user #{getattr(user, 'id', '?')}"

    def _payment_url(self, doc: InvoiceDocument, guest: bool) -> str:
        if guest:
            return self.ctx.url_for(ENDPOINT_GUEST, token=doc.payment_token)
        return self.ctx.url_for(ENDPOINT_PAYMENT, invoice_id=doc.id)

    def _start_url(self, doc: InvoiceDocument, guest: bool) -> str:
        if guest:
            return self.ctx.url_for(ENDPOINT_GUEST_START, token=doc.payment_token)
        return self.ctx.url_for(ENDPOINT_START, invoice_id=doc.id)

    def _invoice_url(self, doc: InvoiceDocument, guest: bool) -> str | None:
        return None if guest else self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc.id)

    def _result_url(self, doc: InvoiceDocument, attempt: AttemptView) -> str:
        if attempt.origin == "guest":
            return self.ctx.url_for(ENDPOINT_GUEST_RESULT, token=doc.payment_token, attempt=attempt.public_id)
        return self.ctx.url_for(ENDPOINT_RESULT, invoice_id=doc.id, attempt=attempt.public_id)


def notice_words(doc: InvoiceDocument, state: str, several: str = "") -> tuple[str, str]:
    """The heading and sentence of the page a provider shows the payer about a payment in ``state``:
    of ``doc``, or of the invoices numbered ``several``."""
    number = doc.display_number
    if several:
        return {
            "success": (_("Payment received"), _("Your payment for invoices %(numbers)s was received.", numbers=several)),
            "error": (_("Payment Error"), _("Your payment for invoices %(numbers)s was not accepted.", numbers=several)),
            "processing": (_("Pay Invoices"), _("Your payment for invoices %(numbers)s is being processed.",
                                                numbers=several)),
        }[state]
    return {
        "success": (_("Payment received"), _("Your payment for invoice #%(number)s was received.", number=number)),
        "error": (_("Payment Error"), _("Your payment for invoice #%(number)s was not accepted.", number=number)),
        "processing": (_("Payment - Invoice #%(number)s", number=number),
                       _("Your payment for invoice #%(number)s is being processed.", number=number)),
    }[state]


def result_state(attempt: AttemptView) -> str:
    """What became of a payment attempt, as its result page shows it: success, error or processing."""
    return {"succeeded": "success", "failed": "error"}.get(attempt.status, "processing")


def result_titles(doc: InvoiceDocument) -> dict[str, str]:
    """The title of the result page of a payment of ``doc`` in each of its states."""
    number = doc.display_number
    return {"success": _("Payment Successful - Invoice #%(number)s", number=number),
            "error": _("Payment Error - Invoice #%(number)s", number=number),
            "processing": _("Payment - Invoice #%(number)s", number=number)}


def nothing_due(doc: InvoiceDocument) -> tuple[str, str, bool]:
    """Why the customer has nothing to pay on ``doc``, in their words: (headline, detail, whether
    to show the seller's contact). A paid invoice says it is paid; a refunded or canceled payment
    sends the customer to the seller about what remains; an invoice of nothing (a total of zero,
    or credited in full) says so, without sending anyone to the seller about paying."""
    number = doc.display_number
    status = doc.payment_status
    if doc.is_credit_note:
        return (_("Credit note #%(number)s is not paid: it lowers what is due on the invoice it corrects.",
                  number=number), "", False)
    if status is PaymentStatus.PAID_IN_FULL:
        return _("Invoice #%(number)s is paid.", number=number), _("Nothing is due on this invoice."), False
    if status is PaymentStatus.AUTHORIZED or 0 < doc.amount_due <= doc.amount_held:
        return (_("Invoice #%(number)s is paid.", number=number),
                _("Your payment is authorized; the seller collects it."), False)
    if doc.amount_due <= 0:
        return (_("Nothing is due on invoice #%(number)s.", number=number),
                _("Its total is zero: there is nothing to pay.")
                if doc.total_amount == 0 else _("Its payment status is %(status)s.", status=_(status.label)), False)
    headline = _("Invoice #%(number)s cannot be paid online.", number=number)
    if status in (PaymentStatus.REFUNDED, PaymentStatus.REFUNDED_PARTIALLY, PaymentStatus.CANCELED):
        return headline, _("Its payment status is %(status)s: please contact the seller about paying it.",
                           status=_(status.label)), True
    return headline, _("Nothing is due on this invoice: %(status)s.", status=_(status.label)), True
