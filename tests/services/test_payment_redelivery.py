"""A provider event delivered twice is recorded once, also when both deliveries arrive at once.

Each delivery runs in its own thread with its own database connection. On PostgreSQL both
are held at the same point until the other arrives, so they really overlap; SQLite lets
one writer in at a time, so there the threads simply race.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from support.payloads import invoice_payload

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.services.context import ServiceContext
from oro_invoices.services.payments import Payments

PAYMENT = {"method": "card", "action": "charge", "amount": "50.00", "provider_reference": "evt_1"}


def meet_before(monkeypatch, db, owner: type, name: str) -> None:
    """On PostgreSQL, hold each of two worker threads before their first ``owner.name`` until
    both are there."""
    if db.dialect != "postgresql":
        return
    barrier = threading.Barrier(2, timeout=20)
    original = getattr(owner, name)
    arrived = threading.local()

    def held(self, *args, **kwargs):
        worker = threading.current_thread() is not threading.main_thread()
        if worker and not getattr(arrived, "done", False):
            arrived.done = True
            barrier.wait()
        return original(self, *args, **kwargs)
    monkeypatch.setattr(owner, name, held)


def at_once(*calls):
    """Run the calls in threads started together; each one's result or exception."""
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_the_same_event_delivered_twice_at_once_is_recorded_once(service, db, monkeypatch):
    inv = service.post(service.create(invoice_payload()).id)
    meet_before(monkeypatch, db, ServiceContext, "payment_state")
    results = at_once(lambda: service.record_payment_once(inv.id, PAYMENT, actor="webhook"),
                      lambda: service.record_payment_once(inv.id, PAYMENT, actor="webhook"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].transaction.id == results[1].transaction.id
    assert len(service.transactions(inv.id)) == 1
    assert service.get(inv.id).amount_paid == Decimal("50.00")


def test_one_event_for_two_invoices_at_once_is_a_clear_conflict(service, db, monkeypatch):
    a = service.post(service.create(invoice_payload()).id)
    b = service.post(service.create(invoice_payload()).id)
    meet_before(monkeypatch, db, Payments, "_recorded")
    results = at_once(lambda: service.record_payment(a.id, PAYMENT, actor="webhook"),
                      lambda: service.record_payment(b.id, PAYMENT, actor="webhook"))
    conflicts = [r for r in results if isinstance(r, Exception)]
    assert len(conflicts) == 1 and isinstance(conflicts[0], Conflict), results
    assert conflicts[0].message == "That provider reference belongs to another invoice."
    assert len(service.transactions(a.id)) + len(service.transactions(b.id)) == 1


def test_a_redelivery_says_it_recorded_nothing(service):
    inv = service.post(service.create(invoice_payload()).id)
    first = service.record_payment_once(inv.id, PAYMENT, actor="webhook")
    again = service.record_payment_once(inv.id, PAYMENT, actor="webhook")
    assert (first.created, again.created) == (True, False)
    assert again.transaction == first.transaction


@pytest.mark.parametrize("other", [{"method": "paypal"}, {"action": "authorize"},
                                   {"provider_reference": "evt_2"}])
def test_another_method_action_or_reference_is_another_event(service, other):
    inv = service.post(service.create(invoice_payload()).id)
    service.record_payment(inv.id, PAYMENT)
    assert service.record_payment_once(inv.id, {**PAYMENT, **other}).created


def test_another_amount_under_a_reference_recorded_before_is_refused_not_dropped(service):
    doc = service.post(service.create(invoice_payload()).id)
    first = service.record_payment(doc.id, PAYMENT)
    with pytest.raises(Conflict) as refused:                   # what an external system (the API) sends
        service.record_payment_once(doc.id, {**PAYMENT, "amount": "60.00"}, same_amount=True)
    assert refused.value.message == ("A charge with provider reference evt_1 is recorded already, of 50.00 USD; "
                                     "this one says 60.00 USD. Give the new transaction a reference of its own.")
    again = service.record_payment_once(doc.id, {**PAYMENT, "amount": "50.0"}, same_amount=True)
    assert (again.transaction.id, again.created) == (first.id, False)               # the same, again
    assert [t.amount for t in service.transactions(doc.id)] == [Decimal("50.00")]


def test_the_refused_amount_is_stated_as_money_of_the_invoices_currency(service):
    """As the client wrote it ("500.000") the amount would read as five hundred thousand yen."""
    doc = service.post(service.create(invoice_payload(
        currency="JPY", lines=[{"description": "Widget", "quantity": "1", "unit_price": "5000"}])).id)
    service.record_payment(doc.id, {**PAYMENT, "amount": "400"})
    with pytest.raises(Conflict) as refused:
        service.record_payment_once(doc.id, {**PAYMENT, "amount": "500.000"}, same_amount=True)
    assert refused.value.message == ("A charge with provider reference evt_1 is recorded already, of 400 JPY; "
                                     "this one says 500 JPY. Give the new transaction a reference of its own.")


@pytest.mark.parametrize("same_amount", [True, False])
def test_an_amount_the_currency_cannot_have_is_refused_as_such_under_a_known_reference(service, same_amount):
    """Yen have no decimals: "500.5" is a bad amount, whatever reference it comes under, not a
    conflict with the payment recorded under it (nor that payment again)."""
    doc = service.post(service.create(invoice_payload(
        currency="JPY", lines=[{"description": "Widget", "quantity": "1", "unit_price": "5000"}])).id)
    service.record_payment(doc.id, {**PAYMENT, "amount": "400"})
    with pytest.raises(ValidationError) as refused:
        service.record_payment_once(doc.id, {**PAYMENT, "amount": "500.5"}, same_amount=same_amount)
    assert refused.value.errors == [("amount", "JPY amounts have no decimals.")]
    assert [t.amount for t in service.transactions(doc.id)] == [Decimal("400")]
