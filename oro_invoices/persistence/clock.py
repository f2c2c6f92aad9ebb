"""The clock a database's records are stamped with.

A ``Database`` keeps the services' clock (``Database.clock``, set by the ``ServiceContext``), so
every time it records (activity entries, the ``created_at``/``updated_at`` a row gets when the
code writing it gives none) is the time the services judge by, not the machine's: a note and its
"Note added" entry show the same time even with a host's own clock.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from oro_invoices.persistence.types import UTCDateTime

Clock = Callable[[], dt.datetime]

#: The key of ``Session.info`` holding the clock of the session's database.
CLOCK = "oro_invoices_clock"

#: The columns a new row gets the clock's time in when none is given.
STAMPED = ("created_at", "updated_at", "received_at")


def machine_now() -> dt.datetime:
    """The machine's current UTC time (the clock of a database no service has set one on)."""
    return dt.datetime.now(dt.UTC)


def session_now(session: Session) -> dt.datetime:
    """The current time by the clock of ``session``'s database (the machine's without one)."""
    clock: Clock = session.info.get(CLOCK, machine_now)
    return clock()


def stamp_new_rows(session: Session, _context: Any, _instances: Iterable[Any] | None) -> None:
    """Before a flush: give each new row's unset timestamp columns (``STAMPED``) the session's
    clock time, one time for the whole flush."""
    now: dt.datetime | None = None
    for row in session.new:
        columns = inspect(type(row)).columns
        for name in STAMPED:
            column = columns.get(name)
            if column is None or not isinstance(column.type, UTCDateTime) or getattr(row, name) is not None:
                continue
            now = now or session_now(session)
            setattr(row, name, now)
