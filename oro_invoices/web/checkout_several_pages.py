"""Paying several invoices at once from Account > Invoices (**Pay Selected**).

The customer user ticks open invoices in the list and presses Pay Selected: the page
``/customer/invoices/payment?invoice=…&invoice=…`` lists them with what each owes and the sum,
or says why they cannot be paid together (``services.checkout_several``). Proceed with Payment
(POST, CSRF, a request key) starts one payment for the sum and hands over to the provider as the
payment of one invoice does (``checkout_pages``); the provider's answer arrives on the same
callback route, and the customer ends on ``/customer/invoices/payments/<attempt>``, which says
what became of the payment and of each invoice. Only invoices the user's role shows can be
chosen, with the ``oro_invoices.pay`` permission; one chosen invoice goes to its own payment page.
"""
from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import urlencode

from oro_invoices.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import parse_id
from oro_invoices.i18n import _
from oro_invoices.integration.payment_methods import CLIENT_FORM, POST_FORM, ProviderError
from oro_invoices.services.checkout_several import MAX_INVOICES, NONE_CHOSEN, SeveralAvailability
from oro_invoices.services.payment_records import AttemptView
from oro_invoices.web import guard
from oro_invoices.web.checkout_pages import ERROR_MESSAGE, CheckoutPages, csp_for, not_started, result_state
from oro_invoices.web.context import WebContext
from oro_invoices.web.http import Request, Response
from oro_invoices.web.storefront import StorefrontPages, Viewer

ENDPOINT_PAGE = "oro_invoices.storefront.pay_several"
ENDPOINT_START = "oro_invoices.storefront.start_several_payment"
ENDPOINT_RESULT = "oro_invoices.storefront.several_payment_result"
ENDPOINT_PAYMENT = "oro_invoices.storefront.payment"
ENDPOINT_INDEX = "oro_invoices.storefront.index"
ENDPOINT_VIEW = "oro_invoices.storefront.view"
ENDPOINT_NOTIFY = "oro_invoices.storefront.payment_notify"
#: The most invoices a Pay Invoices page lists (more is refused; the rule allows MAX_INVOICES).
PAGE_MAX = 500


