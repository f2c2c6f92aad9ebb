"""A re-authorization whose answer from Stripe never comes back: the new authorization may have
been made, so it is not recorded as failed, and asking again sends the same request, which
Stripe answers with the PaymentIntent it made the first time (one new hold, never two)."""
from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
import stripe
from support.stripe_payments import answers_lost, intent_id, stripe_service, webhook
from test_stripe_method_reauthorize import authorized

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.services.facade import InvoiceService

LOST = ("Stripe did not answer whether it re-authorized 231.86 USD (Read timed out.). The new authorization may "
        "have been made: the old one stays reserved for it until Stripe reports it. Re-authorizing again sends "
        "this same request, which Stripe never carries out twice.")


def losing(service, call: str, times: int) -> list[str]:
    """Make the next ``times`` calls of ``payment_intents.<call>`` made while renewing reach Stripe but
    lose its answer; the ids of the PaymentIntents they returned."""
    return answers_lost(service, "payment_intents", call, times, losing=lambda *args: call == "cancel" or (
        call == "create" and "renews_payment_intent" in args[0].get("metadata", {})))


def intent_event(account, intent_id: str, type: str, **changes) -> bytes:
    """The body of Stripe's ``type`` event about the PaymentIntent ``intent_id`` as it is now (with ``changes``)."""
    intent = account.client().v1.payment_intents.retrieve(intent_id).to_dict(for_json=True)
    intent.update(changes)
    return json.dumps({"id": f"evt_{type.replace('.', '_')}_{time.time_ns()}", "object": "event",
                       "api_version": "2025-03-31.basil", "created": int(time.time()), "livemode": False,
                       "pending_webhooks": 1, "type": type, "data": {"object": intent}}).encode()


class LostRenewal(NamedTuple):
    service: InvoiceService
    doc: Any
    first: str       # the authorization's PaymentIntent
    old: int         # its transaction
    renewal: str     # the PaymentIntent Stripe made for the re-authorization whose answer was lost


def lost_renewal(db, account) -> LostRenewal:
    """An authorized invoice whose re-authorization reached Stripe but whose answer was lost."""
    account.local_only("Stripe's answer is made to be lost")
    service, _ = stripe_service(db, account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, account)
    made = losing(service, "create", times=1)
    with pytest.raises(ProviderError):
        service.reauthorize_authorization(old, actor="admin")
    return LostRenewal(service, doc, intent_id(page), old, made[0])


def renewals_of(account, first: str) -> list:
    return [pi for pi in account.client().v1.payment_intents.list({"limit": 100}).auto_paging_iter()
            if pi.metadata.to_dict().get("renews_payment_intent") == first]


def test_a_renewal_whose_answer_is_lost_is_asked_again_as_the_same_payment_intent(db, stripe_account):
    stripe_account.local_only("Stripe's answer is made to be lost")
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, stripe_account)
    first = intent_id(page)
    made = losing(service, "create", times=2)
    for _ in range(2):      # asked, its answer lost; asked again, lost again
        with pytest.raises(ProviderError) as lost:
            service.reauthorize_authorization(old, actor="admin")
        assert str(lost.value) == LOST
    assert made[0] == made[1]
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    assert [t.id for t in service.transactions(doc.id)] == [old]
    actions = service.transaction_actions(doc.id)[old]
    assert actions.reauthorizable == actions.capturable == actions.cancelable == 0   # reserved for the renewal
    assert stripe_account.client().v1.payment_intents.retrieve(first).status == "requires_capture"  # not released
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert LOST in summaries
    assert "Re-authorization of 231.86 USD asked again through Stripe (the same request)" in summaries
    assert not any("did not go through" in s for s in summaries)

    # the third time the answer comes back: the PaymentIntent made the first time, recorded once
    renewed = service.reauthorize_authorization(old, actor="admin")
    assert renewed.successful and renewed.amount == Decimal("231.86")
    assert [(pi.id, pi.status) for pi in renewals_of(stripe_account, first)] == [(made[0], "requires_capture")]
    assert stripe_account.client().v1.payment_intents.retrieve(first).status == "canceled"
    actions = service.transaction_actions(doc.id)
    assert actions[old].cancelable == 0 and actions[renewed.transaction_id].capturable == Decimal("231.86")
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    started = [a for a in service.activities(doc.id) if a.summary.startswith("Re-authorization of 231.86 USD "
                                                                              "requested")]
    assert len(started) == 1


def test_a_release_whose_answer_is_lost_keeps_the_new_hold_and_is_sent_again(db, stripe_account, monkeypatch):
    stripe_account.local_only("Stripe's answer is made to be lost")
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, stripe_account)
    first = intent_id(page)
    losing(service, "cancel", times=1)
    retrieve = stripe.PaymentIntentService.retrieve
    calls = []

    def unreachable_once_after_the_release(self, intent, *args, **kwargs):
        calls.append(intent)
        if len(calls) == 2:      # the read after the release: Stripe cannot be reached either
            raise stripe.APIConnectionError("Read timed out.")
        return retrieve(self, intent, *args, **kwargs)
    monkeypatch.setattr(stripe.PaymentIntentService, "retrieve", unreachable_once_after_the_release)
    with pytest.raises(ProviderError) as lost:
        service.reauthorize_authorization(old, actor="admin")
    assert str(lost.value) == LOST
    monkeypatch.undo()
    [renewal] = renewals_of(stripe_account, first)
    assert renewal.status == "requires_capture"        # the new hold is kept, not undone
    renewed = service.reauthorize_authorization(old, actor="admin")
    assert renewed.successful
    assert [pi.id for pi in renewals_of(stripe_account, first)] == [renewal.id]
    assert stripe_account.client().v1.payment_intents.retrieve(first).status == "canceled"
    assert service.transaction_actions(doc.id)[renewed.transaction_id].capturable == Decimal("231.86")


def test_the_renewal_webhook_after_the_old_hold_was_released_meanwhile_says_nothing_failed(db, stripe_account):
    """Stripe's renewal webhook arrives while the admin's Re-authorize sent again is running: that one
    has canceled the old PaymentIntent already, so the webhook's own cancellation finds it canceled."""
    service, doc, first, old, renewal = lost_renewal(db, stripe_account)
    stripe_account.client().v1.payment_intents.cancel(first)      # what the admin's request sent again has just done
    body = intent_event(stripe_account, renewal, "payment_intent.amount_capturable_updated")
    outcome = service.handle_payment_callback("stripe", webhook(body))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert not any("could not be released" in s for s in summaries), summaries
    actions = service.transaction_actions(doc.id)
    assert actions[old].cancelable == 0 and actions[outcome.outcomes[0].transaction_id].capturable == Decimal("231.86")
    # Stripe's own report of the old one's cancellation is the release already kept
    body = intent_event(stripe_account, first, "payment_intent.canceled")
    assert {o.outcome for o in service.handle_payment_callback("stripe", webhook(body)).outcomes} == {"duplicate"}
