"""Stripe events that name no payment started here (a refund made in the Stripe Dashboard) when an
organization has its own Stripe account and signing secret: verified with it, never with another's."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from support.stripe_payments import (
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

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.integration.payment_methods import CallbackRejected
from oro_invoices.integration.stripe_method import settings as keys

ACME_SECRET, OTHER_SECRET = "whsec_acme_own_secret", "whsec_other_org_secret"


def two_organizations(db, account):
    """Stripe set for organization 1 and organization 2, each with its own signing secret; none globally."""
    service, settings = stripe_service(db, account, webhook_secret=ACME_SECRET, scope="organization", scope_id=1)
    configure_stripe(settings, account, webhook_secret=OTHER_SECRET, scope="organization", scope_id=2)
    return service


def paid(service, account, organization_id=1):
    doc = posted(service, organization_id=organization_id)
    page = start(service, doc.id).page
    confirm(account, page, "pm_card_visa")
    service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    return doc, page


def dashboard_refund(account, page, amount):
    """A refund an admin makes in the Stripe Dashboard: it names no attempt of the add-on."""
    return account.client().v1.refunds.create({"payment_intent": intent_id(page), "amount": amount})


def test_a_dashboard_refund_is_verified_with_the_organizations_own_secret(db, stripe_account):
    service = two_organizations(db, stripe_account)
    doc, page = paid(service, stripe_account)
    refund = dashboard_refund(stripe_account, page, 5000)
    outcome = service.handle_payment_callback(
        "stripe", webhook(stripe_event(stripe_account, "refund.created", refund.id), secret=ACME_SECRET))
    assert outcome.reply == "ack" and [o.outcome for o in outcome.outcomes] == ["applied"]
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("charge", Decimal("231.86")), ("refund", Decimal("50.00"))]
    assert service.get(doc.id).payment_status is PaymentStatus.REFUNDED_PARTIALLY


def test_the_copy_to_another_organizations_endpoint_of_the_same_account_is_acknowledged_and_says_nothing(
        db, stripe_account):
    """One Stripe account, one endpoint per organization: Stripe sends every event to both. The copy
    verified with the other organization's secret is answered 200 and leaves no trace; the copy
    signed with the invoice's own secret records the refund, whichever comes first."""
    service = two_organizations(db, stripe_account)
    doc, page = paid(service, stripe_account)
    paid(service, stripe_account, organization_id=2)
    activities = len(service.activities(doc.id))
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=OTHER_SECRET))
    assert outcome.reply == "ack" and not outcome.rejected
    assert [o.outcome for o in outcome.outcomes] == ["ignored"]
    assert [t.action for t in service.transactions(doc.id)] == ["charge"]
    assert len(service.activities(doc.id)) == activities                  # no "verified with another's" entry
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=ACME_SECRET))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    assert sorted(t.action for t in service.transactions(doc.id)) == ["charge", "refund"]
    # the other organization's copy coming last is a redelivery of what was recorded
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=OTHER_SECRET))
    assert [o.outcome for o in outcome.outcomes] == ["duplicate"]
    assert not any("another organization" in a.summary for a in service.activities(doc.id))


def test_both_copies_of_a_refund_arriving_before_its_charge_record_it_once_on_the_invoice(db, stripe_account):
    """Both copies wait for the charge; when it is recorded, the refund is, under the invoice's own
    secret, and no refusal is said."""
    service = two_organizations(db, stripe_account)
    paid(service, stripe_account, organization_id=2)
    doc = posted(service)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    for secret in (OTHER_SECRET, ACME_SECRET):
        outcome = service.handle_payment_callback("stripe", webhook(event, secret=secret))
        assert [o.outcome for o in outcome.outcomes] == ["deferred" if secret == OTHER_SECRET else "duplicate"]
    service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    assert sorted((t.action, t.amount) for t in service.transactions(doc.id)) == [
        ("charge", Decimal("231.86")), ("refund", Decimal("50.00"))]
    assert not any("refused" in a.summary for a in service.activities(doc.id))


def test_another_accounts_secret_does_not_settle_the_payment(db, stripe_account):
    """Organization 2 on a Stripe account of its own: an event verified with its secret about
    organization 1's payment is refused, and organization 1's activity says so."""
    stripe_account.local_only("a second Stripe account's secret key")
    service, settings = stripe_service(db, stripe_account, webhook_secret=ACME_SECRET, scope="organization",
                                       scope_id=1)
    configure_stripe(settings, replace(stripe_account, secret_key="sk_test_other_account"),
                     webhook_secret=OTHER_SECRET, scope="organization", scope_id=2)
    doc, page = paid(service, stripe_account)
    posted(service, organization_id=2)                      # organization 2 has invoices too
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=OTHER_SECRET))
    [refused] = outcome.outcomes
    assert refused.outcome == "refused"
    assert "verified with the settings of another organization or website" in refused.reason
    assert any("verified with the settings of another organization" in a.summary
               for a in service.activities(doc.id))
    assert [t.action for t in service.transactions(doc.id)] == ["charge"]
    # the delivery signed with the invoice's own secret is still recorded
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=ACME_SECRET))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    assert sorted(t.action for t in service.transactions(doc.id)) == ["charge", "refund"]


