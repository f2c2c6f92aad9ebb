"""Back-office actions on an invoice's payments: Refund a charge; capture, cancel or re-authorize
an authorization; Record Payment received outside the payment methods, and Reverse one recorded
in error (``services.manual_payments``); Apply Credit: pay the invoice from its customer's
credit (``services.customer_credit``).

Each needs the ``oro_invoices.manage_payments`` permission and goes through the provider that
took the payment (``InvoiceService.refund_payment`` / ``capture_authorization`` /
``cancel_authorization`` / ``reauthorize_authorization``), never for more than remains. The dialogs open over the view page
(``?dialog=refund&transaction=<id>``); a refused amount shows the dialog again with the reason.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.limits import parse_day, parse_id, quoted
from oro_invoices.domain.messages import Amount, Message, Number
from oro_invoices.domain.money import AMOUNT_LIMIT, parse_decimal, round_money, to_minor, too_many_decimals
from oro_invoices.domain.payment_limits import over_amount_due
from oro_invoices.i18n import N_, _
from oro_invoices.integration.payment_methods import ReauthorizingMethod
from oro_invoices.persistence import read_models as views
from oro_invoices.services import follow_ups
from oro_invoices.services.credit_notes import given_back_by
from oro_invoices.services.customer_credit import CREDIT_METHOD, surplus_spent
from oro_invoices.services.manual_payments import (
    OFFLINE_METHODS,
    beyond_paid,
    beyond_paid_refusal,
    earliest_received,
    given_back_refusal,
    reversed_payments,
)
from oro_invoices.services.refunds import ACTIONABLE, ProviderOutcome, Unanswered
from oro_invoices.web import guard
from oro_invoices.web.backoffice import ENDPOINT_VIEW, BackOffice
from oro_invoices.web.backoffice_actions import actor_of, warning_flashes
from oro_invoices.web.backoffice_selection import remittance_form_url
from oro_invoices.web.context import WebContext
from oro_invoices.web.http import Request, Response

PERMISSION = "oro_invoices.manage_payments"
DIALOGS = ("refund", "capture", "cancel-authorization", "reauthorize", "record-payment", "reverse-payment",
           "apply-credit", "unanswered")
RECORD, REVERSE, APPLY, UNANSWERED = "record-payment", "reverse-payment", "apply-credit", "unanswered"
#: The dialog (and its endpoint) that asks a provider again for each kind of request.
ASKED_AGAIN = {"refund": ("refund", "oro_invoices.admin.refund"), "capture": ("capture", "oro_invoices.admin.capture"),
               "cancel": ("cancel-authorization", "oro_invoices.admin.cancel_authorization"),
               "reauthorize": ("reauthorize", "oro_invoices.admin.reauthorize")}
#: How each kind of request is named in a sentence.
REQUEST_WORDS = {"refund": N_("refund"), "capture": N_("capture"), "cancel": N_("cancellation"),
                 "reauthorize": N_("re-authorization")}
#: The Record Payment dialog's fields that show a problem beside them (the others, above them).
RECORD_PLACED = ("amount", "method", "received_on", "reference", "notes")


@dataclass(frozen=True)
class PaymentRow:
    """A row of the Payments section with what may still be done with it."""

    transaction: views.TransactionView
    refundable: Decimal | None
    cancelable: Decimal | None
    capturable: Decimal | None = None
    #: Until when the provider holds an open authorization, when it said so.
    held_until: dt.datetime | None = None
    hold_expired: bool = False
    reauthorizable: Decimal | None = None
    #: Whether less than ``capturable`` may be captured (its provider releases the rest).
    captures_part: bool = False
    #: A payment recorded by hand that may be reversed (recorded in error).
    reversible: bool = False
    #: A payment recorded by hand that a reversal undid.
    reversed: bool = False
    #: Why a payment recorded by hand is not reversed, where it is not: in short, as its row
    #: says (credit notes gave back money the payments left would not cover, refunds gave back
    #: part of what was paid, it covered an over-refund; "": it is, or it is no such payment),
    #: and in full, as the reversal would answer (``manual_payments``' refusals).
    reversal_refused: str = ""
    reversal_reason: Message | None = None
    #: A share of one payment for several invoices: their numbers, each linking to its view page.
    remittance: Markup | None = None
    #: Its requests whose provider's answer was lost (reserved until settled).
    unanswered: tuple[Unanswered, ...] = ()
    #: What a new refund may take beside them (None: nothing).
    refund_free: Decimal | None = None

    def asked_again(self, dialog: str) -> Unanswered | None:
        """The request ``dialog`` sends again (its answer was lost, and asking again is safe), if any."""
        return next((u for u in self.unanswered if u.resendable and ASKED_AGAIN[u.kind][0] == dialog), None)


@dataclass(frozen=True)
class RecordForm:
    """The Record Payment dialog: the invoice's amount due and the day it opens on; ``several``:
    how many open invoices the customer has in its currency and the grid's Record Payment for
    them all (when it has others)."""

    amount_due: Decimal
    currency: str
    today: dt.date
    methods: tuple[str, ...] = OFFLINE_METHODS
    several: tuple[int, str] | None = None
    #: What is over the amount due may be kept as the customer's credit (the invoice has a customer).
    keeps_surplus: bool = False

    @property
    def earliest(self) -> dt.date:
        """The first day the payment may have been received (``manual_payments.RECEIVED_DAYS_BACK``)."""
        return earliest_received(self.today)


@dataclass(frozen=True)
class ApplyCreditForm:
    """The Apply Credit dialog: the customer's credit in the invoice's currency and what of the
    invoice's amount due it may pay (beyond what an open authorization holds, ``held``); ``most``,
    the lesser, is what it offers to apply."""

    credit: Decimal
    amount_due: Decimal
    currency: str
    held: Decimal = Decimal(0)

    @property
    def most(self) -> Decimal:
        return min(self.credit, self.amount_due)


def _customer_remittance(pages: BackOffice, doc: InvoiceDocument) -> tuple[int, str] | None:
    """The customer's open invoices in ``doc``'s currency, as ``(how many, Record Payment for
    them)``, when there are others than ``doc``."""
    if doc.customer_id is None:
        return None
    try:
        found = pages.ctx.service.statement_of(doc.customer_id, organization_id=doc.organization_id,
                                               currency=doc.currency)
    except NotFound:
        return None
    ids = [item.invoice_id for section in found.sections if section.currency == doc.currency
           for item in section.items]
    if len(ids) < 2:
        return None
    return len(ids), remittance_form_url(pages.ctx, doc.customer_id, ids)


def payments_section(pages: BackOffice, req: Request, doc: InvoiceDocument, dialog: str,
                     fields: dict[str, str] | None = None, *, errors: dict[str, str] | None = None,
                     transactions: list[views.TransactionView] | None = None,
                     credit: Decimal | None = None,
                     activities: list[views.ActivityView] | None = None) -> dict[str, Any]:
    """What the view page's Payments section and its dialogs show (``transactions``: the
    invoice's, and ``credit``: its customer's in its currency, when the caller has read them
    already; ``activities``: the invoice's, newest first, which say what its credit notes gave
    back of what was paid, else Reverse is offered as if they gave back nothing)."""
    service = pages.ctx.service
    if transactions is None:
        transactions = service.transactions(doc.id)
    manage = req.can(PERMISSION)
    # only a provider's successful charges and authorizations can be refunded or canceled
    actionable = any(t.successful and t.action in ACTIONABLE and t.method in service.payment_methods
                     for t in transactions)
    actions = service.transaction_actions(doc.id) if manage and actionable else {}
    rows = []
    now = service.clock()
    undone = reversed_payments(transactions)
    kept = credit      # the customer's credit as read (None: not read), whatever Apply Credit may apply
    # what credit notes gave back without a transaction, oldest first, as the activity says
    given = [back for entry in reversed(activities or []) if entry.kind == "credit_note"
             and (back := given_back_by(entry.data, doc.currency)) is not None]
    for tx in sorted(transactions, key=lambda t: (t.created_at, t.id), reverse=True):
        found = actions.get(tx.id)
        held_until = found.capture_before if found else None
        outside = manage and service.reversible(tx) and tx.id not in undone   # recorded by hand or by the API
        # what its reversal would refuse: said on the row rather than offered
        refused = _reversal_refused(pages, req, doc, tx, given, kept) if outside else None
        lost = found.unanswered if found else ()
        # a request whose answer was lost is offered again through its own button, while asking again is safe
        again = {u.kind: u.amount for u in lost if u.resendable}
        rows.append(PaymentRow(tx, _offered(found.refundable if found else None, again.get("refund")),
                               _offered(found.cancelable if found else None, again.get("cancel")),
                               _offered(found.capturable if found else None, again.get("capture")),
                               held_until, held_until is not None and held_until <= now,
                               _offered(found.reauthorizable if found else None, again.get("reauthorize")),
                               bool(found and found.captures_part),
                               reversible=outside and refused is None, reversed=tx.id in undone,
                               reversal_refused=refused[0] if refused else "",
                               reversal_reason=refused[1] if refused else None,
                               remittance=_remittance_links(pages.ctx, tx, doc.id), unanswered=lost,
                               refund_free=found.refundable if found and found.refundable > 0 else None))
    can_record = manage and doc.is_posted and not doc.is_credit_note \
        and pstatus.is_owed(doc.payment_status, doc.amount_due)
    # the customer's credit in the invoice's currency (read with its history), where it could pay it:
    # never what an open authorization holds (the seller captures that)
    payable = pstatus.unheld(doc.payment_status, doc.amount_due, doc.amount_held)
    if credit is None:
        credit = service.available_credit(doc) if can_record and doc.customer_id is not None else Decimal(0)
    elif not can_record or doc.customer_id is None:
        credit = Decimal(0)
    refusal = _credit_refusal(doc, manage, can_record, credit, payable) if dialog == APPLY else ""
    if payable <= 0:
        credit = Decimal(0)
    asked: PaymentRow | None = None
    chosen: PaymentRow | RecordForm | ApplyCreditForm | None = None
    resend: Unanswered | None = None
    confirming: Unanswered | None = None
    another = bool(req.query.get("another") or (fields or {}).get("another"))
    if dialog == RECORD:
        chosen = RecordForm(doc.amount_due, doc.currency, service.books_today(doc),
                            several=_customer_remittance(pages, doc),
                            keeps_surplus=doc.customer_id is not None) if can_record else None
    elif dialog == APPLY:
        chosen = ApplyCreditForm(credit, payable, doc.currency, doc.amount_held) if credit > 0 else None
    elif dialog in DIALOGS:
        wanted = parse_id(req.query.get("transaction") or (fields or {}).get("transaction"))
        asked = next((r for r in rows if r.transaction.id == wanted), None)
        if asked is not None and dialog == UNANSWERED:
            attempt = req.query.get("attempt") or (fields or {}).get("attempt")
            confirming = next((u for u in asked.unanswered if not u.resendable
                               and (not attempt or u.attempt_id == attempt)), None)
        elif asked is not None and not another:    # another: a new request beside the lost one
            resend = asked.asked_again(dialog)
        usable = asked is not None and (resend or confirming or {
            "refund": asked.refundable, "capture": asked.capturable, "reauthorize": asked.reauthorizable,
            REVERSE: asked.reversible, UNANSWERED: None}.get(dialog, asked.cancelable))
        chosen = asked if usable else None
    processing = pages.ctx.service.processing_payments([doc.id]).get(doc.id, []) if doc.amount_processing else []
    # what refunds the provider made gave back beyond what was paid, less what payments covered since
    # (the notice atop the page)
    over_refunded = views.over_refund_left(transactions)
    return {"payment_rows": rows, "processing_payments": processing, "over_refunded": over_refunded,
            "can_manage_payments": manage, "can_record_payment": can_record,
            "customer_credit": credit, "payment_dialog": chosen, "payment_asked": asked,
            "payment_resend": resend, "payment_unanswered": confirming, "request_words": REQUEST_WORDS,
            "payment_another": another,
            "asked_again": ASKED_AGAIN,
            "credit_refusal": refusal,
            "request_key": (fields or {}).get("request_key") or secrets.token_urlsafe(24),
            "payment_fields": fields or {}, "payment_form": {"errors": errors or {}}}


def _reversal_refused(pages: BackOffice, req: Request, doc: InvoiceDocument, tx: views.TransactionView,
                      given: list[tuple[str, str, int]], kept: Decimal | None) -> tuple[str, Message] | None:
    """Why the payment ``tx`` of ``doc`` (recorded outside the payment methods, not reversed) is
    not reversed, as its row says it and in full, as its reversal would (None: it is): what the
    reversal checks, in its order, read from what the page shows (``given``: what credit notes
    gave back without a transaction, ``credit_notes.given_back_by``; ``kept``: the customer's
    credit in the invoice's currency, None when not read)."""
    cur = doc.currency
    reason = given_back_refusal(tx, given, paid=to_minor(doc.amount_paid, cur),
                                remains=to_minor(doc.total_amount - doc.amount_credited, cur))
    if reason is not None:
        numbers = ", ".join(number for number, _how, _amount in given)
        if len(given) == 1:
            return _("Cannot be reversed: the payments left would not cover what credit note %(number)s gave "
                     "back.", number=numbers), reason
        return _("Cannot be reversed: the payments left would not cover what credit notes %(numbers)s gave "
                 "back.", numbers=numbers), reason

    def money(amount: Decimal) -> str:               # in the page's format, asked only when said
        return pages.ctx.page_formatter(req, doc).money(amount, cur)

    if beyond_paid(tx, doc.amount_paid):
        reason = beyond_paid_refusal(tx, doc.amount_paid)
        if tx.over_refund_covered:
            return _("Cannot be reversed: %(amount)s of it covered what was refunded beyond what was paid.",
                     amount=money(tx.over_refund_covered)), reason
        return _("Cannot be reversed: after refunds only %(left)s of what was paid remains.",
                 left=money(doc.amount_paid)), reason
    back = min(tx.amount, tx.surplus_kept)          # what the reversal takes back from the credit
    if kept is not None and back > 0 and kept < back:
        return _("Cannot be reversed: %(surplus)s of it was kept as the customer's credit, and only %(balance)s of "
                 "credit is left.", surplus=money(back), balance=money(kept)), \
            surplus_spent(Amount(back, cur), Amount(kept, cur))
    return None


def _offered(amount: Decimal | None, again: Decimal | None) -> Decimal | None:
    """What a row's button offers: what remains, else what a request whose answer was lost asks again."""
    return amount if amount is not None and amount > 0 else again


def _credit_refusal(doc: InvoiceDocument, manage: bool, can_record: bool, credit: Decimal,
                    payable: Decimal) -> str:
    """Why Apply Credit does not open on ``doc`` ("" when it does)."""
    if not manage:
        return _("Your role may not apply the customer's credit.")
    if not can_record:
        return _("Invoice %(number)s has nothing to pay, so no credit can be applied to it.",
                 number=doc.display_number)
    if payable <= 0:
        return _("An authorization holds what is due on invoice %(number)s: capture or cancel it first.",
                 number=doc.display_number)
    if doc.customer_id is None:
        return _("Invoice %(number)s has no customer, so no customer's credit can pay it.",
                 number=doc.display_number)
    if credit <= 0:
        return _("%(customer)s has no credit in %(currency)s to apply.",
                 customer=doc.customer_name or _("The customer"), currency=doc.currency)
    return ""


def payment_notice(ctx: WebContext, dialog: str, payments: dict[str, Any]) -> str:
    """Why the payment ``dialog`` a link asked for does not open ("" when it does), from
    what ``payments_section`` found."""
    if payments["payment_dialog"] is not None:
        return ""
    if dialog == APPLY:
        return str(payments["credit_refusal"])
    if dialog in (RECORD, REVERSE) and not payments["can_manage_payments"]:
        return _("Your role may not record or reverse payments.")
    if not payments["can_manage_payments"]:
        return _("Your role may not refund, capture, cancel or re-authorize payments.")
    if dialog == RECORD:
        return _("This invoice has nothing to pay, so no payment can be recorded for it.")
    if dialog == REVERSE:
        refused = payments["payment_asked"].reversal_reason if payments["payment_asked"] is not None else None
        if refused is not None:
            return _(refused)
        return _("This payment cannot be reversed: only a payment recorded outside the payment methods is, "
                 "and only once.")
    if dialog == UNANSWERED:
        return _("No request on this payment is waiting for an answer to confirm: it was reported, asked again "
                 "or confirmed already.")
    if dialog == "refund":
        return _("This payment can no longer be refunded.")
    if dialog == "cancel-authorization":
        return _("This authorization can no longer be canceled.")
    asked: PaymentRow | None = payments["payment_asked"]
    if dialog == "reauthorize":
        if asked is not None and asked.cancelable:  # still held, but not renewable
            method = asked.transaction.method
            label = ctx.payment_method_label(method)
            if not isinstance(ctx.service.payment_methods.get(method), ReauthorizingMethod):
                return _("%(method)s authorizations cannot be re-authorized from here.", method=label)
            return _("This authorization cannot be re-authorized: %(method)s did not keep its card. Capture it "
                     "before it expires, or cancel it.", method=label)
        return _("This authorization can no longer be re-authorized.")
    if asked is not None and asked.cancelable:  # still held, but its method cannot capture from here
        return _("%(method)s authorizations are captured at %(method)s, not from here.",
                 method=ctx.payment_method_label(asked.transaction.method))
    return _("This authorization can no longer be captured.")


class PaymentActions:
    """Refund, Capture, Cancel and Re-authorize on the back-office view page."""

    def __init__(self, pages: BackOffice):
        self.pages = pages
        self.ctx = pages.ctx

    def _view_url(self, doc_id: int, **params: Any) -> str:
        return self.ctx.url_for(ENDPOINT_VIEW, invoice_id=doc_id, **params)

    def _transaction(self, req: Request, doc: InvoiceDocument) -> views.TransactionView:
        wanted = parse_id(req.path_params.get("transaction_id"))
        found = next((t for t in self.ctx.service.transactions(doc.id) if t.id == wanted), None)
        if found is None:
            raise NotFound(_("That payment does not belong to this invoice."))
        return found

    def refund(self, req: Request) -> Response:
        """Yes, Refund Payment: refund the amount through the provider; flash how it went."""
        return self._act_on_amount(
            req, "refund", self.ctx.service.refund_payment,
            N_("The payment of %(amount)s has been refunded successfully."),
            N_("The refund of %(amount)s was not made: %(reason)s."))

    def capture(self, req: Request) -> Response:
        """Capture (part of) an authorization through the provider: the customer is charged."""
        return self._act_on_amount(
            req, "capture", self.ctx.service.capture_authorization, N_("The payment of %(amount)s has been captured."),
            N_("The payment of %(amount)s was not captured: %(reason)s."))

    def _act_on_amount(self, req: Request, dialog: str, act: Callable[..., ProviderOutcome], done: str,
                       not_done: str) -> Response:
        """Refund or capture (``act``) the amount the ``dialog``'s form names (left out: all that
        remains); a bad amount shows the dialog again saying why; else flash how it went."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        tx = self._transaction(req, doc)
        form = req.form
        typed = form.get("amount")
        back = self._view_url(doc.id) + "#payments"
        try:
            key = guard.form_key(req)
            amount = self.ctx.page_formatter(req, doc).typed_number(typed) if typed else typed
            with follow_ups.noted() as failed:  # committed, but what followed failed: done all the same
                outcome = act(tx.id, amount, notes=form.get("notes", ""), actor=actor_of(req), request_key=key)
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            fields = {"transaction": str(tx.id), "amount": form.get("amount", ""), "notes": form.get("notes", ""),
                      "request_key": form.get("request_key", ""), "another": form.get("another", "")}
            html = self.pages.render_view(req, doc, dialog=dialog, form_error=message, payment_fields=fields)
            return Response.html(html, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        money = self.ctx.page_formatter(req, doc).money(outcome.amount, outcome.currency)
        if outcome.successful:
            return Response.redirect(back, flashes=[("success", _(done, amount=money)),
                                                    *warning_flashes(failed, follow_ups.SAVED)])
        return Response.redirect(back, flashes=[
            ("error", _(not_done, amount=money, reason=_clause(_(outcome.message or N_("declined by the provider"))))),
            *warning_flashes(failed, follow_ups.SAVED)])

    def record(self, req: Request) -> Response:
        """Record Payment: a payment received outside the payment methods; a bad field shows the
        dialog again saying why. With **Keep what is over the amount due as the customer's
        credit** ticked, an amount over the amount due pays it and the rest is kept as credit."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        form = req.form
        back = self._view_url(doc.id) + "#payments"
        fields = {key: form.get(key, "") for key in ("amount", "method", "received_on", "reference", "notes",
                                                      "request_key", "keep_surplus")}
        keep = bool(form.get("keep_surplus")) and doc.customer_id is not None
        try:
            amount = self._check_record(req, doc, keep)
            with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
                recorded = self.ctx.service.record_received_payment(
                    doc.id, amount=amount, method=form.get("method", ""),
                    received_on=received_day(form.get("received_on", "")), reference=form.get("reference", ""),
                    notes=form.get("notes", ""), actor=actor_of(req), request_key=form.get("request_key", ""),
                    keep_surplus=keep)
        except ValidationError as exc:
            errors = guard.field_errors(exc)
            unplaced = [message for field, message in errors.items() if field not in RECORD_PLACED]
            message = " ".join([_("Nothing was recorded. Correct what is marked below."), *unplaced])
            html = self.pages.render_view(req, doc, dialog=RECORD, form_error=message, payment_fields=fields,
                                          payment_errors=errors)
            return Response.html(html, status=guard.friendly(exc)[0],
                                 title=_("Invoice %(number)s", number=doc.display_number))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        tx = recorded.transaction
        if not recorded.created:
            return Response.redirect(back, flashes=[("info", _("This payment was recorded before; it was not "
                                                               "recorded again."))])
        formatter = self.ctx.page_formatter(req, doc)
        method = self.ctx.payment_method_label(tx.method)
        day = formatter.date(tx.received_on) if tx.received_on else ""
        if tx.surplus:                    # what was over the amount due is the customer's credit now
            return Response.redirect(back, flashes=[("success", _(
                "A payment of %(received)s received by %(method)s on %(date)s has been recorded: %(paid)s pays "
                "this invoice and %(surplus)s is kept as the customer's credit.",
                received=formatter.money(tx.amount, tx.currency), method=method, date=day,
                paid=formatter.money(tx.amount - tx.surplus, tx.currency),
                surplus=formatter.money(tx.surplus, tx.currency))), *warning_flashes(failed, follow_ups.SAVED)])
        return Response.redirect(back, flashes=[("success", _(
            "A payment of %(amount)s received by %(method)s on %(date)s has been recorded.",
            amount=formatter.money(tx.amount, tx.currency), method=method, date=day)),
            *warning_flashes(failed, follow_ups.SAVED)])

    def _check_record(self, req: Request, doc: InvoiceDocument, keep: bool) -> str:
        """The Record Payment form's amount as a plain decimal, once every field it has reads: a
        problem with the amount or the day stops it with all of the form's problems at once
        (recording checks how, when and under which reference on its own, and the amount after them).

        :raises ValidationError: one ``(field, message)`` per problem.
        """
        form = req.form
        typed = self.ctx.page_formatter(req, doc).typed_number(form.get("amount", "").strip())
        errors = amount_problems(typed, doc, keep)
        try:
            day = received_day(form.get("received_on", ""))
        except ValidationError as exc:
            day, errors = None, errors + exc.errors
        if errors:
            found = {field for field, _message in errors}
            errors += [(field, message) for field, message in self.ctx.service.received_payment_problems(
                method=form.get("method", ""), received_on=day, reference=form.get("reference", "").strip(),
                notes=form.get("notes", "").strip(), scope=doc) if field not in found]
            raise ValidationError(errors)
        return typed

    def apply_credit(self, req: Request) -> Response:
        """Apply Credit: pay (part of) the invoice from its customer's credit in its currency; a
        bad amount shows the dialog again saying why."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        form = req.form
        back = self._view_url(doc.id) + "#payments"
        fields = {key: form.get(key, "") for key in ("amount", "request_key")}
        try:
            typed = form.get("amount", "").strip()
            if not typed:
                raise ValidationError([("amount", _("Enter the amount of credit to apply."))])
            key = guard.form_key(req)
            amount = self.ctx.page_formatter(req, doc).typed_number(typed)
            with follow_ups.noted() as failed:  # committed, but what followed failed: applied all the same
                recorded = self.ctx.service.apply_credit(doc.id, amount=amount, actor=actor_of(req),
                                                         request_key=key)
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            html = self.pages.render_view(req, doc, dialog=APPLY, form_error=message, payment_fields=fields)
            return Response.html(html, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        if not recorded.created:
            return Response.redirect(back, flashes=[("info", _("This credit was applied before; it was not "
                                                               "applied again."))])
        tx = recorded.transaction
        money = self.ctx.page_formatter(req, doc).money(tx.amount, tx.currency)
        return Response.redirect(back, flashes=[("success", _(
            "%(amount)s of the customer's credit has been applied to this invoice.", amount=money)),
            *warning_flashes(failed, follow_ups.SAVED)])

    def reverse(self, req: Request) -> Response:
        """Reverse a payment recorded by hand in error: the invoice is due again."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        tx = self._transaction(req, doc)
        back = self._view_url(doc.id) + "#payments"
        try:
            with follow_ups.noted() as failed:  # committed, but what followed failed: reversed all the same
                reversal = self.ctx.service.reverse_received_payment(doc.id, tx.id, reason=req.form.get("reason", ""),
                                                                     actor=actor_of(req))
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            fields = {"transaction": str(tx.id), "reason": req.form.get("reason", "")}
            html = self.pages.render_view(req, doc, dialog=REVERSE, form_error=message, payment_fields=fields)
            return Response.html(html, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        except NotFound:
            raise
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        if not reversal.created:
            return Response.redirect(back, flashes=[("info", _("This payment was reversed before."))])
        money = self.ctx.page_formatter(req, doc).money(tx.amount, tx.currency)
        if tx.method == CREDIT_METHOD:     # an application of the customer's credit: the credit is back
            return Response.redirect(back, flashes=[("success", _(
                "The payment of %(amount)s from the customer's credit has been reversed: the invoice is due as if "
                "it had never been applied, and the credit is back with the customer.", amount=money)),
                *warning_flashes(failed, follow_ups.SAVED)])
        return Response.redirect(back, flashes=[("success", _(
            "The payment of %(amount)s has been reversed: the invoice is due as if it had never been recorded.",
            amount=money)), *warning_flashes(failed, follow_ups.SAVED)])

    def cancel(self, req: Request) -> Response:
        """Cancel an authorization through the provider."""
        return self._act_on_authorization(
            req, "cancel-authorization", self.ctx.service.cancel_authorization, N_("The authorization of %(amount)s has been canceled."),
            N_("The authorization of %(amount)s was not canceled: %(reason)s."), N_("declined"))

    def reauthorize(self, req: Request) -> Response:
        """Renew an authorization through the provider before it expires."""
        return self._act_on_authorization(
            req, "reauthorize", self.ctx.service.reauthorize_authorization,
            N_("The authorization of %(amount)s has been renewed."),
            N_("The authorization of %(amount)s was not renewed: %(reason)s."), N_("declined by the provider"))

    def confirm_unanswered(self, req: Request) -> Response:
        """It Was Made / It Was Not Made: what the provider did with a request whose answer was lost,
        as the admin checked there; the request is recorded, or what it reserved is released."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        tx = self._transaction(req, doc)
        form = req.form
        back = self._view_url(doc.id) + "#payments"
        outcome = form.get("outcome", "")
        try:
            if outcome not in ("made", "not-made"):
                raise ValidationError([("outcome", _("Choose whether the request was made: It Was Made or It Was "
                                                     "Not Made."))])
            with follow_ups.noted() as failed:  # committed, but what followed failed: confirmed all the same
                confirmed = self.ctx.service.confirm_unanswered_request(
                    tx.id, form.get("attempt", ""), made=outcome == "made", reference=form.get("reference", ""),
                    actor=actor_of(req))
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            fields = {"transaction": str(tx.id), "attempt": form.get("attempt", ""),
                      "reference": form.get("reference", "")}
            html = self.pages.render_view(req, doc, dialog=UNANSWERED, form_error=message, payment_fields=fields)
            return Response.html(html, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        money = self.ctx.page_formatter(req, doc).money(confirmed.amount, confirmed.currency)
        method = self.ctx.payment_method_label(tx.method)
        warned = warning_flashes(failed, follow_ups.SAVED)
        if outcome == "not-made":
            return Response.redirect(back, flashes=[("success", _(
                "Recorded that %(method)s did not make it: the %(amount)s is no longer reserved.", method=method,
                amount=money)), *warned])
        if confirmed.successful:
            return Response.redirect(back, flashes=[("success", _(
                "Recorded as made at %(method)s: %(amount)s.", method=method, amount=money)), *warned])
        return Response.redirect(back, flashes=[("error", _(
            "It was not recorded: %(reason)s.", reason=_clause(_(confirmed.message)))), *warned])

    def _act_on_authorization(self, req: Request, dialog: str, act: Callable[..., ProviderOutcome], done: str,
                              not_done: str, declined: str) -> Response:
        """Cancel or renew (``act``) the authorization the ``dialog``'s form names; a damaged form
        shows the dialog again saying so; else flash how it went."""
        self.pages.check(req, PERMISSION)
        doc = self.pages.load(req, req.path_params.get("invoice_id"))
        tx = self._transaction(req, doc)
        back = self._view_url(doc.id) + "#payments"
        try:
            with follow_ups.noted() as failed:  # committed, but what followed failed: done all the same
                outcome = act(tx.id, notes=req.form.get("notes", ""), actor=actor_of(req),
                              request_key=guard.form_key(req))
        except ValidationError as exc:
            status, message = guard.friendly(exc)
            fields = {"transaction": str(tx.id), "notes": req.form.get("notes", "")}
            html = self.pages.render_view(req, doc, dialog=dialog, form_error=message, payment_fields=fields)
            return Response.html(html, status=status, title=_("Invoice %(number)s", number=doc.display_number))
        except InvoiceError as exc:
            if guard.outage(exc):   # the 503 page, with Retry-After
                raise
            return Response.redirect(back, flashes=[("error", guard.friendly(exc)[1])])
        money = self.ctx.page_formatter(req, doc).money(outcome.amount, outcome.currency)
        if outcome.successful:
            return Response.redirect(back, flashes=[("success", _(done, amount=money)),
                                                    *warning_flashes(failed, follow_ups.SAVED)])
        return Response.redirect(back, flashes=[
            ("error", _(not_done, amount=money, reason=_clause(_(outcome.message or declined)))),
            *warning_flashes(failed, follow_ups.SAVED)])


def _remittance_links(ctx: WebContext, tx: views.TransactionView, invoice_id: int) -> Markup | None:
    """The invoices the payment ``tx`` is a share of, by number, each other one a link to its page."""
    if tx.remittance is None:
        return None
    return Markup(", ").join(
        Markup('<a href="{}">{}</a>').format(ctx.url_for(ENDPOINT_VIEW, invoice_id=other), number)
        if other is not None and other != invoice_id else Markup.escape(number)
        for number, other in tx.remittance.linked)


def _clause(text: str) -> str:
    """A provider's message as the end of a sentence that brings its own full stop."""
    return text.strip().rstrip(".。")


def amount_problems(typed: str, doc: InvoiceDocument, keep_surplus: bool) -> list[tuple[str, str]]:
    """What is wrong with the amount ``typed`` (a plain decimal, or the text as typed) received for
    ``doc`` (``[]``: nothing); over the amount due only without ``keep_surplus``."""
    if not typed:
        return [("amount", _("Enter the amount received."))]
    try:
        amount = parse_decimal(typed, "amount", doc.currency)
    except ValidationError as exc:
        return exc.errors
    if not amount.is_finite():
        return [("amount", _("Enter an amount."))]
    if amount <= 0:
        return [("amount", _("Enter an amount above zero."))]
    if amount >= AMOUNT_LIMIT:      # kept as credit, no amount due bounds it
        return [("amount", Message("%(amount)s is too large: a payment is less than %(limit)s.", amount=quoted(typed),
                                   limit=Number(AMOUNT_LIMIT, format(AMOUNT_LIMIT, ",.0f"))))]
    if round_money(amount, doc.currency) != amount:
        return [("amount", too_many_decimals(doc.currency))]
    over = None if keep_surplus else over_amount_due(amount, doc.amount_due, doc.currency)
    return [("amount", over)] if over is not None else []


def received_day(text: str) -> dt.date | None:
    """The day an ``<input type="date">`` sent (``YYYY-MM-DD``).

    :raises ValidationError: text that is no such day.
    """
    text = text.strip()
    if not text:
        return None
    day = parse_day(text)
    if day is None:
        raise ValidationError([("received_on", _("%(value)s is not a date (use YYYY-MM-DD).",
                                                  value=quoted(text)))])
    return day
