"""One payment received for several invoices: a customer's bank transfer (or check) that
settles a list of invoices, recorded from the invoices an admin ticked on the grid
(**Record Payment**).

``plan`` reads the ticked invoices within the admin's organization and says which can take a
share of the payment: posted invoices still owed (``statuses.is_owed``), in the
payment's currency (the first such invoice's), oldest due date first. Each share is the
invoice's amount due; given the amount received, ``plan`` spreads it over them, oldest first
instead, and says what remains beyond their amount due: unrecorded, unless ``record`` is asked to
keep it as the customer's credit (``surplus``; the invoices are then one customer's).

``record`` checks every share and the shared fields before it writes anything, then records one
payment by hand per invoice (``ManualPayments.record``: its status, event and receipt as for
one), all received the same day by the same method under the same reference, each naming the
remittance it belongs to (the amount received and the invoices' numbers). The form's one-time
key with the invoice's id is each payment's key, so sending the form again records nothing
more; a submission cut short is completed by sending it again, the remittance then naming the
whole transfer (what was recorded before and what is recorded now). An invoice paid by someone else between the check and its turn is not recorded and says
why; the others are.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain import statuses as pstatus
from oro_invoices.domain.errors import InvoiceError, NotFound, ValidationError
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.messages import Amount, Message
from oro_invoices.domain.money import AMOUNT_LIMIT, parse_decimal, quantum, round_money, too_many_decimals
from oro_invoices.persistence.read_models import RemittanceView, TransactionView
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.payment_records import check_request_key
from oro_invoices.services.selected_invoices import check_selection

#: What became (or becomes) of one invoice's share.
RECORDED, ALREADY_RECORDED, NOT_RECORDED, SKIPPED = "recorded", "already_recorded", "not_recorded", "skipped"
#: The longest form key: with ``-<invoice id>`` each share's key stays a payment request key.
KEY_MAX = 48


@dataclass(frozen=True)
class Share:
    """One ticked invoice and its share of the payment.

    :param amount: the share planned or recorded (zero: none).
    :param outcome: ``plan``: "" for an invoice that takes a share, ``NOT_RECORDED`` for one that
        cannot (``problem`` says why); ``record``: one of the outcomes above.
    """

    invoice_id: int
    invoice: InvoiceDocument | None = None
    amount: Decimal = Decimal(0)
    outcome: str = ""
    problem: Message | None = None
    error: InvoiceError | None = None
    transaction: TransactionView | None = None

    @property
    def field(self) -> str:
        """The form field of this share's amount."""
        return f"amount-{self.invoice_id}"


@dataclass(frozen=True)
class Remittance:
    """The shares of one payment, in the order they are paid (oldest due first, then those
    that take none)."""

    currency: str
    shares: list[Share] = field(default_factory=list)
    #: The amount received that ``plan`` spread, when given; what remained beyond the amount due.
    received: Decimal | None = None
    unallocated: Decimal = Decimal(0)

    @property
    def takers(self) -> list[Share]:
        """``plan``: the shares of the invoices that can take part of the payment."""
        return [s for s in self.shares if not s.outcome]

    @property
    def total(self) -> Decimal:
        """The sum of the shares planned, or recorded."""
        return sum((s.amount for s in self.shares if s.outcome in ("", RECORDED, ALREADY_RECORDED)), Decimal(0))


def share_problem(doc: InvoiceDocument, currency: str) -> Message | None:
    """Why ``doc`` takes no share of a payment in ``currency`` (None: it takes one)."""
    if not doc.is_posted:
        return Message("It is a draft: post it first.")
    if doc.is_credit_note:
        return Message("It is a credit note: nothing is paid on it.")
    if not pstatus.is_owed(doc.payment_status, doc.amount_due):
        return Message("It has nothing to pay.")
    if doc.currency != currency:
        return Message("It is in %(currency)s, this payment in %(payment)s: record it apart.",
                       currency=doc.currency, payment=currency)
    return None


def _due_order(doc: InvoiceDocument) -> tuple[dt.date, str, int]:
    return (doc.due_date or doc.invoice_date or dt.date.max, doc.invoice_number or "", doc.id)


def check_received(received: Decimal, currency: str) -> None:
    """That ``received`` can be an amount of ``currency``: below ``AMOUNT_LIMIT`` and with no more
    decimals than the currency has (a share is never rounded from it).

    :raises ValidationError: on ``received``, saying which.
    """
    if abs(received) >= AMOUNT_LIMIT:
        raise ValidationError([("received", Message("%(amount)s is too large: a payment is less than %(limit)s.",
                                                    amount=str(received)[:40], limit=format(AMOUNT_LIMIT, ",.0f")))])
    if currency and round_money(received, currency) != received:
        raise ValidationError([("received", too_many_decimals(currency))])