class SeveralCheckoutPages:
    """Pay Selected: the page, the step to the provider, the result."""

    def __init__(self, ctx: WebContext, storefront: StorefrontPages, checkout: CheckoutPages):
        self.ctx = ctx
        self.storefront = storefront
        self.checkout = checkout

    def _chosen(self, req: Request, values: list[str]) -> tuple[Viewer, list[InvoiceDocument]]:
        """The user and the invoices they chose (each once, as listed): only invoices their role
        shows; one they may not see is "not found", as everywhere in the storefront."""
        viewer = Viewer(self.ctx, req)
        if not req.can("oro_invoices.pay"):
            raise PermissionDenied(_("Your account may not pay invoices. Ask your company's "
                                     "administrator for access."))
        ids = list(dict.fromkeys(parse_id(value) for value in dict.fromkeys(values)))   # 7 and 07: once
        if None in ids:
            raise NotFound(_("That invoice does not exist."))
        if len(ids) > PAGE_MAX:
            raise ValidationError([("invoice", _("One payment pays at most %(count)s invoices; %(chosen)s were "
                                                 "chosen.", count=MAX_INVOICES, chosen=len(ids)))])
        return viewer, [self.storefront.load_visible(viewer, value) for value in ids]

    def page(self, req: Request) -> Response:
        """The chosen invoices, what each owes and the sum, with Proceed with Payment."""
        viewer, docs = self._chosen(req, req.query_lists.get("invoice", []))
        if len(docs) == 1:
            return Response.redirect(self.ctx.url_for(ENDPOINT_PAYMENT, invoice_id=docs[0].id))
        return self._page(req, viewer, docs)

    def _page(self, req: Request, viewer: Viewer, docs: list[InvoiceDocument], *, error: str = "",
              status: int = 200) -> Response:
        available = self.ctx.service.several_payment_availability([doc.id for doc in docs]) if docs \
            else SeveralAvailability(NONE_CHOSEN)
        problems = {doc.id: _(why) for doc, why in available.problems}
        # some cannot be paid now (paid meanwhile, say): the others still can
        rest = [doc for doc in docs if doc.id not in problems] if problems else []
        html = self.ctx.render(
            "storefront/payment_several.html", req, invoices=docs, available=available, problems=problems,
            # what each pays: its amount due, beyond what an authorization holds of it
            amounts={doc.id: available.amount_of(i) for i, doc in enumerate(available.invoices[:len(available.amounts)])},
            message=_(available.message) if available.message else "", error=error,
            method_label=available.method.label if available.method is not None else "",
            request_key=secrets.token_urlsafe(24), action=self.ctx.url_for(ENDPOINT_START),
            list_url=self.ctx.url_for(ENDPOINT_INDEX), invoice_url=self._invoice_url,
            show_customer=len(viewer.customers()) > 1, rest_url=self._rest_url(rest), rest_count=len(rest))
        return Response.html(html, status=status, title=_("Pay Invoices"))

    def start(self, req: Request) -> Response:
        """Proceed with Payment (POST): one attempt for the chosen invoices, then on to the provider."""
        viewer, docs = self._chosen(req, req.form_lists.get("invoice", []))   # its CSRF token checked
        if len(docs) < 2:       # one invoice is paid on its own page, where part of it may be paid
            return Response.redirect(self.ctx.url_for(ENDPOINT_PAYMENT, invoice_id=docs[0].id)) if docs \
                else self._page(req, viewer, docs)
        try:
            if not req.form.get("total"):
                raise ValidationError([("", guard.DAMAGED_FORM)])
            key = guard.form_key(req)
            started = self.ctx.service.start_several_payment(
                [doc.id for doc in docs], actor=CheckoutPages.actor(req, guest=False), origin="storefront",
                return_path=self.ctx.url_for(ENDPOINT_NOTIFY, method=self._method_name(docs)),
                cancel_path=self._page_url(docs), total=req.form.get("total"),
                request_key=key, payer_email=getattr(req.user, "email", "") or "")
        except (ValidationError, Conflict) as exc:
            _status, message = guard.friendly(exc)
            return self._page(req, viewer, docs, error=message,
                              status=422 if isinstance(exc, ValidationError) else 409)
        except ProviderError as exc:     # the provider refused or was not reached: nothing began
            available = self.ctx.service.payment_availability(docs[0])
            label = available.method.label if available.method is not None else ""
            what = "invoices " + ", ".join(doc.display_number for doc in docs)
            return self._page(req, viewer, docs, error=not_started(exc, label, what), status=502)
        if started.page is None:   # this form's payment ended already
            return Response.redirect(self.result_url(started.attempt))
        page = started.page
        html = self.ctx.render("storefront/payment_redirect.html", req, invoice=docs[0], page=page,
                               heading=_("Pay Invoices"), method_label=started.method_label,
                               attempt=started.attempt, post_form=page.kind == POST_FORM,
                               client_form=page.kind == CLIENT_FORM, back_url=self._page_url(docs))
        response = Response.html(html, title=_("Pay Invoices"))
        response.headers["Content-Security-Policy"] = csp_for(page)
        response.headers["Cache-Control"] = "no-store"
        return response

    def result(self, req: Request) -> Response:
        """What became of the payment, and of each invoice it paid."""
        viewer = Viewer(self.ctx, req)
        attempt, docs = self._attempt(req, viewer)
        state = result_state(attempt)
        shares = self.ctx.service.payment_shares(attempt.public_id)
        paid = {share.invoice_id: share for share in shares}
        receipts = {doc.id: self.storefront.receipt_url(viewer, doc, paid[doc.id].transaction_id)
                    for doc in docs if state == "success"}
        again = (state == "error" and bool(self.ctx.service.several_payment_availability([d.id for d in docs])))
        payable = self.ctx.service.payment_availabilities(docs)
        html = self.ctx.render(
            "storefront/payment_several_result.html", req, attempt=attempt, state=state, invoices=docs,
            shares=paid, receipts=receipts, error_message=_(ERROR_MESSAGE), invoice_url=self._invoice_url,
            surplus=sum((share.surplus for share in shares), Decimal(0)) if state == "success" else 0,
            still_due={doc.id for doc in docs if payable[doc.id]},
            numbers=", ".join(doc.display_number for doc in docs), list_url=self.ctx.url_for(ENDPOINT_INDEX),
            payment_url=self._page_url(docs) if again else None, seller=self.ctx.service.seller(docs[0]))
        return Response.html(html, title=result_title(state))

    def _attempt(self, req: Request, viewer: Viewer) -> tuple[AttemptView, list[InvoiceDocument]]:
        """The payment of several invoices named in the URL, and its invoices: 404 unless the user
        sees every one of them."""
        missing = NotFound(_("That payment does not exist."))
        try:
            attempt = self.ctx.service.payment_attempt(req.path_params.get("attempt") or "")
            shares = self.ctx.service.payment_shares(attempt.public_id)
        except NotFound:
            raise missing from None
        if attempt.kind != "payment" or not shares:
            raise missing
        try:
            return attempt, [self.storefront.load_visible(viewer, share.invoice_id) for share in shares]
        except NotFound:
            raise missing from None

    def result_url(self, attempt: AttemptView) -> str:
        return self.ctx.url_for(ENDPOINT_RESULT, attempt=attempt.public_id)

    def _rest_url(self, docs: list[InvoiceDocument]) -> str:
        """Where the invoices that can still be paid are paid: together, or one on its own page."""
        if not docs:
            return ""
        return self._page_url(docs) if len(docs) > 1 else self.ctx.url_for(ENDPOINT_PAYMENT, invoice_id=docs[0].id)

    def _page_url(self, docs: list[InvoiceDocument]) -> str:
        return self.ctx.url_for(ENDPOINT_PAGE) + "?" + urlencode([("invoice", doc.id) for doc in docs])

    def _invoice_url(self, doc: InvoiceDocument) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc.id)

    def _method_name(self, docs: list[InvoiceDocument]) -> str:
        available = self.ctx.service.payment_availability(docs[0])
        return available.method.name if available.method is not None else "none"


def result_title(state: str) -> str:
    """The title of the result page of a payment of several invoices in ``state``."""
    return {"success": _("Payment Successful"), "error": _("Payment Error")}.get(state, _("Pay Invoices"))
