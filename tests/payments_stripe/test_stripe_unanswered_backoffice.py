"""Stripe requests whose answer was lost, on the back-office view page: the re-authorization,
capture or cancellation stays reserved (past the 15 minutes a request on its way holds), its own
button asks Stripe again with the same request (the same idempotency key) while Stripe keeps that
key, and Stripe's webhook about a renewing PaymentIntent settles it."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import update
from support.stripe_payments import (
    answers_lost,
    back_from_stripe,
    configure_stripe,
    confirm,
    intent_id,
    start,
    stripe_event,
    webhook,
)
from test_stripe_reauthorize_unanswered import intent_event, losing, lost_renewal, renewals_of

from oro_invoices.domain.errors import Conflict
from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.persistence.models import PaymentAttempt


@pytest.fixture
def stripe_shop(shop, stripe_account):
    """The reference shop taking authorizations through Stripe (cards kept for renewals), and its
    admin logged in to the back-office."""
    stripe_account.local_only("Stripe's answers are made to be lost")
    configure_stripe(Settings(shop[0].extensions["oro_reference_host"].config), stripe_account,
                     action="authorize", reauthorize=True)
    admin = ShopClient(shop[0])
    admin.login_admin()
    return admin


def authorized_in_shop(service, account, external_id: str):
    """The shop's posted invoice ``external_id`` with what is due authorized through Stripe by its
    customer user (the card kept): (invoice, PaymentIntent id, authorization id, amount as shown)."""
    doc = service.get(service.find_id(external_id=external_id))
    page = start(service, doc.id, payer_email=doc.customer_user_email).page
    confirm(account, page, "pm_card_visa")
    authorization = service.handle_payment_callback("stripe", back_from_stripe(page, "succeeded")).attempt
    assert authorization.transaction_id is not None
    return doc, intent_id(page), authorization.transaction_id, f"€{authorization.amount:,.2f}"


def row_of(page: str, transaction_id: int) -> str:
    return page.split(f'data-transaction-id="{transaction_id}"')[1].split("</tr>")[0]


def age(admin, hours: float) -> None:
    """Make every started request look ``hours`` old."""
    with admin.service.db.engine.begin() as conn:
        conn.execute(update(PaymentAttempt).where(PaymentAttempt.status == "started").values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)))


def ask_again(admin, doc_id: int, transaction_id: int, dialog: str, question: str) -> str:
    """Open ``dialog`` of the transaction, check it asks ``question``, and press Yes, Ask Again; the
    page it leads to, as text."""
    view = f"/admin/invoices/{doc_id}"
    page = admin.get(f"{view}?dialog={dialog}&transaction={transaction_id}").get_data(as_text=True)
    shown = text_of(page)
    assert "Ask Stripe Again" in shown and question in shown and "Yes, Ask Again" in shown
    action = re.search(r'<form class="oi-modal__box" method="post" action="([^"]+)"', page)[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.split('id="oi-ask-again-dialog"')[1]))
    fields.pop("csrf_token")
    return text_of(admin.submit(view, action, fields, follow_redirects=True).get_data(as_text=True))


def test_a_lost_renewal_is_asked_again_from_the_view_page_long_after_15_minutes(stripe_shop, stripe_account):
    admin = stripe_shop
    service = admin.service
    doc, first, old, money = authorized_in_shop(service, stripe_account, "ERP-SO-1003-3")
    made = losing(service, "create", times=1)
    with pytest.raises(ProviderError):
        service.reauthorize_authorization(old, actor="admin")
    age(admin, 1)                        # past 15 minutes: still reserved for the renewal
    actions = service.transaction_actions(doc.id)[old]
    assert actions.capturable == actions.cancelable == actions.reauthorizable == 0
    assert [u.kind for u in actions.unanswered] == ["reauthorize"]
    with pytest.raises(Conflict) as reserved:     # no second, new renewal; no capture of what it holds
        service.capture_authorization(old, actor="admin")
    assert "Stripe did not answer whether it carried out the re-authorization of " in str(reserved.value)
    row = text_of(row_of(admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True), old))
    assert f"Stripe did not answer whether it carried out the re-authorization of {money} (asked " in row
    assert ("it stays reserved until Stripe reports it. Ask for it again: the same request is sent, which Stripe "
            "never carries out twice.") in row
    assert "Re-authorize" in row and "Capture" not in row and "Confirm Outcome" not in row

    done = ask_again(admin, doc.id, old, "reauthorize", f"Stripe did not answer whether it carried out the "
                                                         f"re-authorization of {money} (asked ")
    assert f"The authorization of {money} has been renewed." in done
    assert [pi.id for pi in renewals_of(stripe_account, first)] == made   # the same one
    assert f"Re-authorization of {money} asked again through Stripe (the same request)" in done
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    assert service.transaction_actions(doc.id)[old].unanswered == ()


def test_a_lost_capture_and_a_lost_cancellation_are_asked_again_from_the_view_page(stripe_shop, stripe_account):
    admin = stripe_shop
    service = admin.service
    doc, _, authorization, money = authorized_in_shop(service, stripe_account, "ERP-SO-1003-3")
    answers_lost(service, "payment_intents", "capture", times=1)
    with pytest.raises(ProviderError):
        service.capture_authorization(authorization, actor="admin")
    row = text_of(row_of(admin.get(f"/admin/invoices/{doc.id}").get_data(as_text=True), authorization))
    assert f"Stripe did not answer whether it carried out the capture of {money} (asked " in row
    assert "Capture" in row and "Cancel" not in row
    done = ask_again(admin, doc.id, authorization, "capture",
                     "Asking again sends the same request: Stripe carries it out at most once and answers what it "
                     "did.")
    assert f"The payment of {money} has been captured." in done
    assert service.get(doc.id).payment_status is PaymentStatus.PAID_IN_FULL

    other, _, held, money = authorized_in_shop(service, stripe_account, "ERP-SO-1002-2")
    answers_lost(service, "payment_intents", "cancel", times=1)
    with pytest.raises(ProviderError):
        service.cancel_authorization(held, actor="admin")
    age(admin, 2)
    row = text_of(row_of(admin.get(f"/admin/invoices/{other.id}").get_data(as_text=True), held))
    assert f"Stripe did not answer whether it carried out the cancellation of {money} (asked " in row
    assert "Cancel" in row and "Capture" not in row
    done = ask_again(admin, other.id, held, "cancel-authorization", f"cancellation of {money}")
    assert f"The authorization of {money} has been canceled." in done


def test_after_a_day_a_lost_renewal_is_not_sent_again_but_confirmed(stripe_shop, stripe_account):
    """Stripe forgets idempotency keys after 24 hours: the same request sent later could be a second
    renewal, so the admin checks at Stripe and says it was not made (a renewal is recorded only as
    Stripe reports it)."""
    admin = stripe_shop
    service = admin.service
    doc, _, old, money = authorized_in_shop(service, stripe_account, "ERP-SO-1003-3")
    losing(service, "create", times=1)
    with pytest.raises(ProviderError):
        service.reauthorize_authorization(old, actor="admin")
    age(admin, 25)
    [lost] = service.transaction_actions(doc.id)[old].unanswered
    assert not lost.resendable and not lost.confirmable
    with pytest.raises(Conflict) as reserved:
        service.reauthorize_authorization(old, actor="admin")
    assert str(reserved.value).endswith("so its amount stays reserved. Check the payment at Stripe and confirm on "
                                        "the invoice's payment whether it was made.")
    with pytest.raises(Conflict, match="A re-authorization is recorded only as Stripe reports it"):
        service.confirm_unanswered_request(old, lost.attempt_id, made=True, actor="admin")
    view = f"/admin/invoices/{doc.id}"
    page = admin.get(f"{view}?dialog=unanswered&transaction={old}").get_data(as_text=True)
    assert "It Was Not Made" in text_of(page) and "It Was Made" not in text_of(page).replace("It Was Not Made", "")
    done = admin.submit(view, f"{view}/transactions/{old}/unanswered",
                        {"attempt": lost.attempt_id, "outcome": "not-made"}, follow_redirects=True)
    assert f"Recorded that Stripe did not make it: the {money} is no longer reserved." in text_of(
        done.get_data(as_text=True))
    assert service.transaction_actions(doc.id)[old].capturable > 0


def test_stripes_webhook_about_a_lost_renewal_records_it_once_and_releases_the_old_hold(db, stripe_account):
    service, doc, first, old, renewal = lost_renewal(db, stripe_account)
    body = intent_event(stripe_account, renewal, "payment_intent.amount_capturable_updated")
    reported = service.handle_payment_callback("stripe", webhook(body))
    assert [o.outcome for o in reported.outcomes] == ["applied"]
    again = service.handle_payment_callback("stripe", webhook(body))
    assert [o.outcome for o in again.outcomes] == ["duplicate"]
    new = [t for t in service.transactions(doc.id) if t.id != old]
    assert [(t.action, t.amount, t.successful) for t in new] == [("authorize", Decimal("231.86"), True)]
    actions = service.transaction_actions(doc.id)
    assert actions[old].unanswered == () and actions[old].cancelable == 0
    assert actions[new[0].id].capturable == Decimal("231.86")
    assert service.get(doc.id).payment_status is PaymentStatus.AUTHORIZED
    with pytest.raises(Conflict, match="Nothing remains to re-authorize"):
        service.reauthorize_authorization(old, actor="admin")
    # the old hold is released at Stripe (the card carries one), and Stripe's report of that changes nothing
    assert stripe_account.client().v1.payment_intents.retrieve(first).status == "canceled"
    canceled = service.handle_payment_callback("stripe", webhook(stripe_event(stripe_account, "payment_intent.canceled",
                                                                              first)))
    assert {o.outcome for o in canceled.outcomes} == {"duplicate"}
    assert [(t.action, t.successful) for t in service.transactions(doc.id)] == [("authorize", True)] * 2


def test_stripes_webhook_about_a_failed_lost_renewal_releases_the_old_authorization(db, stripe_account):
    service, doc, _, old, renewal = lost_renewal(db, stripe_account)
    assert service.transaction_actions(doc.id)[old].capturable == 0
    body = intent_event(stripe_account, renewal, "payment_intent.payment_failed", status="requires_payment_method",
                        latest_charge=None, last_payment_error={
                            "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                            "message": "Your card has insufficient funds."})
    service.handle_payment_callback("stripe", webhook(body))
    assert [t.id for t in service.transactions(doc.id) if t.successful] == [old]
    actions = service.transaction_actions(doc.id)[old]
    assert actions.unanswered == () and actions.capturable == actions.reauthorizable == Decimal("231.86")
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert summaries[0] == "Authorization of 231.86 USD via Stripe: failed"


def test_an_old_hold_stripe_does_not_release_after_the_reported_renewal_is_said(db, stripe_account):
    service, doc, _, _, renewal = lost_renewal(db, stripe_account)
    losing(service, "cancel", times=1)
    body = intent_event(stripe_account, renewal, "payment_intent.amount_capturable_updated")
    assert [o.outcome for o in service.handle_payment_callback("stripe", webhook(body)).outcomes] == ["applied"]
    summaries = [a.summary for a in service.activities(doc.id) if a.kind == "payment"]
    assert ("Stripe reported the renewal of the authorization of 231.86 USD, but the old authorization could not "
            "be released (") in summaries[0]
    assert summaries[0].endswith("Cancel it at Stripe so that the customer's card carries one hold.")


def test_beside_a_lost_refund_the_dialog_offers_to_refund_what_is_not_reserved(stripe_shop, stripe_account):
    admin = stripe_shop
    service = admin.service
    doc, _, authorization, money = authorized_in_shop(service, stripe_account, "ERP-SO-1003-3")
    captured = service.capture_authorization(authorization, actor="admin").transaction_id
    made = answers_lost(service, "refunds", "create", times=1)
    with pytest.raises(ProviderError):
        service.refund_payment(captured, "10.00", actor="admin")
    free = service.transaction_actions(doc.id)[captured].refundable
    view = f"/admin/invoices/{doc.id}"
    page = admin.get(f"{view}?dialog=refund&transaction={captured}").get_data(as_text=True)
    assert "Ask Stripe Again" in text_of(page)
    assert f"Refund another amount instead: €{free:,.2f} is not reserved." in text_of(page)
    another = admin.get(f"{view}?dialog=refund&transaction={captured}&another=1").get_data(as_text=True)
    assert "Refund Payment" in text_of(another) and f"At most €{free:,.2f} remains to refund." in text_of(another)
    action = f"{view}/transactions/{captured}/refund"
    refused = admin.submit(view, action, {"amount": str(free + 1), "notes": "", "another": "1"})
    assert refused.status_code == 422 and "Refund Payment" in text_of(refused.get_data(as_text=True))
    done = admin.submit(view, action, {"amount": "5.00", "notes": "", "another": "1"}, follow_redirects=True)
    assert "The payment of €5.00 has been refunded successfully." in text_of(done.get_data(as_text=True))
    [lost] = service.transaction_actions(doc.id)[captured].unanswered       # still waiting, still one refund
    assert lost.amount == 10 and len(made) == 1
