"""Every payment status change is published: the hook once, outbox rows in the same transaction."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from support.payloads import invoice_payload

from oro_invoices.domain.events import PaymentStatusUpdated
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.persistence.models import PaymentState
from oro_invoices.persistence.outgoing_events import OutgoingEvent
from oro_invoices.services.facade import InvoiceService

ERP = "https://erp.example/hooks/invoices"
BI = "https://bi.example/ingest?source=shop"
ORG2 = "https://org2.example/hooks"
SECRET = "erp-secret-0123456789"
# Before the payload's due date (2026-12-02), so the published invoice is not overdue.
BEFORE_DUE = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


class Listener:
    def __init__(self):
        self.events: list[PaymentStatusUpdated] = []

    @hookimpl
    def invoice_payment_status_updated(self, event):
        self.events.append(event)


@pytest.fixture
def settings():
    values = Settings(MemoryConfigStore())
    values.set("oro_invoices.webhooks.endpoints",
               [{"url": ERP, "secret": SECRET}, {"url": BI, "secret": "bi-secret-0123456789"}])
    values.set("oro_invoices.webhooks.endpoints", f"{ORG2} org2-secret-0123456789", "organization", 2)
    return values


@pytest.fixture
def listener():
    return Listener()


@pytest.fixture
def svc(db, settings, listener):
    return InvoiceService(db, plugins=get_plugin_manager(False, plugins=[listener]), settings=settings,
                          clock=lambda: BEFORE_DUE)


def posted(svc: InvoiceService, **overrides):
    return svc.post(svc.create(invoice_payload(**overrides)).id)


def pay(svc: InvoiceService, invoice_id: int, amount: str, action: str = "charge", **extra):
    return svc.record_payment(invoice_id, {"method": "manual", "action": action, "amount": amount,
                                           **extra})


def rows(db) -> list[OutgoingEvent]:
    with db.session() as s:
        return list(s.scalars(select(OutgoingEvent).order_by(OutgoingEvent.id)))


def test_each_change_fires_the_hook_once_with_the_amounts(svc, listener, db):
    inv = posted(svc)  # total 231.86 USD
    pay(svc, inv.id, "100.00")
    pay(svc, inv.id, "31.86")   # still paid partially, but the amounts changed: published
    pay(svc, inv.id, "100.00")
    pay(svc, inv.id, "50.00", action="refund")
    seen = [(e.previous_status, e.status, e.amount_paid, e.amount_due) for e in listener.events]
    assert seen == [
        (PaymentStatus.PENDING, PaymentStatus.PAID_PARTIALLY, Decimal("100.00"), Decimal("131.86")),
        (PaymentStatus.PAID_PARTIALLY, PaymentStatus.PAID_PARTIALLY, Decimal("131.86"), Decimal("100.00")),
        (PaymentStatus.PAID_PARTIALLY, PaymentStatus.PAID_IN_FULL, Decimal("231.86"), Decimal("0.00")),
        (PaymentStatus.PAID_IN_FULL, PaymentStatus.REFUNDED_PARTIALLY, Decimal("181.86"),
         Decimal("50.00")),
    ]
    first = listener.events[0]
    assert (first.type, first.invoice_id, first.invoice_number, first.organization_id,
            first.currency) == ("invoice.payment_status_updated", inv.id, inv.invoice_number, 1, "USD")
    assert len({e.id for e in listener.events}) == 4


def test_the_outbox_holds_one_row_per_endpoint_with_the_hooks_event(svc, listener, db):
    inv = posted(svc)
    pay(svc, inv.id, "100.00")
    [event] = listener.events
    outbox = rows(db)
    assert [(r.endpoint_url, r.event_id, r.status, r.attempts) for r in outbox] == [
        (ERP, event.id, "pending", 0), (BI, event.id, "pending", 0)]
    body = json.loads(outbox[0].body)
    assert outbox[0].body == outbox[1].body == event.body()
    assert body["data"] == {
        "invoice_id": inv.id, "invoice_number": inv.invoice_number, "organization_id": 1,
        "status": {"value": "paid_partially", "label": "Paid partially"},
        "previous_status": {"value": "pending", "label": "Pending payment"},
        "amount_paid": "100.00", "amount_due": "131.86", "currency": "USD",
        "overdue": False, "days_overdue": 0}
    assert SECRET not in outbox[0].body  # secrets are looked up when sending, never stored


def test_each_organization_uses_its_own_endpoints(svc, db):
    inv = posted(svc, organization_id=2, currency="JPY",
                 lines=[{"description": "Tea", "quantity": "2", "unit_price": "1500",
                         "tax_rate": "0.10"}])
    pay(svc, inv.id, "1000")
    [row] = rows(db)
    assert row.endpoint_url == ORG2 and row.organization_id == 2
    data = json.loads(row.body)["data"]
    assert (data["amount_paid"], data["amount_due"], data["currency"]) == ("1000", "2300", "JPY")


def test_forced_status_changes_are_published_too(svc, listener):
    inv = posted(svc)
    svc.update(inv.id, {"payment_status": "invoiced"}, actor="erp")
    svc.update(inv.id, {"payment_status": "invoiced"}, actor="erp")  # the same again: no change
    svc.force_payment_status(inv.id, None)  # back to the recalculated status
    assert [(e.previous_status.value, e.status.value) for e in listener.events] == [
        ("pending", "invoiced"), ("invoiced", "pending")]


def test_without_endpoints_the_hook_fires_and_nothing_is_queued(db, listener):
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[listener]))
    inv = posted(svc)
    pay(svc, inv.id, "231.86")
    assert [e.status for e in listener.events] == [PaymentStatus.PAID_IN_FULL]
    assert rows(db) == []


def test_the_row_is_written_in_the_transaction_of_the_change(svc, listener, db):
    inv = posted(svc)
    with pytest.raises(RuntimeError, match="later step failed"):
        with svc.atomic() as batch:
            pay(svc, inv.id, "100.00")
            state = batch.session.get(PaymentState, inv.id)
            assert state is not None and state.payment_status == "paid_partially"
            raise RuntimeError("a later step failed")
    assert svc.get(inv.id).payment_status is PaymentStatus.PENDING
    assert rows(db) == [] and listener.events == []


def test_an_outbox_failure_rolls_the_status_change_back(svc, listener, db, monkeypatch):
    inv = posted(svc)

    def broken(session, event):
        raise RuntimeError("outbox unavailable")
    monkeypatch.setattr(svc.status_events, "_queue", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        pay(svc, inv.id, "100.00")
    assert svc.get(inv.id).payment_status is PaymentStatus.PENDING
    assert svc.transactions(inv.id) == [] and listener.events == []


def test_one_event_per_batch_with_the_final_status(svc, listener, db):
    inv = posted(svc)
    with svc.atomic():
        pay(svc, inv.id, "100.00")
        pay(svc, inv.id, "131.86")
    assert [(e.previous_status.value, e.status.value, str(e.amount_due)) for e in listener.events] \
        == [("pending", "paid_in_full", "0.00")]
    assert len(rows(db)) == 2


def test_a_change_undone_in_the_same_batch_is_no_event(svc, listener, db):
    inv = posted(svc)
    with svc.atomic():
        svc.update(inv.id, {"payment_status": "invoiced"})
        svc.force_payment_status(inv.id, None)
    assert listener.events == [] and rows(db) == []


def test_a_failing_listener_keeps_the_change_and_the_event(db, settings, caplog):
    class Broken:
        @hookimpl
        def invoice_payment_status_updated(self, event):
            raise RuntimeError("listener is down")

    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[Broken()]), settings=settings)
    inv = posted(svc)
    pay(svc, inv.id, "231.86")
    assert svc.get(inv.id).payment_status is PaymentStatus.PAID_IN_FULL
    assert len(rows(db)) == 2
    assert "failed in invoice_payment_status_updated" in caplog.text


def test_any_service_writing_through_the_context_is_published(svc, listener, db):
    """A provider's notification or a checkout changes the status the same way: no hook call needed."""
    inv = posted(svc)
    with svc.context.write() as s:
        svc.payments.force_status(s, svc.context.load(s, inv.id), "authorized", "provider")
    assert [(e.previous_status, e.status) for e in listener.events] == [
        (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)]
    assert [r.event_id for r in rows(db)] == [listener.events[0].id] * 2
