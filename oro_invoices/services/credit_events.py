"""Every committed change of a customer's credit, published as a ``customer.credit_updated`` event.

Each change of a customer's credit (``services.customer_credit``) writes one ledger entry in the
write transaction of what caused it. Just before that transaction commits, this step takes the
entries it still holds (``persistence.customer_credit.take_entries``; one undone by a rolled-back
savepoint is none) and, for each, makes one event and writes one outbox row per webhook endpoint
configured for the customer's organization, in the same transaction: the event exists exactly
when the change was committed. After the commit, with background jobs (docs/jobs.md), the
``deliver_events`` job is submitted; plugins hear of the change through ``customer_credit_changed``.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from oro_invoices.domain.events import CustomerCreditUpdated
from oro_invoices.domain.money import from_minor
from oro_invoices.integration.webhook_endpoints import parse_endpoints
from oro_invoices.persistence import outgoing_events as outbox
from oro_invoices.persistence.customer_credit import CreditEntryRow, take_entries
from oro_invoices.persistence.models import Invoice
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.jobs import DELIVER_EVENTS, Job
from oro_invoices.services.status_events import ENDPOINTS_SETTING


class CustomerCreditEvents:
    """Turns the ledger entries of each committed write into events in the outbox."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx
        ctx.before_every_commit(self.before_commit)

    def before_commit(self, session: Session) -> list[Callable[[], None]]:
        """Write the events of this transaction's credit changes; return the job to submit."""
        entries = take_entries(session)
        if not entries:
            return []
        queued = sum(self._queue(session, event) for event in events_of(session, entries, self.ctx.clock()))
        return [self.ctx.job_after_commit(Job(DELIVER_EVENTS))] if queued else []

    def _queue(self, session: Session, event: CustomerCreditUpdated) -> int:
        """Write one outbox row per configured endpoint; returns how many."""
        endpoints = parse_endpoints(self.ctx.setting(ENDPOINTS_SETTING, organization_id=event.organization_id))
        return outbox.queue(session, event_id=event.id, event_type=event.type, body=event.body(),
                            organization_id=event.organization_id, invoice_id=event.invoice_id,
                            endpoint_urls=[endpoint.url for endpoint in endpoints], at=event.occurred_at)


def events_of(session: Session, entries: Sequence[CreditEntryRow], now: dt.datetime) -> list[CustomerCreditUpdated]:
    """One event per ledger entry, with the numbers of the invoice and the credit note each names."""
    ids = {entry.invoice_id for entry in entries if entry.invoice_id is not None} | \
        {entry.credit_note_id for entry in entries if entry.credit_note_id is not None}
    numbers = dict(session.execute(select(Invoice.id, Invoice.invoice_number).where(Invoice.id.in_(ids))).all()) \
        if ids else {}
    return [CustomerCreditUpdated(
        id=str(uuid.uuid4()), occurred_at=now, entry_id=entry.id, organization_id=entry.organization_id,
        customer_id=entry.customer_id, currency=entry.currency, kind=entry.kind,
        change=from_minor(entry.amount, entry.currency), balance=from_minor(entry.balance_after, entry.currency),
        invoice_id=entry.invoice_id, invoice_number=numbers.get(entry.invoice_id) if entry.invoice_id else None,
        credit_note_id=entry.credit_note_id,
        credit_note_number=numbers.get(entry.credit_note_id) if entry.credit_note_id else None,
        reference=entry.reference) for entry in entries]
