"""Payment attempts as the services read them: the view, the public id, lookups."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import ValidationError
from oro_invoices.domain.limits import hidden_character, identifier_problem
from oro_invoices.domain.messages import Message
from oro_invoices.domain.money import from_minor, to_minor
from oro_invoices.integration.payment_methods import AttemptRecord
from oro_invoices.persistence.models import PaymentAttempt, PaymentShare, PaymentState, PaymentTransaction
from oro_invoices.persistence.read_models import ATTEMPT_KEY, REFERENCE_KEY
from oro_invoices.services.schemas import ShownText

#: A payment form's request key: what makes a resubmitted form return the attempt it started.
REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
#: A refund, capture, cancellation or re-authorization on its way to its provider holds its amount
#: this long (a process that died before the provider answered leaves it started).
PENDING_HOLD = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class AttemptView:
    """A payment (or refund, or cancellation) the add-on asked a provider for."""

    public_id: str
    invoice_id: int
    kind: str
    method: str
    amount: Decimal
    currency: str
    status: str  # started, succeeded, failed
    origin: str  # storefront, guest, backoffice
    message: str
    transaction_id: int | None
    created_at: dt.datetime
    #: When the provider reported the payment as processing, while it still is (None: not reported).
    processing_since: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status != "started"

    @property
    def processing(self) -> bool:
        """Whether the provider accepted the payment and its outcome is still to come: it holds its amount."""
        return self.processing_since is not None and not self.finished


def attempt_view(row: PaymentAttempt) -> AttemptView:
    return AttemptView(public_id=row.public_id, invoice_id=row.invoice_id, kind=row.kind,
                       method=row.method, amount=from_minor(row.amount, row.currency),
                       currency=row.currency, status=row.status, origin=row.origin,
                       message=row.message, transaction_id=row.transaction_id,
                       created_at=row.created_at,
                       processing_since=row.processing_since if row.status == "started" else None)


def attempt_record(row: PaymentAttempt) -> AttemptRecord:
    return AttemptRecord(attempt_id=row.public_id, invoice_id=row.invoice_id, kind=row.kind,
                         amount=row.amount, currency=row.currency,
                         provider_reference=row.provider_reference or "")


def new_public_id() -> str:
    """A fresh, unguessable attempt reference (24 characters of ``[A-Za-z0-9_-]``)."""
    return secrets.token_urlsafe(18)


def check_request_key(key: str | None) -> str | None:
    """``key``, or None when there is none.

    :raises ValidationError: a key no form makes (tampered with), said in the page's language
        with the words a form sent without its key is refused with.
    """
    if key is None or key == "":
        return None
    if not REQUEST_KEY.match(key):
        raise ValidationError([("request_key", Message("The payment form is damaged; reload the page and try again."))])
    return key


def find_attempt(s: Session, public_id: str | None, *, lock: bool = False) -> PaymentAttempt | None:
    """The attempt with this public id, or None (also for ids that cannot be one)."""
    if not public_id or not PUBLIC_ID.match(public_id):
        return None
    stmt = select(PaymentAttempt).where(PaymentAttempt.public_id == public_id)
    if lock:
        stmt = stmt.with_for_update()
    return s.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()


def processing_payments(s: Session, invoice_ids: Iterable[int]) -> dict[int, list[AttemptView]]:
    """The payments of each invoice the provider reported as processing and that are still started
    (oldest first); an invoice with none is left out. A payment of several invoices is listed under
    each of them, with the amount of that invoice's share. One statement."""
    ids = list(dict.fromkeys(invoice_ids))
    if not ids:
        return {}
    found: dict[int, list[AttemptView]] = {}
    rows = s.execute(select(PaymentAttempt, PaymentShare)
                     .outerjoin(PaymentShare, PaymentShare.attempt_id == PaymentAttempt.id)
                     .where(PaymentAttempt.kind == "payment", PaymentAttempt.status == "started",
                            PaymentAttempt.processing_since.is_not(None),
                            or_(and_(PaymentShare.id.is_(None), PaymentAttempt.invoice_id.in_(ids)),
                                PaymentShare.invoice_id.in_(ids)))
                     .order_by(PaymentAttempt.id, PaymentShare.position)).all()
    for row, share in rows:
        view = attempt_view(row)
        if share is not None:
            view = replace(view, invoice_id=share.invoice_id, amount=from_minor(share.amount, row.currency))
        found.setdefault(view.invoice_id, []).append(view)
    return found


def refresh_processing(s: Session, invoice_ids: Iterable[int]) -> None:
    """Keep each invoice's ``PaymentState.amount_processing``: what its payments on their way cover
    now (after one was reported processing, or ended)."""
    ids = list(dict.fromkeys(invoice_ids))
    found = processing_payments(s, ids)
    for invoice_id in ids:
        state = s.get(PaymentState, invoice_id)
        if state is not None:
            state.amount_processing = sum(int(to_minor(view.amount, view.currency))
                                          for view in found.get(invoice_id, []))


def refunded_from(s: Session, transaction: PaymentTransaction, action: str) -> int:
    """What successful ``action`` transactions (refunds, captures, cancels, re-authorizations) took
    from ``transaction``."""
    rows = s.execute(select(PaymentTransaction.amount).where(
        PaymentTransaction.parent_id == transaction.id, PaymentTransaction.action == action,
        PaymentTransaction.successful.is_(True))).scalars().all()
    return int(sum(rows))


