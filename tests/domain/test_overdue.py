"""Overdue and the reminder schedule: one pure definition each, judged on a given day."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oro_invoices.domain.invoice import InternalStatus, PaymentStatus
from oro_invoices.domain.overdue import awaits_capture, days_overdue, held_until_captured, is_overdue, local_today
from oro_invoices.domain.reminders import (
    ReminderNotice,
    ScheduleError,
    describe_step,
    format_schedule,
    latest_due_step,
    parse_schedule,
    step_to_send,
)

DUE = dt.date(2026, 12, 2)


@dataclass(frozen=True)
class Facts:
    status: InternalStatus = InternalStatus.POSTED
    due_date: dt.date | None = DUE
    amount_due: Decimal = Decimal("100.00")
    payment_status: PaymentStatus = PaymentStatus.PENDING
    amount_held: Decimal = Decimal("0.00")


@pytest.mark.parametrize("facts, today, days", [
    (Facts(), DUE, 0),                                                  # due today: not yet
    (Facts(), DUE - dt.timedelta(days=5), 0),                           # not due yet
    (Facts(), DUE + dt.timedelta(days=1), 1),                           # the day after
    (Facts(), dt.date(2027, 1, 1), 30),
    (Facts(amount_due=Decimal("0.00")), dt.date(2027, 1, 1), 0),        # nothing due
    (Facts(amount_due=Decimal("40.00"), payment_status=PaymentStatus.PAID_PARTIALLY),
     dt.date(2026, 12, 9), 7),                                          # partially paid: overdue
    (Facts(payment_status=PaymentStatus.PAID_IN_FULL), dt.date(2027, 1, 1), 0),
    (Facts(payment_status=PaymentStatus.AUTHORIZED, amount_held=Decimal("100.00")), dt.date(2027, 1, 1), 0),
    (Facts(payment_status=PaymentStatus.AUTHORIZED), dt.date(2027, 1, 1), 0),    # set from outside: held all the same
    (Facts(payment_status=PaymentStatus.REFUNDED), dt.date(2027, 1, 1), 30),     # refunded, still owed
    (Facts(payment_status=PaymentStatus.REFUNDED_PARTIALLY), dt.date(2027, 1, 1), 30),
    (Facts(amount_due=Decimal("0.00"), payment_status=PaymentStatus.REFUNDED_PARTIALLY), dt.date(2027, 1, 1), 0),
    (Facts(payment_status=PaymentStatus.CANCELED), dt.date(2027, 1, 1), 0),
    (Facts(payment_status=PaymentStatus.VOIDED), dt.date(2027, 1, 1), 0),
    (Facts(payment_status=PaymentStatus.DECLINED), dt.date(2026, 12, 3), 1),  # a failed try
    (Facts(status=InternalStatus.DRAFT), dt.date(2027, 1, 1), 0),       # drafts never
    (Facts(due_date=None), dt.date(2027, 1, 1), 0),                     # no due date
    # paid in part, an authorization holds the rest: the seller's capture is awaited, not the customer
    (Facts(amount_due=Decimal("60.00"), payment_status=PaymentStatus.PAID_PARTIALLY, amount_held=Decimal("60.00")),
     dt.date(2027, 1, 1), 0),
    (Facts(amount_due=Decimal("60.00"), payment_status=PaymentStatus.PAID_PARTIALLY, amount_held=Decimal("80.00")),
     dt.date(2027, 1, 1), 0),                                           # holds more than is left due
    (Facts(amount_due=Decimal("60.00"), payment_status=PaymentStatus.PAID_PARTIALLY, amount_held=Decimal("59.99")),
     dt.date(2027, 1, 1), 30),                                          # a cent not held: overdue
    (Facts(payment_status=PaymentStatus.AUTHORIZED_PARTIALLY, amount_held=Decimal("40.00")),
     dt.date(2027, 1, 1), 30),
    (Facts(payment_status=PaymentStatus.REFUNDED, amount_held=Decimal("100.00")), dt.date(2027, 1, 1), 0),
])
def test_overdue_definition(facts, today, days):
    assert days_overdue(facts, today) == days
    assert is_overdue(facts, today) is (days > 0)


def test_an_invoice_held_in_full_while_its_status_leaves_it_owed_awaits_the_capture():
    rest_held = Facts(amount_due=Decimal("60.00"), payment_status=PaymentStatus.PAID_PARTIALLY,
                      amount_held=Decimal("60.00"))
    assert awaits_capture(rest_held)
    assert not awaits_capture(Facts(payment_status=PaymentStatus.AUTHORIZED, amount_held=Decimal("100.00")))
    assert not awaits_capture(Facts(amount_held=Decimal("99.99")))                # some of it is not held
    assert not awaits_capture(Facts(amount_due=Decimal("0.00"), payment_status=PaymentStatus.PAID_IN_FULL,
                                    amount_held=Decimal("10.00")))                # nothing due
    assert not awaits_capture(Facts(status=InternalStatus.DRAFT, amount_held=Decimal("100.00")))


def test_an_invoice_authorized_in_full_is_held_until_captured_as_one_whose_rest_is_held():
    """Both are owed and wait for the seller's capture; the badge beside the status is for the rest
    held, since "Payment authorized" is the authorized one's status itself."""
    authorized = Facts(payment_status=PaymentStatus.AUTHORIZED, amount_held=Decimal("100.00"))
    rest_held = Facts(amount_due=Decimal("60.00"), payment_status=PaymentStatus.PAID_PARTIALLY,
                      amount_held=Decimal("60.00"))
    assert held_until_captured(authorized) and held_until_captured(rest_held)
    assert not awaits_capture(authorized) and awaits_capture(rest_held)
    assert not held_until_captured(Facts(payment_status=PaymentStatus.AUTHORIZED_PARTIALLY,
                                         amount_held=Decimal("40.00")))
    assert not held_until_captured(Facts(status=InternalStatus.DRAFT, payment_status=PaymentStatus.AUTHORIZED,
                                         amount_held=Decimal("100.00")))
    assert not held_until_captured(Facts(amount_due=Decimal("0.00"), payment_status=PaymentStatus.AUTHORIZED))


