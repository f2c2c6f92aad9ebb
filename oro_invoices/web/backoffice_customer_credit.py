"""A customer's **Customer Credit** in the back-office: what they have to spend per currency
(kept from a credit note, or over the amount due of a payment recorded by hand) and the ledger of
every change, newest first, a page at a time (``services.customer_credit``). With
``oro_invoices.manage_payments``, **Give Back Credit** pays (part of) it out outside the add-on
(a bank transfer, a check). Opened from the view page's Payments and the customer's statement;
the admin needs what the Statement needs (``oro_invoices.view``) and sees only customers of their
organization.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.limits import parse_id
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import KNOWN_CURRENCIES
from oro_invoices.i18n import N_, _
from oro_invoices.persistence.customer_credit import EntryKind
from oro_invoices.services import follow_ups
from oro_invoices.web import guard
from oro_invoices.web.backoffice import BackOffice
from oro_invoices.web.backoffice_actions import actor_of, warning_flashes
from oro_invoices.web.backoffice_payments import PERMISSION
from oro_invoices.web.http import Request, Response

ENDPOINT = "oro_invoices.admin.customer_credit"
TEMPLATE = "admin/customer_credit.html"
#: The fields of Give Back Credit, as the page sends them back when it shows a problem.
PAY_OUT_FIELDS = ("currency", "amount", "reference", "notes", "request_key")
#: What each kind of ledger entry says: ``%(invoice)s`` and ``%(credit_note)s`` link to their view
#: pages, ``%(reference)s`` is what the admin typed for credit given back.
ENTRY_WORDS = {
    EntryKind.CREDIT_NOTE.value: N_("Kept from credit note %(credit_note)s (invoice %(invoice)s)"),
    EntryKind.SURPLUS.value: N_("Paid over the amount due of %(invoice)s"),
    EntryKind.APPLIED.value: N_("Applied to %(invoice)s"),
    EntryKind.RETURNED.value: N_("Application to %(invoice)s reversed"),
    EntryKind.SURPLUS_REVERSED.value: N_("Payment on %(invoice)s reversed"),
    EntryKind.PAID_OUT.value: N_("Given back outside the add-on"),
}
#: A payment's surplus taken back from the credit by a refund of that payment (the reversal of a
#: payment recorded in error is ``surplus_reversed``'s own words).
TAKEN_BACK_BY_REFUND = N_("Taken back by a refund of the payment on %(invoice)s")


@dataclass(frozen=True)
class CreditCustomer:
    """The customer a page is of: their organization, id and name as the statement names them."""

    organization_id: int
    customer_id: int
    name: str


class CustomerCreditPages:
    """The Customer Credit page (``?customer=<id>``) and its Give Back Credit form."""

    def __init__(self, backoffice: BackOffice):
        self.backoffice = backoffice
        self.ctx = backoffice.ctx

    def customer(self, req: Request) -> CreditCustomer:
        """The customer ``?customer=`` names, for an admin who may see them: of the admin's
        organization, or, for an admin of none, of the organization the host (else their latest
        invoice) puts them in; ``NotFound`` for any other."""
        bo = self.backoffice
        bo.check(req)
        customer_id = parse_id(req.query.get("customer"))
        if customer_id is None:
            raise NotFound(_("That customer does not exist."))
        try:
            organization, name = bo.ctx.service.statement_customer(
                customer_id, bo.base_filter(req).organization_id, infer=True)
        except NotFound:
            raise NotFound(_("That customer does not exist.")) from None
        if organization is None:
            raise NotFound(_("That customer does not exist."))
        return CreditCustomer(organization, customer_id, name or f"#{customer_id}")

    def page(self, req: Request) -> Response:
        """The customer's balance per currency and their ledger, newest first; ``?before=<id>``
        gives the entries older than that one."""
        who = self.customer(req)
        raw = req.query.get("before", "").strip()
        before = parse_id(raw) if raw else None
        if raw and before is None:
            raise ValidationError([("", Message("This page link is damaged or out of date; open the customer's "
                                                "credit again."))])
        return self._render(req, who, before=before)

    def pay_out(self, req: Request) -> Response:
        """Give Back Credit: (part of) the customer's credit in a currency given back outside the
        add-on; a problem shows the page again saying why (422). Needs ``oro_invoices.manage_payments``."""
        self.backoffice.check(req, PERMISSION)
        who = self.customer(req)
        form = req.form
        fields = {key: form.get(key, "") for key in PAY_OUT_FIELDS}
        back = self.url(who.customer_id)
        formatter = self.ctx.page_formatter(req)
        try:
            currency = fields["currency"].strip()
            if currency not in KNOWN_CURRENCIES:
                raise ValidationError([("currency", _("Choose a currency the customer has credit in."))])
            typed = fields["amount"].strip()
            if not typed:
                raise ValidationError([("amount", _("Enter the amount to give back."))])
            key = guard.form_key(req)
            with follow_ups.noted() as failed:  # committed, but what followed failed: given back all the same
                paid = self.ctx.service.pay_out_credit(
                    who.customer_id, organization_id=who.organization_id, currency=currency,
                    amount=formatter.typed_number(typed), reference=fields["reference"], notes=fields["notes"],
                    actor=actor_of(req), request_key=key)
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            return self._render(req, who, fields=fields, invalid=set(guard.field_errors(exc)), form_error=message,
                                status=status)
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        if not paid.created:
            return Response.redirect(back, flashes=[("info", _("This credit was given back before; it was not "
                                                               "given back again."))])
        entry = paid.entry
        return Response.redirect(back, flashes=[("success", _(
            "%(amount)s of credit has been given back to %(customer)s.",
            amount=formatter.money(-entry.amount, entry.currency), customer=who.name)),
            *warning_flashes(failed, follow_ups.SAVED)])

    def url(self, customer_id: int, **query: int) -> str:
        """The page of ``customer_id``'s credit (``before``: its older entries)."""
        return self.ctx.url_for(ENDPOINT) + f"?customer={customer_id}" + "".join(
            f"&{name}={value}" for name, value in query.items())

    def _render(self, req: Request, who: CreditCustomer, *, before: int | None = None,
                fields: dict[str, str] | None = None, invalid: set[str] | frozenset[str] = frozenset(),
                form_error: str = "", status: int = 200) -> Response:
        ctx = self.ctx
        credit = ctx.service.customer_credit_of(who.customer_id, organization_id=who.organization_id,
                                                before_id=before)
        positive = [b for b in credit.balances if b.amount > 0]
        if fields is None:
            fields = {"currency": positive[0].currency if positive else "",
                      "amount": ctx.page_formatter(req).field_number(positive[0].amount) if positive else ""}
        fields = {**fields, "request_key": fields.get("request_key") or secrets.token_urlsafe(24)}
        chosen = fields.get("currency", "")
        currencies = [b.currency for b in positive]
        if chosen and chosen not in currencies and chosen in {b.currency for b in credit.balances}:
            currencies.append(chosen)          # the form's own currency, spent meanwhile
        can_pay_out = req.can(PERMISSION) and bool(currencies)
        html = ctx.render(
            TEMPLATE, req, credit=credit, customer=who.name, customer_id=who.customer_id, balances=positive,
            entry_words=ENTRY_WORDS, taken_back_by_refund=TAKEN_BACK_BY_REFUND, paid_out=EntryKind.PAID_OUT.value, before=before,
            page_url=self.url(who.customer_id),
            older_url=self.url(who.customer_id, before=credit.older_than) if credit.older_than else None,
            can_pay_out=can_pay_out, currencies=currencies, fields=fields, invalid=invalid, form_error=form_error)
        return Response.html(html, status=status, title=_("Customer Credit — %(customer)s", customer=who.name))