def awaiting_answer(now: dt.datetime) -> ColumnElement[bool]:
    """The attempts that still hold their amount: started within ``PENDING_HOLD``, or whose
    provider's answer was lost (``unanswered``), until the provider reports them or an admin says
    what the provider did."""
    return and_(PaymentAttempt.status == "started",
                or_(PaymentAttempt.created_at > now - PENDING_HOLD, unanswered()))


def unanswered() -> ColumnElement[bool]:
    """A started attempt whose provider's answer was lost: it carries the message saying so
    (``Refunds._unconfirmed``), where an attempt still on its way has none."""
    return and_(PaymentAttempt.status == "started", PaymentAttempt.message != "")


def pending_against(s: Session, transaction: PaymentTransaction, kind: str, now: dt.datetime) -> int:
    """What ``kind`` attempts against ``transaction`` still wait for their provider's answer."""
    rows = s.execute(select(PaymentAttempt.amount).where(
        PaymentAttempt.parent_transaction_id == transaction.id, PaymentAttempt.kind == kind,
        awaiting_answer(now))).scalars().all()
    return int(sum(rows))


def still_held(s: Session, authorization: PaymentTransaction) -> int:
    """What of ``authorization`` is neither captured, canceled nor moved to a re-authorization."""
    return (authorization.amount - refunded_from(s, authorization, "capture")
            - refunded_from(s, authorization, "cancel") - refunded_from(s, authorization, "authorize"))


#: The longest reference and notes of money received or given back outside the payment methods.
REFERENCE_MAX, NOTES_MAX = 255, 10_000


def reference_problems(reference: str, notes: str) -> list[tuple[str, str]]:
    """What is wrong with the reference and notes (already stripped) of money received or given
    back outside the payment methods (``[]``: nothing)."""
    errors: list[tuple[str, str]] = []
    if len(reference) > REFERENCE_MAX:
        errors.append(("reference", Message("At most %(limit)s characters.", limit=REFERENCE_MAX)))
    elif reference and identifier_problem(reference):
        errors.append(("reference", Message("Must not contain control characters.")))
    if len(notes) > NOTES_MAX:
        errors.append(("notes", Message("At most %(limit)s characters.", limit=NOTES_MAX)))
    errors += notes_problems(notes)
    return errors


def notes_problems(notes: str, field: str = "notes") -> list[tuple[str, str]]:
    """A payment's notes with a control or text-direction character (tabs and line breaks are
    allowed), as a note's text is refused: ``[(field, why)]`` naming the character, or ``[]``."""
    character = hidden_character(notes) if isinstance(notes, str) else None
    return [] if character is None else [(field, Message(ShownText.error, character=character))]


def shares_of(s: Session, attempt: PaymentAttempt) -> list[PaymentShare]:
    """The shares of ``attempt`` in their order (empty for a payment of one invoice)."""
    return list(s.execute(select(PaymentShare).where(PaymentShare.attempt_id == attempt.id)
                          .order_by(PaymentShare.position)).scalars())


def attempt_invoices(s: Session, attempt: PaymentAttempt) -> list[int]:
    """The invoices an attempt is about: each of a payment of several, else its one invoice."""
    return [share.invoice_id for share in shares_of(s, attempt)] or [attempt.invoice_id]


def share_attempt(s: Session, transaction_id: int) -> PaymentAttempt | None:
    """The payment attempt of several invoices whose share was recorded as ``transaction_id``."""
    return s.execute(select(PaymentAttempt).join(PaymentShare, PaymentShare.attempt_id == PaymentAttempt.id)
                     .where(PaymentShare.transaction_id == transaction_id)).scalar_one_or_none()


def taking_attempt(s: Session, tx: PaymentTransaction) -> PaymentAttempt | None:
    """The payment attempt that took ``tx`` at the provider (its reference there): of one invoice,
    or of several of which ``tx`` is one invoice's share. A second approved answer for one attempt
    (two hand-over pages completed) is found through the attempt its transactions name."""
    found = s.execute(select(PaymentAttempt).where(
        PaymentAttempt.transaction_id == tx.id, PaymentAttempt.kind == "payment")).scalar_one_or_none()
    if found is None:
        found = share_attempt(s, tx.id)
    named = (tx.data or {}).get(ATTEMPT_KEY)
    if found is None and tx.action == "charge" and isinstance(named, str) and named:
        found = s.execute(select(PaymentAttempt).where(
            PaymentAttempt.public_id == named, PaymentAttempt.kind == "payment",
            PaymentAttempt.method == tx.method)).scalar_one_or_none()
    return found


def charge_parts(s: Session, first: PaymentTransaction) -> list[PaymentTransaction]:
    """The transactions one charge of several invoices was recorded as, in its shares' order:
    ``first`` (the one with the provider's reference) and each share naming that reference.
    Empty when ``first`` is not a charge of several invoices."""
    attempt = taking_attempt(s, first)
    shares = shares_of(s, attempt) if attempt is not None else []
    if attempt is None or not shares or not first.provider_reference:
        return []
    rows = s.execute(select(PaymentTransaction).where(
        PaymentTransaction.invoice_id.in_([share.invoice_id for share in shares]),
        PaymentTransaction.method == first.method, PaymentTransaction.action == first.action,
        PaymentTransaction.successful.is_(True)).order_by(PaymentTransaction.id)).scalars()
    parts: dict[int, PaymentTransaction] = {}
    for tx in rows:
        data = tx.data or {}
        if tx.id == first.id or (not tx.provider_reference and data.get(ATTEMPT_KEY) == attempt.public_id
                                 and data.get(REFERENCE_KEY) == first.provider_reference):
            parts.setdefault(tx.invoice_id, tx)
    return [parts[share.invoice_id] for share in shares if share.invoice_id in parts]