def test_a_secret_no_scope_has_is_refused_as_not_matching(db, stripe_account):
    service = two_organizations(db, stripe_account)
    doc, page = paid(service, stripe_account)
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    with pytest.raises(CallbackRejected, match="does not match the signing secret"):
        service.handle_payment_callback("stripe", webhook(event, secret="whsec_nobody_configured_this"))
    assert [t.action for t in service.transactions(doc.id)] == ["charge"]


@pytest.mark.parametrize("scope, scope_id", [("organization", 2), ("website", 7)])
def test_a_secret_of_a_scope_without_invoices_is_acknowledged_and_records_nothing(db, stripe_account, scope,
                                                                                   scope_id):
    """An organization or website setting up its own Stripe account before its first invoice:
    Stripe's test deliveries signed with its secret are acknowledged, not refused as not matching."""
    service, settings = stripe_service(db, stripe_account, webhook_secret=ACME_SECRET, scope="organization",
                                       scope_id=1)
    configure_stripe(settings, stripe_account, webhook_secret=OTHER_SECRET, scope=scope, scope_id=scope_id)
    doc, page = paid(service, stripe_account)
    activities = len(service.activities(doc.id))
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=OTHER_SECRET))
    assert outcome.reply == "ack" and outcome.outcomes == () and outcome.attempt is None and not outcome.rejected
    assert [t.action for t in service.transactions(doc.id)] == ["charge"]
    assert len(service.activities(doc.id)) == activities                  # nothing said on another's invoice
    # nothing was kept of it: the delivery signed with the invoice's own secret is recorded as new
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=ACME_SECRET))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    assert sorted(t.action for t in service.transactions(doc.id)) == ["charge", "refund"]


def keys_used(service):
    """The secret keys of the Stripe clients made from now on."""
    method = service.payment_methods.get("stripe")
    real, used = method.client_factory, []

    def spy(settings):
        used.append(settings.secret_key)
        return real(settings)
    method.client_factory = spy
    return used


def organization_account_with_a_website_endpoint(db, account):
    """No host adapter (a website's organization is not known): organization 1 on its own Stripe
    account (its secret key), website 7 of it with an endpoint of its own (its signing secret only),
    and a global account whose API cannot be reached from here."""
    service, settings = stripe_service(db, account, scope="organization", scope_id=1)
    settings.set(keys.SECRET_KEY, "sk_test_nobody_global", "global")
    settings.set(keys.API_BASE, "http://127.0.0.1:9", "global")
    settings.set(keys.WEBHOOK_SECRET, SITE_SECRET, "website", 7)
    return service


SITE_SECRET = "whsec_website_seven_endpoint"


def test_a_website_secret_with_invoices_reads_stripe_with_its_organizations_key(db, stripe_account):
    service = organization_account_with_a_website_endpoint(db, stripe_account)
    doc = posted(service, organization_id=1, website_id=7)
    page = start(service, doc.id).page
    confirm(stripe_account, page, "pm_card_visa")
    service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded"))
    used = keys_used(service)
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=SITE_SECRET))
    assert [o.outcome for o in outcome.outcomes] == ["applied"]
    assert used and set(used) == {stripe_account.secret_key}          # never the global key


def test_a_website_secret_no_invoice_has_is_checked_without_asking_stripe_with_another_key(db, stripe_account):
    """Website 7 has no invoice yet: a delivery signed with its secret records nothing, so Stripe is
    not asked about it at all — with the global key (of another account) it would fail and Stripe
    would deliver it again for days."""
    stripe_account.local_only("a global API address that cannot be reached")
    service = organization_account_with_a_website_endpoint(db, stripe_account)
    doc, page = paid(service, stripe_account)
    used = keys_used(service)
    refund = dashboard_refund(stripe_account, page, 5000)
    event = stripe_event(stripe_account, "refund.created", refund.id)
    outcome = service.handle_payment_callback("stripe", webhook(event, secret=SITE_SECRET))
    assert outcome.reply == "ack" and outcome.outcomes == () and not outcome.unchecked
    assert used == [] and [t.action for t in service.transactions(doc.id)] == ["charge"]
    with pytest.raises(CallbackRejected, match="does not match the signing secret"):
        service.handle_payment_callback("stripe", webhook(event, secret="whsec_not_website_seven"))
