"""Days for tests whose data is dated back from today, as the seeded shop's invoices are
(``oro_invoices.hosts.reference.seed``): a test names a day relative to today or to the
invoice it is about, so it tests the same on whichever day it runs."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterator


def today() -> dt.date:
    """Today as the add-on judges it: the UTC date."""
    return dt.datetime.now(dt.UTC).date()


def days_ago(days: int) -> dt.date:
    """The day ``days`` before today (UTC)."""
    return today() - dt.timedelta(days=days)


def after_seeded_invoices() -> dt.date:
    """A past day after every invoice the seed posts, and on which none was paid: a payment of
    any of them may have been received then."""
    return days_ago(5)


def day_after(as_of: str, days: int) -> str:
    """The ISO day ``days`` after the ISO day ``as_of`` (before it when negative)."""
    return (dt.date.fromisoformat(as_of) + dt.timedelta(days=days)).isoformat()


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    first_of_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first_of_next - dt.timedelta(days=1)


def last_month_end() -> dt.date:
    """The last day of the month before today's (a past month-end, as reports are run for)."""
    return today().replace(day=1) - dt.timedelta(days=1)


def shown(day: dt.date) -> str:
    """``day`` as the English pages, PDFs and emails write it: ``Nov 20, 2026``."""
    return f"{day:%b} {day.day}, {day.year}"


@contextlib.contextmanager
def local_date_not_utc() -> Iterator[dt.date]:
    """The process's timezone (``TZ``) set so that the machine's local date is not the UTC date,
    until the block ends (then restored); yields that local date. Code taking the local date
    (``date.today()``, a naive ``datetime.now()``) is then a day off the add-on's."""
    # POSIX zones: "LOC-14" is 14 hours ahead of UTC, "LOC+12" 12 behind; at any UTC hour one
    # of them is on another date
    zone = "LOC-14" if dt.datetime.now(dt.UTC).hour >= 10 else "LOC+12"
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        local = dt.date.today()
        assert local != today(), f"TZ={zone} is on the UTC date"
        yield local
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
