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

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from oro_invoices.domain.reminders import describe_step
from oro_invoices.persistence.models import NEVER_REUSE_IDS, Base, BigId, utcnow
from oro_invoices.persistence.types import UTCDateTime

TABLE = "oro_invoice_reminder"


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
    rows = session.execute(select(ReminderRow.invoice_id, ReminderRow.step)
                           .where(ReminderRow.invoice_id.in_(ids)))
    for invoice_id, step in rows:
        found.setdefault(invoice_id, set()).add(step)
    return found


def for_invoice(session: Session, invoice_id: int) -> list[ReminderView]:
    """The invoice's reminders, earliest step first."""
    rows = session.execute(select(ReminderRow).where(ReminderRow.invoice_id == invoice_id)
                           .order_by(ReminderRow.step)).scalars()
    return [view(row) for row in rows]
