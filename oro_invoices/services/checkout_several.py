"""Paying several invoices at once: one payment through the payment method, shared among them.

A customer user ticks open invoices in Account > Invoices and pays them with one payment (the
storefront's **Pay Selected**). ``SeveralCheckout.availability`` is the rule for a selection:

- each invoice can be paid online now (``Checkout.availability``: posted, payments on, something
  due, the method takes it, no external payment URL);
- they share one currency and one payment scope (organization and website): one method, one
  configuration, one charge;
- the method takes payments of several invoices with this configuration (``pays_several``: it
  charges at once; an authorization could be captured only once for all of them);
- the sum is within what the method takes in one payment;
- at most ``MAX_INVOICES`` invoices.

Each invoice is paid in full: a payment of part is made on the invoice's own payment page.
``start`` records one attempt (its ``invoice_id`` the first invoice) with one *share* per invoice
(``oro_invoice_payment_share``: the invoice and its amount due then) and asks the method for the
payment page of the sum. When the provider reports the charge, ``payment_events`` records one
payment on each invoice, for its share (``record_shares``); a share whose invoice was paid
meanwhile is recorded all the same and its surplus kept as the customer's credit, as for any
payment a provider took. Each share is refunded on its own from its invoice's page.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import Conflict, NotFound, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument, display_number
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import from_minor
from oro_invoices.integration.links import absolute_link
from oro_invoices.integration.payment_methods import PaymentMethod, PaymentRequest, pays_several
from oro_invoices.persistence import activity
from oro_invoices.persistence.models import Invoice, PaymentAttempt, PaymentShare, PaymentTransaction
from oro_invoices.persistence.read_models import surplus_of
from oro_invoices.services.checkout import ORIGINS, PAYABLE, Checkout, StartedPayment, unavailable_message
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payment_records import (
    attempt_view,
    check_request_key,
    find_attempt,
    new_public_id,
    shares_of,
)

#: The most invoices one payment pays.
MAX_INVOICES = 50

# Why a selection cannot be paid together (``SeveralAvailability.reason``; PAYABLE when it can).
NONE_CHOSEN = "none_chosen"
TOO_MANY = "too_many"
NOT_PAYABLE = "not_payable"          # an invoice cannot be paid online now (``problems`` says which, why)
MIXED = "mixed"                      # several currencies, or several payment scopes
ONE_AT_A_TIME = "one_at_a_time"      # the method (with this configuration) pays one invoice at a time
TOO_LARGE = "too_large"              # the sum is more than the method takes in one payment


@dataclass(frozen=True)
class ShareView:
    """One invoice's part of a payment of several: what it pays, and its payment once recorded."""

    invoice_id: int
    amount: Decimal
    currency: str
    transaction_id: int | None
    #: the invoice's number (as ``InvoiceDocument.display_number``)
    number: str = ""
    #: what of the recorded payment was over what the invoice still owed, kept as credit
    surplus: Decimal = Decimal(0)


@dataclass(frozen=True)
class SeveralAvailability:
    """Whether a selection of invoices can be paid with one payment; true when it can.

    ``invoices`` and ``amounts`` (each one's amount due, minor units) are in the order chosen;
    ``problems`` names each invoice that cannot be paid online now, with why; ``message`` says
    why the selection cannot be paid (empty when it can)."""

    reason: str
    invoices: tuple[InvoiceDocument, ...] = ()
    amounts: tuple[int, ...] = ()
    currency: str = ""
    method: PaymentMethod | None = None
    problems: tuple[tuple[InvoiceDocument, str], ...] = ()
    message: str = ""

    def __bool__(self) -> bool:
        return self.reason == PAYABLE

    @property
    def total(self) -> int:
        """What the payment takes: the sum of the amounts due (minor units)."""
        return sum(self.amounts)

    @property
    def total_amount(self) -> Decimal:
        return from_minor(self.total, self.currency) if self.currency else Decimal(0)

    def amount_of(self, index: int) -> Decimal:
        return from_minor(self.amounts[index], self.currency)


