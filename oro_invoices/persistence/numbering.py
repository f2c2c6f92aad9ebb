"""Invoice numbers: a counter per organization, series and month, under a row lock.

Invoices and credit notes are two series (``series_period``): each has its own counter row.

Only the counter row of that organization and month is locked, so postings
for other organizations or months never wait. The counter is advanced in the
posting transaction: if posting fails, the number is not consumed (no gap).

A number the series would give that is already taken (an imported invoice brought
it, say) is skipped rather than blocking every later posting: the counter moves on,
and the skip is recorded in ``oro_invoice_number_skip`` so ``verify`` can explain the
gap. No number is ever given twice.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oro_invoices.domain.errors import Conflict
from oro_invoices.persistence.models import Invoice, NumberSequence, NumberSkip

#: How many taken numbers in a row one posting skips before it gives up.
MAX_SKIPS = 1000


@dataclass(frozen=True)
class Skipped:
    """A counter value passed over: the number it gave and the invoice that already has it."""

    sequence: int
    invoice_number: str
    held_by_invoice_id: int


def period_of(moment: dt.datetime) -> str:
    """The numbering period ("YYYY-MM") of ``moment`` in the time zone it carries: the invoice's
    (``ServiceContext.time_zone``), so that an invoice posted on the 1st in its zone is of that
    month whatever the UTC date."""
    return moment.strftime("%Y-%m")


#: The number series: each has its own counter (and hash chain) per organization and month.
INVOICE_SERIES = "invoice"
CREDIT_NOTE_SERIES = "credit_note"


def series_period(series: str, moment: dt.datetime) -> str:
    """The counter's period key of ``series``: "2026-11" for invoices, "credit_note/2026-11" else."""
    period = period_of(moment)
    return period if series == INVOICE_SERIES else f"{series}/{period}"


def format_default(prefix: str, posted_at: dt.datetime, sequence: int) -> str:
    """``INV-2026-11-00042``: prefix, year, month (of ``posted_at`` in the zone it carries: the
    invoice's), five-digit counter."""
    return f"{prefix}{posted_at:%Y}-{posted_at:%m}-{sequence:05d}"


def lock_sequence(session: Session, organization_id: int, period: str) -> NumberSequence:
    """The counter row for (organization, period), created if missing and locked FOR UPDATE."""
    values = dict(organization_id=organization_id, period=period, last_number=0, chain_length=0,
                  tracked_from=1)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(NumberSequence).values(**values).on_conflict_do_nothing())
    stmt = (select(NumberSequence)
            .where(NumberSequence.organization_id == organization_id, NumberSequence.period == period)
            .with_for_update()
            .execution_options(populate_existing=True))
    return session.execute(stmt).scalar_one()


def next_free_number(session: Session, seq: NumberSequence, invoice_id: int,
                     propose: Callable[[int], str], now: dt.datetime) -> tuple[str, int, list[Skipped]]:
    """Advance the locked counter ``seq`` to the first value whose number is free.

    ``propose(value)`` gives the number for a counter value. Returns the number, its
    counter value and the values skipped on the way (each recorded as a ``NumberSkip``).
    """
    skipped: list[Skipped] = []
    for _ in range(MAX_SKIPS + 1):
        seq.last_number += 1
        number = propose(seq.last_number)
        holder = session.execute(select(Invoice.id).where(
            Invoice.organization_id == seq.organization_id, Invoice.invoice_number == number,
            Invoice.id != invoice_id)).scalar_one_or_none()
        if holder is None:
            return number, seq.last_number, skipped
        session.add(NumberSkip(organization_id=seq.organization_id, period=seq.period,
                               sequence=seq.last_number, invoice_number=number,
                               held_by_invoice_id=holder, skipped_for_invoice_id=invoice_id,
                               created_at=now))
        skipped.append(Skipped(seq.last_number, number, holder))
    raise _exhausted(seq, skipped)


def next_free_numbers(session: Session, seq: NumberSequence, invoice_ids: Sequence[int],
                      proposers: Sequence[Callable[[int], str]],
                      now: dt.datetime) -> list[tuple[str, int, list[Skipped]]]:
    """``next_free_number`` for each of ``invoice_ids`` in turn, the numbers looked up together.

    ``proposers[i](value)`` gives the number of ``invoice_ids[i]`` for a counter value. The
    result (and every ``NumberSkip`` recorded) is what calling ``next_free_number`` for each
    invoice in order gives, with one query for the numbers proposed in a row instead of one
    per number; the numbers given here count as taken for the invoices after them.
    """
    results: list[tuple[str, int, list[Skipped]]] = []
    assigned: dict[str, int] = {}
    skipped: list[Skipped] = []
    while len(results) < len(invoice_ids):
        pending = range(len(results), len(invoice_ids))
        proposals = [(seq.last_number + 1 + j, proposers[k](seq.last_number + 1 + j))
                     for j, k in enumerate(pending)]
        holders = dict(session.execute(select(Invoice.invoice_number, Invoice.id).where(
            Invoice.organization_id == seq.organization_id,
            Invoice.invoice_number.in_([number for _, number in proposals]))).all())
        for (value, number), k in zip(proposals, pending, strict=True):
            seq.last_number = value
            holder = assigned.get(number, holders.get(number))
            if holder is None or holder == invoice_ids[k]:
                results.append((number, value, skipped))
                assigned[number] = invoice_ids[k]
                skipped = []
                continue
            session.add(NumberSkip(organization_id=seq.organization_id, period=seq.period, sequence=value,
                                   invoice_number=number, held_by_invoice_id=holder,
                                   skipped_for_invoice_id=invoice_ids[k], created_at=now))
            skipped.append(Skipped(value, number, holder))
            if len(skipped) > MAX_SKIPS:
                raise _exhausted(seq, skipped)
            break          # the next value goes to the same invoice: propose again from there
    return results


def _exhausted(seq: NumberSequence, skipped: list[Skipped]) -> Conflict:
    return Conflict(f"The next {MAX_SKIPS + 1} invoice numbers of organization {seq.organization_id} "
                    f"for {seq.period} are all taken already (last tried: {skipped[-1].invoice_number}); "
                    "check the invoice_number hook or the imported numbers.")