def plan(invoices: InvoiceService, ids: Sequence[int], *, organization_id: int | None,
         received: Decimal | None = None) -> Remittance:
    """The shares of a payment for ``ids`` (nothing is written): each payable invoice's amount
    due, or ``received`` spread over them oldest due first.

    :raises ValueError: nothing selected, or too many (``selected_invoices.check_selection``).
    :raises ValidationError: a ``received`` that is no amount of their currency (``check_received``).
    """
    found: list[InvoiceDocument] = []
    missing: list[Share] = []
    for invoice_id in check_selection(ids):
        try:
            doc = invoices.get(invoice_id)
        except NotFound:
            doc = None
        if doc is None or (organization_id is not None and doc.organization_id != organization_id):
            missing.append(Share(invoice_id, outcome=NOT_RECORDED,
                                 problem=Message("Invoice %(id)s does not exist.", id=invoice_id)))
        else:
            found.append(doc)
    first = next((d for d in found if share_problem(d, d.currency) is None), None)
    currency = first.currency if first is not None else (found[0].currency if found else "")
    takers, others = [], []
    for doc in sorted(found, key=_due_order):
        problem = share_problem(doc, currency)
        if problem is None:
            takers.append(Share(doc.id, doc, doc.amount_due))
        else:
            others.append(Share(doc.id, doc, outcome=NOT_RECORDED, problem=problem))
    unallocated = Decimal(0)
    if received is not None:
        check_received(received, currency)
        left = received
        spread = []
        for share in takers:
            part = min(left, share.amount)
            spread.append(replace(share, amount=part))
            left -= part
        takers, unallocated = spread, left
    return Remittance(currency, takers + others + missing, received, unallocated)


def record(invoices: InvoiceService, ids: Sequence[int], amounts: Mapping[int, Decimal | str | None], *,
           organization_id: int | None, method: str, received_on: dt.date | None, reference: str = "",
           notes: str = "", actor: str, request_key: str, strict: bool = False,
           receipts: bool = True, surplus: Decimal | str | None = None) -> Remittance:
    """Record ``amounts`` (by invoice id, a decimal or its text; None, "" or zero: no share) as
    one payment received for ``ids``: one payment by hand per invoice with a share; what became
    of each.

    :param strict: an invoice that cannot take a share (``plan``'s problem) but was given an
        amount is an error under its field, rather than left out (what the API asks); its
        messages speak of the body, not of the form's fields.
    :param receipts: True: where receipts are on, the customer is emailed one receipt for the
        shares recorded now (``PaymentReceipts.send_together``); False: none, as for every payment
        recorded over the API.
    :param surplus: what was received beyond the shares, kept as the customer's credit
        (``services.customer_credit``): recorded with the last share that pays its invoice's whole
        amount due; the invoices must be one customer's.
    :raises ValidationError: a shared field, or a share that is no amount the invoice can take
        (its field is ``amount-<id>``); nothing is written then.
    """
    key = check_request_key(request_key) if request_key else None
    planned = plan(invoices, ids, organization_id=organization_id)
    if key is not None and len(key) <= KEY_MAX:
        planned = _recorded_before(invoices, planned, key)
    reference, notes = reference.strip(), notes.strip()
    errors = invoices.received_payment_problems(method=method, received_on=received_on, reference=reference,
                                                notes=notes, scope=ScopeContext(organization_id=organization_id))
    if key is None or len(key) > KEY_MAX:
        errors.append(("request_key", Message("The payment form is damaged; open Record Payment again.")))
    shares: list[Share] = []
    for share in planned.shares:
        if share.outcome == NOT_RECORDED and strict and share.problem is not None:
            errors.append((share.field, share.problem))
        if share.outcome:
            shares.append(share)
            continue
        try:
            amount = _amount(amounts.get(share.invoice_id), share.field, planned.currency)
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        if amount is None or amount == 0:
            shares.append(replace(share, amount=Decimal(0), outcome=SKIPPED))
        elif amount < 0:     # the API's words for its body (which has no empty field), or the form's
            errors.append((share.field, Message("An amount above zero.") if strict
                           else Message("Enter an amount above zero, or leave it empty.")))
        elif round_money(amount, planned.currency) != amount:
            errors.append((share.field, too_many_decimals(planned.currency)))
        elif amount > share.amount:
            errors.append((share.field, Message("At most the amount due, %(amount)s.",
                                                amount=Amount(share.amount, planned.currency))))
        else:
            shares.append(replace(share, amount=amount.quantize(quantum(planned.currency))))
    taking = [s for s in shares if not s.outcome]
    if not taking and not any(s.outcome == ALREADY_RECORDED for s in shares) \
            and not any(f.startswith("amount-") for f, _ in errors):
        errors.append(("amount", Message("Enter the amount received for at least one invoice.")))
    extra, carrier = _surplus(surplus, taking, planned.currency, errors)
    if errors or received_on is None or key is None:
        raise ValidationError(errors)
    # the whole transfer: what this form recorded before (a submission cut short) and what it records now
    whole = [s for s in shares if not s.outcome or s.outcome == ALREADY_RECORDED]
    remittance = RemittanceView(sum((s.amount for s in whole), extra),
                                tuple(s.invoice.invoice_number or str(s.invoice_id) for s in whole if s.invoice),
                                tuple(s.invoice_id for s in whole if s.invoice))
    together = receipts and len(taking) > 1       # one receipt for the whole payment, once all are recorded
    done = []
    for share in shares:
        if share.outcome:
            done.append(share)
            continue
        try:
            carries = carrier is not None and share.invoice_id == carrier.invoice_id
            recorded = invoices.record_received_payment(
                share.invoice_id, amount=share.amount + extra if carries else share.amount, method=method,
                received_on=received_on, reference=reference, notes=notes, actor=actor,
                request_key=f"{key}-{share.invoice_id}", remittance=remittance, receipt=receipts and not together,
                keep_surplus=carries)
        except InvoiceError as exc:   # paid, or changed, since the form was opened
            done.append(replace(share, outcome=NOT_RECORDED, error=exc))
            continue
        done.append(replace(share, invoice=invoices.get(share.invoice_id),
                            outcome=RECORDED if recorded.created else ALREADY_RECORDED,
                            transaction=recorded.transaction))
    if together:
        invoices.receipt_for_shares([s.transaction.id for s in done if s.outcome == RECORDED and s.transaction])
    return Remittance(planned.currency, done)