class SeveralCheckout:
    """The rule for paying a selection of invoices together, and starting that payment."""

    def __init__(self, ctx: ServiceContext, checkout: Checkout):
        self.ctx = ctx
        self.checkout = checkout

    def offered(self, organization_id: int, website_id: int | None) -> bool:
        """Whether the payment method of this scope takes payments of several invoices (the
        storefront then lets the customer tick invoices to pay together)."""
        policy = self.checkout.policy(organization_id, website_id)
        return policy.method is not None and pays_several(policy.method, policy.config)

    def documents(self, invoice_ids: Sequence[int]) -> list[InvoiceDocument]:
        """The invoices ``invoice_ids`` (each once, in the order given); ``NotFound`` names one
        that does not exist."""
        ids = list(dict.fromkeys(invoice_ids))
        with self.ctx.db.session() as s:
            docs = {doc.id: doc for doc in self.ctx.read_many(s, ids)}
        missing = [i for i in ids if i not in docs]
        if missing:
            raise NotFound(Message("Invoice %(id)s does not exist.", id=missing[0]))
        return [docs[i] for i in ids]

    def availability(self, docs: Sequence[InvoiceDocument]) -> SeveralAvailability:
        """Whether ``docs`` can be paid together now (the rule in the module's docstring)."""
        docs = tuple({doc.id: doc for doc in docs}.values())
        if not docs:
            return SeveralAvailability(NONE_CHOSEN, message=Message("Choose the invoices to pay."))
        if len(docs) > MAX_INVOICES:
            return SeveralAvailability(TOO_MANY, docs, message=Message(
                "One payment pays at most %(count)s invoices; %(chosen)s were chosen.",
                count=MAX_INVOICES, chosen=len(docs)))
        found = self.checkout.availabilities(docs)
        problems = tuple((doc, unavailable_message(doc, found[doc.id])) for doc in docs
                         if not found[doc.id].online)
        if problems:
            return SeveralAvailability(NOT_PAYABLE, docs, problems=problems, message=Message(
                "Some of the chosen invoices cannot be paid online now."))
        currencies = {doc.currency for doc in docs}
        if len(currencies) > 1:
            return SeveralAvailability(MIXED, docs, message=Message(
                "Invoices in different currencies (%(currencies)s) are paid separately.",
                currencies=", ".join(sorted(currencies))))
        if len({(doc.organization_id, doc.website_id) for doc in docs}) > 1:
            return SeveralAvailability(MIXED, docs, message=Message(
                "These invoices are paid separately: they are paid on different websites."))
        currency = docs[0].currency
        amounts = tuple(found[doc.id].amount_due for doc in docs)
        method = found[docs[0].id].method
        policy = self.checkout.policy(docs[0].organization_id, docs[0].website_id)
        if method is None or len(docs) > 1 and not pays_several(method, policy.config):
            return SeveralAvailability(ONE_AT_A_TIME, docs, amounts, currency, method, message=Message(
                "%(method)s takes one invoice at a time here: please pay each invoice on its own.",
                method=method.label if method is not None else ""))
        limits = method.limits(currency, policy.config)
        if limits is None or sum(amounts) > limits.maximum:
            most = from_minor(limits.maximum, currency) if limits is not None else Decimal(0)
            return SeveralAvailability(TOO_LARGE, docs, amounts, currency, method, message=Message(
                "Together these invoices come to %(total)s, more than %(method)s takes in one payment "
                "(%(most)s): pay fewer at once.", total=Amount(from_minor(sum(amounts), currency), currency),
                method=method.label, most=Amount(most, currency)))
        return SeveralAvailability(PAYABLE, docs, amounts, currency, method)

    def start(self, invoice_ids: Sequence[int], *, actor: str, origin: str, return_path: str,
              cancel_path: str, total: object = None, request_key: str | None = None,
              payer_email: str = "") -> StartedPayment:
        """Record one payment attempt for the invoices ``invoice_ids`` (each paid in full) and ask
        the method what the payment page shows.

        :param total: the sum the customer saw (a decimal string), checked against the amounts due
            now: when one changed meanwhile, ``Conflict`` asks them to look again.
        :param request_key: the form's key: the same form sent again returns the attempt it started.
        :param payer_email: who pays (the signed-in customer user): the provider is told their
            address, never that of a colleague whose invoice is among those paid; an invoice of
            theirs goes first, so that the provider's customer is theirs.
        :raises Conflict: the selection cannot be paid together (``SeveralAvailability.message``).
        """
        if origin not in ORIGINS:
            raise ValidationError([("origin", Message("Must be one of %(choices)s.", choices=", ".join(ORIGINS)))])
        key = check_request_key(request_key)
        ended = self._ended(key, invoice_ids) if key is not None else None
        if ended is not None:       # this form's payment ended already: its result, not a refusal
            return ended
        available = self.availability(self.documents(invoice_ids))
        if not available or available.method is None:
            raise Conflict(available.message)
        if total is not None and _decimal(total) != available.total_amount:
            raise Conflict(Message("What is due on these invoices changed meanwhile: it is now %(total)s. "
                                   "Check the amounts and pay again.",
                                   total=Amount(available.total_amount, available.currency)))
        method = available.method
        available = _payer_first(available, payer_email)
        docs, currency = available.invoices, available.currency
        lead = docs[0]
        policy = self.checkout.policy(lead.organization_id, lead.website_id)
        with self.ctx.translate_errors(), self.ctx.write() as s:
            for doc in sorted(docs, key=lambda d: d.id):   # always in one order: no deadlock
                self.ctx.load(s, doc.id, lock=True)
            row = self._earlier(s, lead.id, key, available)
            if row is None:
                row = self._record(s, available, origin=origin, actor=actor, key=key)
            view = attempt_view(row)
        if view.finished:
            return StartedPayment(view, None, method.label)
        request = PaymentRequest(
            attempt_id=view.public_id, invoice=lead, amount=available.total, currency=currency,
            description=description(docs), return_url=absolute_link(policy.base_url, return_path),
            cancel_url=absolute_link(policy.base_url, cancel_path),
            customer_email=payer_email or lead.customer_user_email, timestamp=self.ctx.clock(),
            config=policy.config, invoices=docs)
        return StartedPayment(view, self.checkout.hand_over(method, request, actor=actor), method.label)

    def _ended(self, key: str, invoice_ids: Sequence[int]) -> StartedPayment | None:
        """The payment this form (``key``) started for exactly these invoices, once it ended."""
        ids = set(invoice_ids)
        with self.ctx.db.session() as s:
            for row in s.execute(select(PaymentAttempt).where(
                    PaymentAttempt.request_key == key, PaymentAttempt.invoice_id.in_(ids),
                    PaymentAttempt.status != "started")).scalars():
                if {share.invoice_id for share in shares_of(s, row)} == ids:
                    return StartedPayment(attempt_view(row), None, self.checkout.methods.label(row.method))
        return None

    @staticmethod
    def _earlier(s: Session, lead_id: int, key: str | None, available: SeveralAvailability) -> PaymentAttempt | None:
        """The attempt this form started before (None: none); ``Conflict`` when it paid other invoices."""
        if key is None:
            return None
        row = s.execute(select(PaymentAttempt).where(
            PaymentAttempt.invoice_id == lead_id, PaymentAttempt.request_key == key)).scalar_one_or_none()
        if row is None:
            return None
        paid = [(share.invoice_id, share.amount) for share in shares_of(s, row)]
        if paid != [(doc.id, amount) for doc, amount in zip(available.invoices, available.amounts, strict=True)]:
            raise Conflict(Message("This payment form was already sent for other invoices or amounts. Reload "
                                   "the page and try again."))
        return row

    def _record(self, s: Session, available: SeveralAvailability, *, origin: str, actor: str,
                key: str | None) -> PaymentAttempt:
        """The attempt and its shares, each invoice's activity saying what was started."""
        method, currency = available.method, available.currency
        assert method is not None
        now = self.ctx.clock()
        row = PaymentAttempt(
            public_id=new_public_id(), invoice_id=available.invoices[0].id, kind="payment", method=method.name,
            amount=available.total, currency=currency, status="started", origin=origin, request_key=key,
            message="", actor=actor, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        total = Amount(available.total_amount, currency)
        numbers = ", ".join(doc.display_number for doc in available.invoices)
        for position, (doc, amount) in enumerate(zip(available.invoices, available.amounts, strict=True)):
            s.add(PaymentShare(attempt_id=row.id, invoice_id=doc.id, position=position, amount=amount))
            activity.record(s, doc.id, "payment", actor,
                            Message("Payment of %(amount)s started via %(method)s, in one payment of %(total)s "
                                    "for %(invoices)s", amount=Amount(from_minor(amount, currency), currency),
                                    method=method.label, total=total, invoices=numbers),
                            {"attempt": row.public_id, "origin": origin})
        s.flush()
        return row

    def shares(self, public_id: str) -> tuple[ShareView, ...]:
        """The shares of the payment attempt ``public_id`` in their order (empty for a payment of one
        invoice); ``NotFound`` when there is no such attempt."""
        with self.ctx.db.session() as s:
            row = find_attempt(s, public_id)
            if row is None:
                raise NotFound(Message("That payment does not exist."))
            rows = s.execute(
                select(PaymentShare, Invoice.invoice_number, PaymentTransaction)
                .join(Invoice, Invoice.id == PaymentShare.invoice_id)
                .outerjoin(PaymentTransaction, PaymentTransaction.id == PaymentShare.transaction_id)
                .where(PaymentShare.attempt_id == row.id).order_by(PaymentShare.position)).all()
            return tuple(ShareView(share.invoice_id, from_minor(share.amount, row.currency), row.currency,
                                   share.transaction_id, display_number(number, share.invoice_id),
                                   from_minor(surplus_of(tx.action, tx.data, tx.currency), tx.currency)
                                   if tx is not None and tx.successful else Decimal(0))
                         for share, number, tx in rows)


#: The longest description a payment of several invoices gives its provider.
DESCRIPTION_MAX = 255


def description(docs: Sequence[InvoiceDocument]) -> str:
    """What the provider shows of a payment of several invoices: "Invoices INV-1, INV-2", whole
    numbers only: "Invoices INV-1, INV-2 and 48 more" when all would not fit."""
    numbers = [doc.display_number for doc in docs]
    for shown in range(len(numbers), 0, -1):
        text = "Invoices " + ", ".join(numbers[:shown])
        if shown < len(numbers):
            text += f" and {len(numbers) - shown} more"
        if len(text) <= DESCRIPTION_MAX:
            return text
    return f"{len(numbers)} invoices"


def _decimal(value: object) -> Decimal | None:
    """``value`` as a decimal (None when it is none: a damaged form, which never matches a total)."""
    try:
        found = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return found if found.is_finite() else None


def _payer_first(available: SeveralAvailability, payer_email: str) -> SeveralAvailability:
    """``available`` with the payer's own invoices first (otherwise in the order chosen)."""
    payer = payer_email.strip().casefold()
    if not payer:
        return available
    order = sorted(range(len(available.invoices)),
                   key=lambda i: available.invoices[i].customer_user_email.strip().casefold() != payer)
    return replace(available, invoices=tuple(available.invoices[i] for i in order),
                   amounts=tuple(available.amounts[i] for i in order))
