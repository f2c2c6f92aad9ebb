"""The payment reminders sent: one row per invoice and schedule step, never two.

A reminder's row is inserted in the same transaction as its message in the email outbox
(``outbox.OutboxEmail``). The unique (invoice, step) pair is what makes a step go out at
most once: a second run, concurrent or after a crash, fails to insert the row and its
message is rolled back with it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    any_,
    bindparam,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from oro_invoices.domain.reminders import describe_step
from oro_invoices.domain.statuses import CLOSED, NOT_PAYABLE
from oro_invoices.persistence.models import NEVER_REUSE_IDS, Base, BigId, Invoice, PaymentState, utcnow
from oro_invoices.persistence.queries import overdue_condition
from oro_invoices.persistence.types import UTCDateTime

TABLE = "oro_invoice_reminder"
#: The payment statuses of invoices still owed (an open due date) that are not paid online, so not
#: reminded: refunded ones (``statuses.is_payable``).
NOT_REMINDED = tuple(sorted(status.value for status in NOT_PAYABLE - CLOSED))


class ReminderRow(Base):
    """One payment reminder queued for an invoice on one step of the schedule."""

    __tablename__ = TABLE
    __table_args__ = (
        UniqueConstraint("invoice_id", "step", name="uq_oro_invoice_reminder_invoice_step"),
        Index("ix_oro_invoice_reminder_email", "email_id"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("oro_invoice_invoice.id", ondelete="CASCADE"))
    #: The step: days relative to the due date (-3 before it, 0 on it, 7 after it).
    step: Mapped[int] = mapped_column(Integer)
    #: The due date the step was counted from.
    due_date: Mapped[dt.date] = mapped_column(Date)
    #: The day the run that queued it judged the schedule on.
    sent_on: Mapped[dt.date] = mapped_column(Date)
    #: The message in the email outbox (``oro_invoice_email.id``).
    email_id: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class ReminderView:
    """A reminder as the invoice view page lists it."""

    id: int
    invoice_id: int
    step: int
    due_date: dt.date
    sent_on: dt.date
    email_id: int
    actor: str
    created_at: dt.datetime

    @property
    def label(self) -> str:
        """The step as it reads: "7 days overdue", "due in 3 days", "due today"."""
        return describe_step(self.step)


def view(row: ReminderRow) -> ReminderView:
    return ReminderView(id=row.id, invoice_id=row.invoice_id, step=row.step, due_date=row.due_date,
                        sent_on=row.sent_on, email_id=row.email_id, actor=row.actor,
                        created_at=row.created_at)


def is_duplicate(exc: IntegrityError) -> bool:
    """Whether ``exc`` is the refusal of a second row for the same invoice and step."""
    text = str(exc.orig)
    return "uq_oro_invoice_reminder_invoice_step" in text or (
        "oro_invoice_reminder.invoice_id" in text and "oro_invoice_reminder.step" in text)


def sent_steps(session: Session, invoice_ids: Iterable[int]) -> dict[int, set[int]]:
    """The steps already sent to each of ``invoice_ids`` (invoices without any are left out)."""
    ids = list(invoice_ids)
    found: dict[int, set[int]] = {}
    if not ids:
        return found
    if session.get_bind().dialect.name == "postgresql":
        # one array parameter: psycopg parses a statement with a thousand placeholders again
        # on every call (it keeps only short ones)
        among = ReminderRow.invoice_id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    else:
        among = ReminderRow.invoice_id.in_(ids)
    rows = session.execute(select(ReminderRow.invoice_id, ReminderRow.step).where(among))
    for invoice_id, step in rows:
        found.setdefault(invoice_id, set()).add(step)
    return found


@dataclass(frozen=True)
class Candidate:
    """An invoice that can be paid online and is due on or before the day a run looks up to."""

    invoice_id: int
    organization_id: int
    website_id: int | None
    due_date: dt.date
    #: The invoice's customer (whose own setting may switch reminders off: an opt-out).
    customer_id: int | None = None


def candidates(session: Session, due_by: dt.date, *, after_id: int = 0, after_due_date: dt.date | None = None,
               limit: int = 1000, organization_id: int | None = None,
               finished_from: int | None = None) -> list[Candidate]:
    """The next ``limit`` invoices still owed, payable online and due on or before ``due_by``;
    with ``finished_from``, only those not yet sent that step or a later one (each state's
    latest step is looked up in the reminders' (invoice, step) index).

    They are read from the payment states' open due dates (``open_due.py``: the due date while
    an invoice is owed), leaving out those a reminder cannot ask to pay (``statuses.is_payable``):
    the refunded ones (``NOT_REMINDED``) and those whose amount due authorizations hold in full
    (``held_in_full``, as the Overdue filter does). Both are tested in what each batch reads
    anyway: the state's row, or the organization's index, which holds the payment status and
    ``held_in_full``. Each batch starts from where the last one ended, so that a run over all
    batches reads each state once, however many there are:

    - all organizations: by id, along the states' primary key, after ``after_id``. The
      due-date and organization indexes are kept out, since a batch from them would be sorted
      by id again each time;
    - one organization: by due date and id, along its (organization, open due date, invoice)
      index, after (``after_due_date``, ``after_id``): only that organization's states are read.
    """
    website = select(Invoice.website_id).where(Invoice.id == PaymentState.invoice_id).scalar_subquery()
    # the invoice's, as its website is: the state's copy is not in the organization's index
    customer = select(Invoice.customer_id).where(Invoice.id == PaymentState.invoice_id).scalar_subquery()
    stmt = select(PaymentState.invoice_id, PaymentState.organization_id, website, PaymentState.open_due_date,
                  customer) \
        .where(PaymentState.payment_status.not_in(NOT_REMINDED))
    if organization_id is None:
        # due before the next day: on or before due_by
        stmt = stmt.where(PaymentState.invoice_id > after_id,
                          overdue_condition(due_by + dt.timedelta(days=1), index_due_date=False)) \
            .order_by(PaymentState.invoice_id)
    else:
        stmt = stmt.where(PaymentState.organization_id == organization_id,
                          overdue_condition(due_by + dt.timedelta(days=1))) \
            .order_by(PaymentState.open_due_date, PaymentState.invoice_id)
        if after_due_date is not None:
            stmt = stmt.where(tuple_(PaymentState.open_due_date, PaymentState.invoice_id)
                              > tuple_(literal(after_due_date, PaymentState.open_due_date.type), literal(after_id)))
    if finished_from is not None:
        # a scalar subquery, not NOT EXISTS: PostgreSQL would make that an anti-join that may
        # hash every reminder for each batch
        latest = select(func.max(ReminderRow.step)).where(ReminderRow.invoice_id == PaymentState.invoice_id) \
            .scalar_subquery()
        stmt = stmt.where(func.coalesce(latest, finished_from - 1) < finished_from)
    return [Candidate(*row) for row in session.execute(stmt.limit(limit))]


def for_invoice(session: Session, invoice_id: int) -> list[ReminderView]:
    """The invoice's reminders, earliest step first."""
    rows = session.execute(select(ReminderRow).where(ReminderRow.invoice_id == invoice_id)
                           .order_by(ReminderRow.step)).scalars()
    return [view(row) for row in rows]
