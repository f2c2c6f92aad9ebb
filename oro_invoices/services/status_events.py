"""Every change of a payment status or amount due, published as an ``invoice.payment_status_updated`` event.

Whatever changes the status or the amounts (a payment recorded, a provider's notification, a
credit note, a status forced over the API or by an import) does so in a write transaction of
the ``ServiceContext``. Just before that transaction commits, this one place compares the
payment states it touched with what they were (``persistence.status_changes``) and, for each
invoice whose status, amount paid or amount credited really changed, makes one event and writes one outbox row per configured webhook endpoint, in the same
transaction: the event exists exactly when the change was committed. After the commit the
``invoice_payment_status_updated`` hook announces the same event (the same id) to plugins,
and, with background jobs (docs/jobs.md), the ``deliver_events`` job is submitted.
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from oro_invoices.domain.events import PaymentStatusUpdated
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.domain.overdue import days_overdue, local_today
from oro_invoices.integration.webhook_endpoints import parse_endpoints
from oro_invoices.persistence import outgoing_events as outbox
from oro_invoices.persistence.status_changes import take_changes
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.jobs import DELIVER_EVENTS, Job

#: The setting that lists the webhook endpoints of an organization.
ENDPOINTS_SETTING = "oro_invoices.webhooks.endpoints"


class PaymentStatusEvents:
    """Turns the status changes of each committed write into events: outbox rows, then the hook."""

    def __init__(self, ctx: ServiceContext):
        self.ctx = ctx
        ctx.before_every_commit(self.before_commit)

    def before_commit(self, session: Session) -> list[Callable[[], None]]:
        """Write the events of this transaction's status changes; return their announcements."""
        events = []
        queued = 0
        for invoice_id, (before, _now) in take_changes(session).items():
            event = self._event(session, invoice_id, PaymentStatus(before))
            queued += self._queue(session, event)
            events.append(event)
        after: list[Callable[[], None]] = [functools.partial(self.announce, event) for event in events]
        if queued:
            after.append(self.ctx.job_after_commit(Job(DELIVER_EVENTS)))
        return after

    def announce(self, event: PaymentStatusUpdated) -> None:
        """Tell the plugins (after the commit; a failing plugin is logged)."""
        self.ctx.hook("invoice_payment_status_updated", event=event)

    def _event(self, session: Session, invoice_id: int, before: PaymentStatus) -> PaymentStatusUpdated:
        doc = self.ctx.document(session, self.ctx.load(session, invoice_id))
        now = self.ctx.clock()
        days = days_overdue(doc, local_today(now, zone=self.ctx.books_zone(doc)))
        return PaymentStatusUpdated(
            id=str(uuid.uuid4()), occurred_at=now, invoice_id=doc.id,
            invoice_number=doc.invoice_number, organization_id=doc.organization_id,
            status=doc.payment_status, previous_status=before, amount_paid=doc.amount_paid,
            amount_due=doc.amount_due, currency=doc.currency, overdue=days > 0,
            days_overdue=days)

    def _queue(self, session: Session, event: PaymentStatusUpdated) -> int:
        """Write one outbox row per configured endpoint; returns how many."""
        endpoints = parse_endpoints(self.ctx.setting(ENDPOINTS_SETTING,
                                                     organization_id=event.organization_id))
        return outbox.queue(session, event_id=event.id, event_type=event.type, body=event.body(),
                            organization_id=event.organization_id, invoice_id=event.invoice_id,
                            endpoint_urls=[endpoint.url for endpoint in endpoints],
                            at=event.occurred_at)
