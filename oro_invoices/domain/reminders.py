"""Payment reminders: the schedule and which of its steps an invoice is owed on a given day.

A schedule is a list of day offsets relative to the due date: ``-3, 0, 7, 14`` reminds three
days before the due date, on it, and one and two weeks after. A step is *due* once its date
(due date + offset) has arrived. A run sends an invoice only its **latest** due step, and
only if neither it nor a later step was sent before: a run that comes late (the job did not
run for a week, reminders were just switched on, the schedule was changed) sends one
reminder, never a burst of every step it missed.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oro_invoices.domain.limits import quoted
from oro_invoices.domain.messages import Message, PluralMessage

#: The earliest and latest offset a step may have, in days relative to the due date.
MIN_OFFSET, MAX_OFFSET = -90, 365
MAX_STEPS = 12
_OFFSET = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII)


def _ascii(text: str) -> str:
    """``text`` with the full-width digits, signs and commas a Japanese input method types (and
    the ideographic comma 、 and the minus sign −) as their ASCII ones."""
    return unicodedata.normalize("NFKC", text).replace("\u3001", ",").replace("\u2212", "-")


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says what is wrong."""


def parse_schedule(text: str) -> tuple[int, ...]:
    """The offsets of a schedule written as ``"-3, 0, 7, 14"``, in ascending order.

    Empty text is an empty schedule (no reminders).

    :raises ScheduleError: a part is not a whole number of days, out of range, repeated,
        or there are too many steps.
    """
    parts = [part.strip() for part in _ascii(text).replace(";", ",").split(",")]
    if parts == [""]:
        return ()
    offsets: list[int] = []
    for part in parts:
        if not part:
            raise ScheduleError(Message("Remove the empty entry between two commas."))
        if not _OFFSET.fullmatch(part):
            raise ScheduleError(Message("%(entry)s is not a whole number of days; write day offsets relative "
                                        "to the due date, such as -3, 0, 7, 14.", entry=quoted(part)))
        offset = int(part)
        if not MIN_OFFSET <= offset <= MAX_OFFSET:
            raise ScheduleError(Message("%(offset)s is out of range: a step must be between %(low)s (days "
                                        "before the due date) and %(high)s (days after it).", offset=offset,
                                        low=MIN_OFFSET, high=MAX_OFFSET))
        if offset in offsets:
            raise ScheduleError(Message("%(offset)s is listed twice; each step may appear once.", offset=offset))
        offsets.append(offset)
    if len(offsets) > MAX_STEPS:
        raise ScheduleError(Message("At most %(limit)s steps; this schedule has %(count)s.", limit=MAX_STEPS,
                                    count=len(offsets)))
    return tuple(sorted(offsets))


def format_schedule(offsets: Iterable[int]) -> str:
    """The canonical text of a schedule (``"-3, 0, 7, 14"``)."""
    return ", ".join(str(offset) for offset in sorted(offsets))


def step_date(due_date: dt.date, offset: int) -> dt.date:
    """The day a step's reminder is due."""
    return due_date + dt.timedelta(days=offset)


def latest_due_step(schedule: Sequence[int], due_date: dt.date, today: dt.date) -> int | None:
    """The latest step whose date has arrived on ``today``, or None before the first."""
    arrived = [offset for offset in schedule if step_date(due_date, offset) <= today]
    return max(arrived) if arrived else None


def step_to_send(schedule: Sequence[int], due_date: dt.date, today: dt.date,
                 sent: Iterable[int]) -> int | None:
    """The step to send an invoice due on ``due_date`` on ``today``, given the steps ``sent``.

    None when no step has arrived yet, or the latest one (or a later one) was already sent.
    """
    step = latest_due_step(schedule, due_date, today)
    if step is None or any(done >= step for done in sent):
        return None
    return step


def describe_step(offset: int) -> Message:
    """How a step reads in the activity and the back-office: "7 days overdue", "due today"."""
    if offset == 0:
        return Message("due today")
    if offset > 0:
        return PluralMessage("%(num)d day overdue", "%(num)d days overdue", offset)
    return PluralMessage("due in %(num)d day", "due in %(num)d days", -offset)


@dataclass(frozen=True)
class ReminderNotice:
    """The ``reminder`` variable of the ``invoice_reminder_template`` email.

    :param step: the schedule step being sent (days relative to the due date).
    :param label: how the step reads ("7 days overdue", "due in 3 days", "due today").
    :param days_overdue: days past the due date on the day it is sent (0 if not past it).
    :param days_until_due: days left until the due date on that day (0 if it has arrived).
    """

    step: int
    label: str
    days_overdue: int
    days_until_due: int

    @classmethod
    def on(cls, step: int, due_date: dt.date, today: dt.date) -> ReminderNotice:
        """The notice of ``step`` for an invoice due on ``due_date``, sent on ``today``."""
        days = (today - due_date).days
        return cls(step=step, label=describe_step(step), days_overdue=max(days, 0),
                   days_until_due=max(-days, 0))
