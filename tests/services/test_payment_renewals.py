"""The periodic renewal of authorizations in their last day: where it is on, what the method can
renew, once each; declines reported."""
from __future__ import annotations

import datetime as dt

from support.fakepay import payment_service
from test_payment_captures import authorized

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.services.renewals import renew_expiring_authorizations


def held(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).isoformat()


def test_authorizations_in_their_last_day_are_renewed_once(db):
    service, settings, fake = payment_service(db)
    settings.set("oro_invoices.reauthorize_expiring", True)
    soon, soon_auth = authorized(service, capture_before=held(5))
    later, later_auth = authorized(service, capture_before=held(30))
    _, unknown = authorized(service)                        # the provider did not say until when
    dry = renew_expiring_authorizations(service, dry_run=True)
    assert [(r.invoice_number, r.transaction_id) for r in dry.renewed] == [(soon.display_number, soon_auth)]
    assert fake.reauthorizations == []

    report = renew_expiring_authorizations(service)
    [renewal] = report.renewed
    assert (renewal.invoice_id, renewal.transaction_id) == (soon.id, soon_auth) and renewal.renewed_as
    assert report.summary() == "1 authorization(s) renewed, 0 not renewed, 0 skipped"
    actions = service.transaction_actions(soon.id)
    assert actions[soon_auth].cancelable == 0 and actions[renewal.renewed_as].capturable > 0
    assert service.get(soon.id).payment_status is PaymentStatus.AUTHORIZED
    assert "Renewed before the provider releases it." in [t.notes for t in service.transactions(soon.id)]
    # the renewal holds for days again: the next run has nothing to do
    assert renew_expiring_authorizations(service).renewed == []
    assert len(fake.reauthorizations) == 1
    assert service.transaction_actions(later.id)[later_auth].cancelable > 0 and unknown


def test_off_where_the_setting_is_off_and_for_what_the_method_cannot_renew(db):
    service, settings, fake = payment_service(db)
    authorized(service, capture_before=held(2))
    assert renew_expiring_authorizations(service).summary() == "0 authorization(s) renewed, 0 not renewed, 1 skipped"
    settings.set("oro_invoices.reauthorize_expiring", True)
    fake.renewable = False
    assert renew_expiring_authorizations(service).summary() == "0 authorization(s) renewed, 0 not renewed, 1 skipped"
    assert fake.reauthorizations == []


def test_a_declined_renewal_is_reported_and_the_hold_kept(db):
    service, settings, fake = payment_service(db)
    settings.set("oro_invoices.reauthorize_expiring", True)
    fake.decline_renewals = True
    doc, auth = authorized(service, capture_before=held(3))
    report = renew_expiring_authorizations(service)
    [(renewal, reason)] = report.problems
    assert (renewal.transaction_id, reason) == (auth, "The card was declined.")
    assert service.transaction_actions(doc.id)[auth].capturable > 0


def test_a_run_while_another_renews_the_same_authorization_skips_it(db):
    """The second run finds the first one's renewal under way (its attempt, under the invoice's lock)."""
    service, settings, fake = payment_service(db)
    settings.set("oro_invoices.reauthorize_expiring", True)
    authorized(service, capture_before=held(4))
    nested = []
    renew = fake.reauthorize

    def renew_while_another_run_starts(request):
        nested.append(renew_expiring_authorizations(service))
        return renew(request)
    fake.reauthorize = renew_while_another_run_starts
    report = renew_expiring_authorizations(service)
    assert len(report.renewed) == 1 and len(fake.reauthorizations) == 1
    assert [n.summary() for n in nested] == ["0 authorization(s) renewed, 0 not renewed, 0 skipped"]
