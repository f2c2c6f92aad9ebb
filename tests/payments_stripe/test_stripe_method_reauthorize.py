"""Renewing an authorization through Stripe before it expires: the card kept at the first
payment (``setup_future_usage``), a new PaymentIntent confirmed off-session, the old one canceled."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import stripe
from support.fakepay import BASE_URL
from support.stripe_payments import (
    authenticate,
    back_from_stripe,
    configure_stripe,
    confirm,
    intent_id,
    posted,
    start,
    stripe_event,
    stripe_service,
    webhook,
)

from oro_invoices import cli
from oro_invoices.domain.errors import Conflict
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService


def authorized(service, account, card="pm_card_visa"):
    """A posted invoice of 231.86 USD authorized with ``card``: (invoice, page, authorization id)."""
    doc = posted(service)
    page = start(service, doc.id).page
    intent = confirm(account, page, card)
    back = authenticate(account, intent, True) if intent.status == "requires_action" \
        else back_from_stripe(page, "succeeded")
    return doc, page, service.handle_payment_callback("stripe", back).attempt.transaction_id


def test_reauthorize_renews_the_hold_with_the_kept_card(db, stripe_account):
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, stripe_account)
    assert str(page.notice) == "Stripe keeps your card so that the seller can renew this authorization before it expires."
    client = stripe_account.client()
    first = client.v1.payment_intents.retrieve(intent_id(page))
    assert first.setup_future_usage == "off_session" and first.customer
    assert client.v1.payment_methods.retrieve(first.payment_method).customer == first.customer
    assert service.transaction_actions(doc.id)[old].reauthorizable == Decimal("231.86")

    outcome = service.reauthorize_authorization(old, notes="ships next week", actor="admin")
    assert outcome.successful and outcome.amount == Decimal("231.86")
    new = next(t for t in service.transactions(doc.id) if t.id == outcome.transaction_id)
    renewed = client.v1.payment_intents.retrieve(client.v1.charges.retrieve(new.provider_reference).payment_intent)
    assert (renewed.status, renewed.amount, renewed.capture_method) == ("requires_capture", 23186, "manual")
    assert (renewed.payment_method, renewed.customer) == (first.payment_method, first.customer)
    assert renewed.metadata["renews_payment_intent"] == first.id
    assert client.v1.payment_intents.retrieve(first.id).status == "canceled"
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    actions = service.transaction_actions(doc.id)
    assert actions[old].cancelable == 0 and actions[new.id].capturable == Decimal("231.86")
    assert dt.timedelta(days=6) < actions[new.id].capture_before - dt.datetime.now(dt.UTC) <= dt.timedelta(days=7)

    # Stripe's webhook about the old PaymentIntent's cancellation changes nothing
    event = stripe_event(stripe_account, "payment_intent.canceled", first.id)
    canceled = service.handle_payment_callback("stripe", webhook(event))
    assert [o.outcome for o in canceled.outcomes] == ["duplicate", "duplicate"]   # authorized, canceled
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    # the renewal can itself be renewed, then captured
    again = service.reauthorize_authorization(new.id, actor="admin")
    assert again.successful
    assert service.capture_authorization(again.transaction_id, actor="admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL


def test_without_allow_reauthorization_the_card_is_not_kept(db, stripe_account):
    service, settings = stripe_service(db, stripe_account, action="authorize")
    doc, page, old = authorized(service, stripe_account)
    assert page.notice == ""
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).setup_future_usage is None
    assert service.transaction_actions(doc.id)[old].reauthorizable == 0
    # switched on later: this authorization's card was not kept
    settings.set("oro_invoices.stripe.reauthorize", True)
    assert service.transaction_actions(doc.id)[old].reauthorizable == 0
    with pytest.raises(Conflict, match="Stripe cannot re-authorize this payment: its card was not kept"):
        service.reauthorize_authorization(old, actor="admin")


def test_a_card_that_always_asks_for_authentication_is_not_renewed(db, stripe_account):
    stripe_account.local_only("completing 3-D Secure needs the local challenge page")
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, stripe_account, "pm_card_authenticationRequired")
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    with pytest.raises(ProviderError, match="Stripe declined the card: Your card was declined. This transaction "
                                            "requires authentication. The authorization stays as it was."):
        service.reauthorize_authorization(old, actor="admin")
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).status == "requires_capture"
    assert [t.id for t in service.transactions(doc.id)] == [old]
    assert service.transaction_actions(doc.id)[old].capturable == Decimal("231.86")


def test_a_card_set_up_for_later_payments_is_renewed_without_the_customer(db, stripe_account):
    stripe_account.local_only("completing 3-D Secure needs the local challenge page")
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, _, old = authorized(service, stripe_account, "pm_card_authenticationRequiredOnSetup")
    assert service.reauthorize_authorization(old, actor="admin").successful
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED


def test_the_reauthorize_command_renews_what_stripe_releases_soon(sqlite_db, stripe_account, capsys):
    host = MemoryHost()
    settings = Settings(host.config, payment_methods=("stripe", "oropay"))
    configure_stripe(settings, stripe_account, action="authorize", reauthorize=True)
    settings.set("oro_invoices.reauthorize_expiring", True)
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             payment_url=lambda inv: f"{BASE_URL}/invoices/pay/{inv.payment_token}")
    doc, page, old = authorized(service, stripe_account)
    argv = ["reauthorize", "--db", sqlite_db.url]
    assert cli.main(argv, host=host) == 0                     # Stripe holds it for 7 days: not yet
    assert capsys.readouterr().out.splitlines() == ["0 authorization(s) renewed, 0 not renewed, 0 skipped",
                                                    "0 alert(s) queued, 0 failed, 0 skipped"]
    assert cli.main([*argv, "--within", "200", "--dry-run"], host=host) == 0
    assert f"would renew: invoice {doc.display_number} (id {doc.id}): authorization {old}" in capsys.readouterr().out
    assert cli.main([*argv, "--within", "200"], host=host) == 0
    out = capsys.readouterr().out
    assert f"renewed: invoice {doc.display_number} (id {doc.id}): authorization {old}" in out
    assert "1 authorization(s) renewed, 0 not renewed, 0 skipped" in out
    assert stripe_account.client().v1.payment_intents.retrieve(intent_id(page)).status == "canceled"
    assert service.transaction_actions(doc.id)[old].cancelable == 0


def test_when_the_old_authorization_cannot_be_released_the_new_one_is_canceled(db, stripe_account, monkeypatch):
    stripe_account.local_only("Stripe is made unreachable for one call")
    service, _ = stripe_service(db, stripe_account, action="authorize", reauthorize=True)
    doc, page, old = authorized(service, stripe_account)
    first = intent_id(page)
    cancel = stripe.PaymentIntentService.cancel

    def unreachable_for_the_old_one(self, intent, *args, **kwargs):
        if intent == first:
            raise stripe.APIConnectionError("Connection refused")
        return cancel(self, intent, *args, **kwargs)
    monkeypatch.setattr(stripe.PaymentIntentService, "cancel", unreachable_for_the_old_one)
    with pytest.raises(ProviderError, match="Stripe could not be reached while releasing the authorization"):
        service.reauthorize_authorization(old, actor="admin")
    client = stripe_account.client()
    renewals = [pi for pi in client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
                if pi.metadata.to_dict().get("renews_payment_intent") == first]
    assert [pi.status for pi in renewals] == ["canceled"]          # the new hold was released again
    assert client.v1.payment_intents.retrieve(first).status == "requires_capture"
    assert [t.id for t in service.transactions(doc.id)] == [old]
    assert service.transaction_actions(doc.id)[old].reauthorizable == Decimal("231.86")