def _surplus(given: Decimal | str | None, taking: list[Share], currency: str,
             errors: list[tuple[str, str]]) -> tuple[Decimal, Share | None]:
    """The surplus to keep as credit and the share that carries it: the last (latest due) to pay
    its invoice's whole amount due; ``(0, None)`` for none, with what is wrong added to ``errors``."""
    try:
        amount = _amount(given, "surplus", currency)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return Decimal(0), None
    if not amount:
        return Decimal(0), None
    if amount < 0 or amount >= AMOUNT_LIMIT:
        errors.append(("surplus", Message("An amount above zero.")))
        return Decimal(0), None
    if round_money(amount, currency) != amount:
        errors.append(("surplus", too_many_decimals(currency)))
        return Decimal(0), None
    customers = {s.invoice.customer_id for s in taking if s.invoice is not None}
    if len(customers) != 1 or None in customers:
        errors.append(("surplus", Message("What is over the invoices' amount due is kept as one customer's credit: "
                                          "choose invoices of one customer.")))
        return Decimal(0), None
    whole = [s for s in taking if s.invoice is not None and s.amount == s.invoice.amount_due]
    if not whole:
        errors.append(("surplus", Message("Keep what is over the amount due only when the shares pay their "
                                          "invoices' whole amount due.")))
        return Decimal(0), None
    return amount.quantize(quantum(currency)), whole[-1]


def _amount(given: Decimal | str | None, field: str, currency: str) -> Decimal | None:
    """A share's amount in ``currency`` (None: none given).

    :raises ValidationError: text that is no decimal number.
    """
    if isinstance(given, str):
        given = given.strip()
        if not given:
            return None
        amount = parse_decimal(given, field, currency)
        if not amount.is_finite():
            raise ValidationError([(field, Message("Enter an amount."))])
        return amount
    return given


def _recorded_before(invoices: InvoiceService, planned: Remittance, key: str) -> Remittance:
    """``planned`` with the shares this form (``key``) recorded before marked ``ALREADY_RECORDED``
    (sent again: a reload, Back, a double click); the rest are recorded as if for the first time."""
    shares = []
    for share in planned.shares:
        earlier = invoices.received_payment(share.invoice_id, f"{key}-{share.invoice_id}") \
            if share.invoice is not None else None
        shares.append(share if earlier is None else replace(
            share, amount=earlier.amount, outcome=ALREADY_RECORDED, problem=None, transaction=earlier))
    # in the order of the first time: the invoices with a share, oldest due first, then the others
    shares.sort(key=lambda s: (s.invoice is None, s.outcome not in ("", ALREADY_RECORDED),
                               _due_order(s.invoice) if s.invoice is not None else (dt.date.max, "", 0)))
    return replace(planned, shares=shares)
