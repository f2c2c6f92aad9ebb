"""Revision 0042: every resend of an outgoing event is kept; the last resend revision 0041 kept in
the event's ``previous_*`` columns becomes the first of its history, and nothing of it is lost."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select, text

from oro_invoices.persistence.migrate import downgrade, upgrade
from oro_invoices.persistence.outgoing_events import RESEND_TABLE, EventResend, OutgoingEvent

AT = dt.datetime(2026, 11, 30, 9, 40, tzinfo=dt.UTC)


def _event(n: int, status: str, **resent) -> OutgoingEvent:
    return OutgoingEvent(event_id=f"event-{n}", event_type="invoice.payment_status_updated", invoice_id=n,
                         organization_id=1, endpoint_url="https://erp.example/hooks", body=f'{{"n":{n}}}',
                         status=status, attempts=0 if status == "pending" else 1, next_attempt_at=AT, last_error="",
                         created_at=AT, updated_at=AT, **resent)


def _tables(db) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_revision_0042_keeps_the_last_resend_as_the_first_of_the_history(db):
    downgrade(db, "0041")
    try:
        assert RESEND_TABLE not in _tables(db)
        with db.session() as s:
            s.add_all([
                _event(1, "failed"),                                                    # never resent
                _event(2, "pending", redeliveries=1, redelivered_at=AT + dt.timedelta(hours=1),
                       redelivered_by="api:erp", previous_attempts=12, previous_response_status=None,
                       previous_error="Gave up after 12 attempts. Last error: timed out"),
                _event(3, "delivered", redeliveries=3, redelivered_at=AT + dt.timedelta(hours=2),
                       redelivered_by="cli", previous_attempts=1, previous_response_status=200, previous_error="")])
            s.commit()
    finally:
        upgrade(db)                                  # the database is shared with later tests
    with db.session() as s:
        ids = {row.event_id: row.id for row in s.execute(select(OutgoingEvent.event_id, OutgoingEvent.id))}
        kept = [(r.event_row_id, r.resent_at, r.resent_by, r.previous_status, r.previous_attempts,
                 r.previous_response_status, r.previous_error)
                for r in s.scalars(select(EventResend).order_by(EventResend.id))]
        row = s.get(OutgoingEvent, ids["event-3"])
        assert row is not None and (row.redeliveries, row.redelivered_by, row.previous_response_status) == (3, "cli", 200)
    assert kept == [
        (ids["event-2"], AT + dt.timedelta(hours=1), "api:erp", "failed", 12, None,
         "Gave up after 12 attempts. Last error: timed out"),
        (ids["event-3"], AT + dt.timedelta(hours=2), "cli", "delivered", 1, 200, "")]


def test_revision_0042_downgrade_drops_the_history_and_keeps_the_newest_resend(db):
    with db.session() as s:
        event = _event(1, "pending", redeliveries=1, redelivered_at=AT, redelivered_by="cli", previous_attempts=1,
                       previous_response_status=410, previous_error="HTTP 410: gone")
        s.add(event)
        s.flush()
        s.add(EventResend(event_row_id=event.id, resent_at=AT, resent_by="cli", previous_status="failed",
                          previous_attempts=1, previous_response_status=410, previous_error="HTTP 410: gone"))
        s.commit()
    downgrade(db, "0041")
    try:
        assert RESEND_TABLE not in _tables(db)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT redeliveries, redelivered_by, previous_response_status, previous_error "
                                     "FROM oro_invoice_outgoing_event")).one() == (1, "cli", 410, "HTTP 410: gone")
    finally:
        upgrade(db)
    assert RESEND_TABLE in _tables(db)
