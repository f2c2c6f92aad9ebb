"""Invoice numbers: a gapless counter per organization and month, under a row lock.

Only the counter row of that organization and month is locked, so postings
for other organizations or months never wait. The counter is advanced in the
posting transaction: if posting fails, the number is not consumed (no gap).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oro_invoices.persistence.models import NumberSequence


def period_of(moment: dt.datetime) -> str:
    """The numbering period ("YYYY-MM") of a UTC moment."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m")


def format_default(prefix: str, posted_at: dt.datetime, sequence: int) -> str:
    """``INV-2026-11-00042``: prefix, year, month, five-digit counter."""
    return f"{prefix}{posted_at:%Y}-{posted_at:%m}-{sequence:05d}"


def lock_sequence(session: Session, organization_id: int, period: str) -> NumberSequence:
    """The counter row for (organization, period), created if missing and locked FOR UPDATE."""
    values = dict(organization_id=organization_id, period=period, last_number=0, chain_length=0)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(NumberSequence).values(**values).on_conflict_do_nothing())
    stmt = (select(NumberSequence)
            .where(NumberSequence.organization_id == organization_id, NumberSequence.period == period)
            .with_for_update()
            .execution_options(populate_existing=True))
    return session.execute(stmt).scalar_one()