def test_today_is_the_date_of_an_aware_moment_in_the_zone_given():
    late_evening_in_new_york = dt.datetime(2026, 12, 2, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert local_today(late_evening_in_new_york, zone=dt.UTC) == dt.date(2026, 12, 3)
    assert local_today(late_evening_in_new_york, zone=ZoneInfo("America/New_York")) == dt.date(2026, 12, 2)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_today(dt.datetime(2026, 12, 2), zone=dt.UTC)


def test_today_has_no_zone_by_default():
    """No zone suits every invoice: a caller that forgets it is told so, not given UTC's date."""
    with pytest.raises(TypeError, match="zone"):
        local_today(dt.datetime(2026, 12, 2, tzinfo=dt.UTC))  # type: ignore[call-arg]


@pytest.mark.parametrize("text, offsets", [
    ("-3, 0, 7, 14", (-3, 0, 7, 14)),
    (" 14,7 ; -3,+0 ", (-3, 0, 7, 14)),
    ("", ()),
    ("30", (30,)),
    # as a Japanese input method types them: full-width digits, minus and commas, 、
    ("－３、０，７、１４", (-3, 0, 7, 14)),
    ("\u22123, 7", (-3, 7)),
])
def test_schedules_are_parsed_and_sorted(text, offsets):
    assert parse_schedule(text) == offsets
    assert parse_schedule(format_schedule(offsets)) == offsets


@pytest.mark.parametrize("text, message", [
    ("7, soon", "'soon' is not a whole number of days"),
    ("7.5", "'7.5' is not a whole number of days"),
    ("7,,14", "Remove the empty entry"),
    ("-91", "-91 is out of range"),
    ("366", "366 is out of range"),
    ("99999", "99999 is out of range"),
    ("-100000", "-100000 is out of range"),
    ("7, 7", "7 is listed twice"),
    (", ".join(str(n) for n in range(13)), "At most 12 steps"),
])
def test_bad_schedules_say_what_is_wrong(text, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text)


SCHEDULE = (-3, 0, 7, 14)


@pytest.mark.parametrize("today, step", [
    (DUE - dt.timedelta(days=4), None),
    (DUE - dt.timedelta(days=3), -3),
    (DUE - dt.timedelta(days=1), -3),
    (DUE, 0),
    (DUE + dt.timedelta(days=6), 0),
    (DUE + dt.timedelta(days=7), 7),
    (DUE + dt.timedelta(days=400), 14),
])
def test_the_latest_step_whose_date_has_arrived(today, step):
    assert latest_due_step(SCHEDULE, DUE, today) == step


def test_a_late_run_sends_only_the_latest_step_and_never_an_earlier_one_again():
    three_weeks_late = DUE + dt.timedelta(days=21)
    assert step_to_send(SCHEDULE, DUE, three_weeks_late, sent=()) == 14       # not -3, 0, 7, 14
    assert step_to_send(SCHEDULE, DUE, three_weeks_late, sent={14}) is None
    # a later step already went out (the schedule was shortened since): nothing older follows
    assert step_to_send((-3, 0, 7), DUE, three_weeks_late, sent={14}) is None
    assert step_to_send(SCHEDULE, DUE, DUE + dt.timedelta(days=7), sent={-3, 0}) == 7
    assert step_to_send((), DUE, three_weeks_late, sent=()) is None


def test_steps_read_like_a_person_would_say_them():
    assert [describe_step(s) for s in (-3, -1, 0, 1, 7)] == [
        "due in 3 days", "due in 1 day", "due today", "1 day overdue", "7 days overdue"]
    notice = ReminderNotice.on(7, DUE, DUE + dt.timedelta(days=9))
    assert (notice.label, notice.days_overdue, notice.days_until_due) == ("7 days overdue", 9, 0)
    early = ReminderNotice.on(-3, DUE, DUE - dt.timedelta(days=2))
    assert (early.days_overdue, early.days_until_due) == (0, 2)
