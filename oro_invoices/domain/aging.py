"""Receivables aging: how late the money still owed is, in the usual buckets of days past due.

An invoice is in the aging while it is owed (``statuses.is_owed`` of a posted invoice, the
Overdue filter's rule), for its amount due, what open authorizations hold of it too (owed until
the seller captures it). Its bucket is the number of days it is past its due date on ``today``
(``overdue.days_overdue`` of an invoice no authorization holds in full): 0 (not yet due, or due
today) is *Not Yet Due*; then 1–30, 31–60, 61–90 and over 90 days. ``persistence.aging`` states
the same buckets in SQL; a test holds the two to each other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from oro_invoices.domain.messages import N_


@dataclass(frozen=True)
class AgingBucket:
    """One column of the aging: the invoices ``first_day`` to ``last_day`` days overdue
    (``last_day`` None: no upper end)."""

    key: str
    label: str
    first_day: int
    last_day: int | None

    def holds(self, days_overdue: int) -> bool:
        """Whether an invoice ``days_overdue`` days overdue falls in this bucket."""
        return days_overdue >= self.first_day and (self.last_day is None or days_overdue <= self.last_day)

    @property
    def has_earliest(self) -> bool:
        """Whether the due dates it holds have a lower bound (it has a last day)."""
        return self.last_day is not None

    @property
    def has_latest(self) -> bool:
        """Whether they have an upper bound (it holds no invoice that is not overdue)."""
        return self.first_day > 0

    def due_dates(self, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The due dates the bucket holds on ``today``, as (earliest, latest); None: unbounded."""
        earliest = today - dt.timedelta(days=self.last_day) if self.last_day is not None else None
        latest = today - dt.timedelta(days=self.first_day) if self.has_latest else None
        return earliest, latest


#: The buckets, left to right.
BUCKETS: tuple[AgingBucket, ...] = (
    AgingBucket("current", N_("Not Yet Due"), 0, 0),
    AgingBucket("days_1_30", N_("1–30 Days"), 1, 30),
    AgingBucket("days_31_60", N_("31–60 Days"), 31, 60),
    AgingBucket("days_61_90", N_("61–90 Days"), 61, 90),
    AgingBucket("over_90", N_("Over 90 Days"), 91, None),
)
BUCKET_KEYS = tuple(bucket.key for bucket in BUCKETS)


def bucket_of(days_overdue: int) -> AgingBucket:
    """The bucket of an invoice ``days_overdue`` days overdue (0: not overdue)."""
    if days_overdue < 0:
        raise ValueError("days_overdue cannot be negative")
    return next(bucket for bucket in BUCKETS if bucket.holds(days_overdue))
