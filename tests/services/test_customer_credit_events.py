"""Every committed change of a customer's credit is published as a ``customer.credit_updated`` event:
outbox rows in the transaction of the change, one per endpoint, delivered signed like any event."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from support.payloads import invoice_payload
from support.webhooks import Receiver

from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.events import verify_signature
from oro_invoices.integration.plugins import get_plugin_manager, hookimpl
from oro_invoices.persistence import customer_credit as ledger
from oro_invoices.persistence.outgoing_events import OutgoingEvent
from oro_invoices.services.event_delivery import EventDelivery
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.jobs import DELIVER_EVENTS, Job

KEY = "oro_invoices.webhooks.endpoints"
ERP = "https://erp.example/hooks/invoices"
BI = "https://bi.example/ingest?source=shop"
ORG2 = "https://org2.example/hooks"
SECRET = "erp-secret-0123456789"
CREDIT = "customer.credit_updated"
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


class Heard:
    def __init__(self):
        self.changes = []

    @hookimpl
    def customer_credit_changed(self, entry, actor):
        self.changes.append((entry.kind, entry.amount, entry.balance_after))


@pytest.fixture
def settings():
    values = Settings(MemoryConfigStore())
    values.set(KEY, [{"url": ERP, "secret": SECRET}, {"url": BI, "secret": "bi-secret-0123456789"}])
    values.set(KEY, f"{ORG2} org2-secret-0123456789", "organization", 2)
    return values


@pytest.fixture
def heard():
    return Heard()


@pytest.fixture
def svc(db, settings, heard):
    return InvoiceService(db, plugins=get_plugin_manager(False, plugins=[heard]), settings=settings,
                          clock=lambda: NOW)


def posted(svc: InvoiceService, **overrides):
    return svc.post(svc.create(invoice_payload(**overrides)).id)


def credit_kept(svc: InvoiceService):
    """A paid invoice (231.86 USD) whose second line (107.00) is credited and kept as credit."""
    inv = posted(svc)
    svc.record_payment(inv.id, {"method": "bank_transfer", "action": "charge", "amount": "231.86"})
    return svc.create_credit_note(inv.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "credit"},
                                  actor="admin")


def pay_out(svc: InvoiceService, amount: str, **kw):
    return svc.pay_out_credit(10, organization_id=1, currency="USD", amount=amount, actor="admin", **kw)


def rows(db, event_type: str = CREDIT) -> list[OutgoingEvent]:
    with db.session() as s:
        return list(s.scalars(select(OutgoingEvent).where(OutgoingEvent.event_type == event_type)
                              .order_by(OutgoingEvent.id)))


def sent(db) -> list[dict]:
    """The credit events as receivers get them: one body per event (the ERP's row), in order."""
    return [json.loads(row.body) for row in rows(db) if row.endpoint_url in (ERP, ORG2)]


def test_a_credit_note_kept_as_credit_is_one_event_with_the_balance(svc, db):
    result = credit_kept(svc)
    [entry] = svc.customer_credit_of(10, organization_id=1).entries
    outbox = rows(db)
    assert [(r.endpoint_url, r.status, r.attempts, r.invoice_id, r.organization_id) for r in outbox] == [
        (ERP, "pending", 0, result.invoice.id, 1), (BI, "pending", 0, result.invoice.id, 1)]
    assert outbox[0].event_id == outbox[1].event_id and outbox[0].body == outbox[1].body
    event = json.loads(outbox[0].body)
    assert (event["id"], event["type"], event["occurred_at"]) == (
        outbox[0].event_id, CREDIT, "2026-11-20T12:00:00+00:00")
    assert event["data"] == {
        "entry_id": entry.id, "organization_id": 1, "customer_id": 10, "currency": "USD", "kind": "credit_note",
        "change": "107.00", "balance": "107.00", "invoice_id": result.invoice.id,
        "invoice_number": result.invoice.invoice_number, "credit_note_id": result.credit_note.id,
        "credit_note_number": result.credit_note.invoice_number, "reference": ""}
    assert result.credit_note.invoice_number
    assert SECRET not in outbox[0].body
    # the credited invoice's amounts changed too: that is its own event
    assert {r.invoice_id for r in rows(db, "invoice.payment_status_updated")} == {result.invoice.id}


def test_a_payment_surplus_kept_is_one_event(svc, db):
    inv = posted(svc)
    recorded = svc.record_received_payment(inv.id, amount="250.00", method="bank_transfer", received_on=NOW.date(),
                                           actor="admin", request_key="b" * 24, keep_surplus=True)
    [event] = sent(db)
    assert {k: event["data"][k] for k in ("kind", "change", "balance", "invoice_id", "invoice_number",
                                          "credit_note_id")} == {
        "kind": "surplus", "change": "18.14", "balance": "18.14", "invoice_id": inv.id,
        "invoice_number": inv.invoice_number, "credit_note_id": None}
    # reversed: the surplus is taken back, one more event
    svc.reverse_received_payment(inv.id, recorded.transaction.id, reason="Wrong invoice", actor="admin")
    assert [(e["data"]["kind"], e["data"]["change"], e["data"]["balance"]) for e in sent(db)] == [
        ("surplus", "18.14", "18.14"), ("surplus_reversed", "-18.14", "0.00")]


def test_an_application_and_its_reversal_are_events_of_the_invoice_paid(svc, db):
    credit_kept(svc)
    other = posted(svc)
    applied = svc.apply_credit(other.id, amount="100", actor="admin").transaction
    svc.reverse_received_payment(other.id, applied.id, reason="Applied to the wrong invoice", actor="admin")
    events = sent(db)
    assert [(e["data"]["kind"], e["data"]["change"], e["data"]["balance"]) for e in events] == [
        ("credit_note", "107.00", "107.00"), ("applied", "-100.00", "7.00"), ("returned", "100.00", "107.00")]
    for event in events[1:]:
        assert (event["data"]["invoice_id"], event["data"]["invoice_number"], event["data"]["credit_note_id"]) == (
            other.id, other.invoice_number, None)
    assert [r.invoice_id for r in rows(db)][2:] == [other.id] * 4
    assert len({e["data"]["entry_id"] for e in events}) == len({e["id"] for e in events}) == 3


def test_a_pay_out_is_an_event_about_no_invoice(svc, db):
    credit_kept(svc)
    paid = pay_out(svc, "7", reference="TRF-9", request_key="k" * 24)
    again = pay_out(svc, "7", reference="TRF-9", request_key="k" * 24)   # the same form: no change, no event
    assert paid.created and not again.created
    *_, event = sent(db)
    assert len(sent(db)) == 2
    assert event["data"] == {
        "entry_id": paid.entry.id, "organization_id": 1, "customer_id": 10, "currency": "USD", "kind": "paid_out",
        "change": "-7.00", "balance": "100.00", "invoice_id": None, "invoice_number": None,
        "credit_note_id": None, "credit_note_number": None, "reference": "TRF-9"}
    assert [r.invoice_id for r in rows(db) if r.event_id == event["id"]] == [None, None]


def test_each_organization_uses_its_own_endpoints_and_currency(svc, db):
    inv = posted(svc, organization_id=2, currency="JPY",
                 lines=[{"description": "Tea", "quantity": "2", "unit_price": "1500", "tax_rate": "0.10"}])
    svc.record_received_payment(inv.id, amount="4000", method="bank_transfer", received_on=NOW.date(),
                                actor="admin", request_key="b" * 24, keep_surplus=True)
    [row] = rows(db)
    assert (row.endpoint_url, row.organization_id) == (ORG2, 2)
    data = json.loads(row.body)["data"]
    assert (data["organization_id"], data["currency"], data["change"], data["balance"]) == (2, "JPY", "700", "700")


def test_without_endpoints_the_hook_fires_and_nothing_is_queued(db, heard):
    settings = Settings(MemoryConfigStore())
    settings.set(KEY, f"{ORG2} org2-secret-0123456789", "organization", 2)   # none for organization 1
    svc = InvoiceService(db, plugins=get_plugin_manager(False, plugins=[heard]), settings=settings)
    credit_kept(svc)
    pay_out(svc, "7")
    assert heard.changes == [("credit_note", Decimal("107.00"), Decimal("107.00")),
                             ("paid_out", Decimal("-7.00"), Decimal("100.00"))]
    with db.session() as s:
        assert s.scalars(select(OutgoingEvent)).all() == []
    inv = posted(svc, organization_id=2)                    # the organization with an endpoint
    svc.record_received_payment(inv.id, amount="250.00", method="bank_transfer", received_on=NOW.date(),
                                actor="admin", request_key="b" * 24, keep_surplus=True)
    assert [(r.endpoint_url, r.organization_id) for r in rows(db)] == [(ORG2, 2)]
def test_a_rolled_back_change_makes_no_event(svc, db, heard):
    credit_kept(svc)
    with pytest.raises(RuntimeError, match="a later step failed"):
        with svc.atomic():
            pay_out(svc, "7")
            raise RuntimeError("a later step failed")
    assert svc.customer_credit_of(10, organization_id=1).balance("USD") == Decimal("107.00")
    assert [e["data"]["kind"] for e in sent(db)] == ["credit_note"]
    assert [kind for kind, *_ in heard.changes] == ["credit_note"]


def test_a_change_undone_by_its_savepoint_makes_no_event_but_the_batchs_others_do(svc, db):
    credit_kept(svc)
    owner = ledger.Owner(1, 10, "USD")
    with svc.atomic():
        pay_out(svc, "7")
        with pytest.raises(RuntimeError), svc.context.write() as s:
            ledger.change(s, ledger.lock(s, owner, NOW), -1000, ledger.EntryKind.PAID_OUT, actor="admin", now=NOW)
            raise RuntimeError("undone")
        pay_out(svc, "3")
    assert [(e["data"]["kind"], e["data"]["change"], e["data"]["balance"]) for e in sent(db)] == [
        ("credit_note", "107.00", "107.00"), ("paid_out", "-7.00", "100.00"), ("paid_out", "-3.00", "97.00")]
    committed = [e.id for e in svc.customer_credit_of(10, organization_id=1).entries]
    assert sorted(e["data"]["entry_id"] for e in sent(db)) == sorted(committed)


def test_an_outbox_failure_rolls_the_credit_change_back(svc, db, monkeypatch):
    credit_kept(svc)

    def broken(session, event):
        raise RuntimeError("outbox unavailable")
    monkeypatch.setattr(svc.credit_events, "_queue", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        pay_out(svc, "7")
    assert svc.customer_credit_of(10, organization_id=1).balance("USD") == Decimal("107.00")


def test_the_endpoint_receives_the_credit_event_signed(db):
    settings = Settings(MemoryConfigStore())
    svc = InvoiceService(db, settings=settings)
    credit_kept(svc)
    with Receiver() as receiver:
        settings.set(KEY, [{"url": receiver.url, "secret": SECRET}])
        paid = pay_out(svc, "7", reference="TRF-9")
        report = EventDelivery(svc.context).deliver_pending()
    assert (report.claimed, report.delivered, report.failed) == (1, 1, 0)
    [request] = receiver.requests
    [row] = [r for r in rows(db) if r.endpoint_url == receiver.url]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert (headers["oro-invoices-event-type"], headers["oro-invoices-event-id"]) == (CREDIT, row.event_id)
    assert headers["content-type"] == "application/json"
    assert verify_signature(SECRET, headers["oro-invoices-signature"], request.body) > 0
    assert request.body.decode() == row.body
    data = json.loads(request.body)["data"]
    assert (data["entry_id"], data["kind"], data["change"], data["balance"], data["invoice_id"]) == (
        paid.entry.id, "paid_out", "-7.00", "100.00", None)
    assert (row.status, row.attempts, row.response_status, row.invoice_id) == ("delivered", 1, 200, None)


class Recorded:
    """A background job queue that keeps what it was given."""

    background = True

    def __init__(self):
        self.jobs = []

    def submit(self, job):
        self.jobs.append(job)


def test_the_delivery_job_follows_the_commit_of_queued_events(db, settings):
    jobs = Recorded()
    svc = InvoiceService(db, settings=settings, jobs=jobs)
    credit_kept(svc)
    jobs.jobs.clear()
    pay_out(svc, "7")                                     # only the credit changed: its event, its job
    assert jobs.jobs == [Job(DELIVER_EVENTS)]
    open_invoice = posted(svc)
    jobs.jobs.clear()
    before = len(rows(db)), len(rows(db, "invoice.payment_status_updated"))
    svc.apply_credit(open_invoice.id, amount="50", actor="admin")    # the credit and a payment status changed
    after = len(rows(db)), len(rows(db, "invoice.payment_status_updated"))
    assert after[0] > before[0] and after[1] > before[1]
    assert jobs.jobs == [Job(DELIVER_EVENTS)]                          # both events, one delivery job
    jobs.jobs.clear()
    with pytest.raises(RuntimeError), svc.atomic():
        pay_out(svc, "3")
        raise RuntimeError("the batch fails")
    settings.set(KEY, [])
    pay_out(svc, "1")                                     # no endpoint: nothing to deliver
    assert jobs.jobs == []
