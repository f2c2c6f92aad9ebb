"""Re-authorizing an authorization before its provider releases it: a new hold for what the old
one still holds, the old one released; the payment status stays authorized throughout."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support.fakepay import FakePay, callback, payment_service
from test_payment_captures import authorized

from oro_invoices.domain.errors import Conflict, ValidationError
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.integration.plugins import hookimpl
from oro_invoices.services.refunds import AlreadyRequested


class StatusChanges:
    def __init__(self):
        self.seen = []

    @hookimpl
    def invoice_payment_status_changed(self, invoice, old_status, new_status, actor):
        self.seen.append((old_status, new_status))


def test_reauthorize_moves_the_hold_to_a_new_authorization(db):
    changes = StatusChanges()
    service, _, fake = payment_service(db, plugins=[changes])
    doc, old = authorized(service, capture_before="2026-12-04T12:00:00+00:00")
    assert service.transaction_actions(doc.id)[old].reauthorizable == Decimal("231.86")
    changes.seen.clear()

    outcome = service.reauthorize_authorization(old, notes="goods ship next week", actor="Alex Admin",
                                                request_key="r" * 20)
    assert outcome.successful and outcome.amount == Decimal("231.86")
    [asked] = fake.reauthorizations
    assert (asked.amount, asked.currency, asked.transaction.transaction_id) == (23186, "USD", old)
    assert asked.description == f"Invoice {doc.display_number}" and asked.invoice.id == doc.id
    new = outcome.transaction_id
    renewed = next(t for t in service.transactions(doc.id) if t.id == new)
    assert (renewed.action, renewed.amount, renewed.parent_id) == ("authorize", Decimal("231.86"), old)
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    assert changes.seen == []                                    # no status flapped on the way
    actions = service.transaction_actions(doc.id)
    gone = actions[old]                                          # the old hold is gone
    assert gone.capturable == gone.cancelable == gone.reauthorizable == 0 and gone.capture_before is None
    assert actions[new].capturable == actions[new].cancelable == actions[new].reauthorizable == Decimal("231.86")
    assert actions[new].capture_before is not None
    summaries = [str(a.summary) for a in service.activities(doc.id)]
    assert "Re-authorization of 231.86 USD requested from FakePay: goods ship next week" in summaries
    with pytest.raises(Conflict, match="Nothing remains to re-authorize of this payment"):
        service.reauthorize_authorization(old, actor="Alex Admin")
    with pytest.raises(AlreadyRequested, match="This re-authorization of 231.86 USD was already requested"):
        service.reauthorize_authorization(new, actor="Alex Admin", request_key="r" * 20)

    # the provider's own report of the release, arriving later, changes nothing
    release = {"event_id": f"release-{asked.transaction.provider_reference}", "action": "cancel",
               "successful": True, "amount": 23186, "currency": "USD",
               "provider_reference": asked.transaction.provider_reference,
               "parent_reference": asked.transaction.provider_reference}
    result = service.handle_payment_callback("fakepay", callback("", release))
    assert [o.outcome for o in result.outcomes] == ["duplicate"]
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED and changes.seen == []

    # the new authorization is captured like any other
    assert service.capture_authorization(new, actor="Alex Admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_a_renewed_authorization_canceled_cancels_the_payment(db):
    service, _, _ = payment_service(db)
    doc, old = authorized(service)
    new = service.reauthorize_authorization(old, actor="Alex Admin").transaction_id
    assert service.cancel_authorization(new, actor="Alex Admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.CANCELED
    assert all(a.cancelable == a.capturable == 0 for a in service.transaction_actions(doc.id).values())


def test_a_declined_reauthorization_leaves_the_old_authorization(db):
    service, _, fake = payment_service(db)
    fake.decline_renewals = True
    doc, old = authorized(service)
    with pytest.raises(ProviderError, match="The card was declined."):
        service.reauthorize_authorization(old, actor="Alex Admin")
    assert [t.id for t in service.transactions(doc.id)] == [old]
    assert service.transaction_actions(doc.id)[old].capturable == Decimal("231.86")
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    summaries = [str(a.summary) for a in service.activities(doc.id)]
    assert "Re-authorization via FakePay did not go through: The card was declined." in summaries
    fake.decline_renewals = False
    assert service.reauthorize_authorization(old, actor="Alex Admin").successful


def test_an_authorization_the_method_cannot_renew_is_not_offered(db):
    service, _, fake = payment_service(db)
    fake.renewable = False
    doc, old = authorized(service)
    assert service.transaction_actions(doc.id)[old].reauthorizable == 0
    with pytest.raises(Conflict, match="FakePay cannot re-authorize this payment"):
        service.reauthorize_authorization(old, actor="Alex Admin")
    assert fake.reauthorizations == []


class FakePayWithoutRenewals(FakePay):
    reauthorize = None


def test_a_method_without_reauthorize_offers_none(db):
    service, _, _ = payment_service(db, fake=FakePayWithoutRenewals())
    doc, old = authorized(service)
    assert service.transaction_actions(doc.id)[old].reauthorizable == 0
    with pytest.raises(Conflict, match="cannot re-authorize"):
        service.reauthorize_authorization(old, actor="Alex Admin")


def test_recording_a_renewal_checks_what_it_renews(db):
    service, _, _ = payment_service(db)
    doc, old = authorized(service)
    payload = {"method": "manual", "action": "authorize", "amount": "231.86", "parent_id": old}
    with pytest.raises(ValidationError, match="Exceeds what the authorization it renews still holds"):
        service.record_payment(doc.id, {**payload, "amount": "231.87"})
    with pytest.raises(ValidationError, match="transaction 999 is not one"):
        service.record_payment(doc.id, {**payload, "parent_id": 999})
    service.record_payment(doc.id, payload)
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    assert service.transaction_actions(doc.id)[old].cancelable == 0    # its hold moved to the renewal
