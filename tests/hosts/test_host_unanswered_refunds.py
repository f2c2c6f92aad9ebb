"""An OroPay rebate whose answer was lost: OroPay never reports rebates and a rebate sent again is
a second refund, so its amount stays reserved (past any time limit) until an admin, having
checked at OroPay, says on the back-office what OroPay did: made (recorded) or not (released)."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import update
from support.admins import admin_with
from support.view_page import dialog_notice
from test_host_payments import LostRebateAnswers, RebateApi, _paid_through_the_shop

from oro_invoices.domain.invoice import PaymentStatus
from oro_invoices.hosts.reference.testing import text_of
from oro_invoices.persistence.models import PaymentAttempt


def lost_refund(shop, admin):
    """A paid invoice whose full refund was asked at OroPay, its answer lost, an hour ago (long
    past the 15 minutes a request on its way holds its amount): (invoice, charge, OroPay's API)."""
    doc = _paid_through_the_shop(shop)
    api = LostRebateAnswers()
    method = shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay")
    method.transport = api
    [charge] = admin.service.transactions(doc.id)
    view = f"/admin/invoices/{doc.id}"
    admin.submit(view, f"{view}/transactions/{charge.id}/refund", {"amount": str(charge.amount), "notes": ""})
    with admin.service.db.engine.begin() as conn:
        conn.execute(update(PaymentAttempt).where(PaymentAttempt.kind == "refund").values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    return doc, charge, api


def confirm_link(page: str) -> str:
    found = re.search(r'href="([^"]*\?dialog=unanswered[^"]*)"', page)
    assert found, "the payment offers no Confirm Outcome"
    return found.group(1).replace("&amp;", "&")


def test_a_lost_rebate_stays_reserved_until_the_admin_says_oropay_made_it(shop, admin):
    doc, charge, api = lost_refund(shop, admin)
    money = f"€{charge.amount:,.2f}"
    view = f"/admin/invoices/{doc.id}"
    page = admin.get(view).get_data(as_text=True)
    row = text_of(page.split(f'data-transaction-id="{charge.id}"')[1].split("</tr>")[0])
    assert f"OroPay did not answer whether it carried out the refund of {money} (asked " in row
    assert "it stays reserved until you check the payment at OroPay and confirm what it did." in row
    assert "Confirm Outcome" in row and "Refund" not in row.replace("refund of", "")
    assert admin.service.transaction_actions(doc.id)[charge.id].refundable == 0     # still reserved
    asked = admin.submit(view, f"{view}/transactions/{charge.id}/refund", {"amount": "1.00", "notes": ""},
                         follow_redirects=True)
    assert ("so its amount stays reserved. Check the payment at OroPay and confirm on the invoice's payment "
            "whether it was made.") in text_of(asked.get_data(as_text=True))
    assert api.calls == 1                                 # never a second rebate

    dialog = text_of(admin.get(confirm_link(page)).get_data(as_text=True))
    assert "Confirm Outcome" in dialog and "It Was Made" in dialog and "It Was Not Made" in dialog
    assert (f"OroPay did not answer whether it carried out the refund of {money} (asked ") in dialog
    assert "so its amount stays reserved. Check the payment at OroPay, then say what it did." in dialog
    attempt = re.search(r'name="attempt" value="([^"]+)"', admin.get(confirm_link(page)).get_data(as_text=True))[1]
    action = f"{view}/transactions/{charge.id}/unanswered"
    done = admin.submit(view, action, {"attempt": attempt, "outcome": "made", "reference": "RB-1"},
                        follow_redirects=True)
    text = text_of(done.get_data(as_text=True))
    assert f"Recorded as made at OroPay: {money}." in text
    assert f"Confirmed that OroPay made the refund of {money} (reference RB-1)" in text      # the activity
    refund = next(t for t in admin.service.transactions(doc.id) if t.action == "refund")
    assert (refund.amount, refund.provider_reference, refund.successful) == (charge.amount, "RB-1", True)
    assert admin.service.get(doc.id).payment_status is PaymentStatus.REFUNDED
    assert "Confirm Outcome" not in text and api.calls == 1
    # the same dialog sent again changes nothing
    again = admin.submit(view, action, {"attempt": attempt, "outcome": "made"}, follow_redirects=True)
    assert ("This request is no longer waiting for its provider's answer: it was reported, asked again or "
            "confirmed already.") in text_of(again.get_data(as_text=True))
    assert len([t for t in admin.service.transactions(doc.id) if t.action == "refund"]) == 1


def test_a_lost_rebate_oropay_did_not_make_is_released_and_can_be_refunded(shop, admin):
    doc, charge, api = lost_refund(shop, admin)
    money = f"€{charge.amount:,.2f}"
    view = f"/admin/invoices/{doc.id}"
    link = confirm_link(admin.get(view).get_data(as_text=True))
    attempt = re.search(r"attempt=([^&#]+)", link)[1]
    action = f"{view}/transactions/{charge.id}/unanswered"
    unsaid = admin.submit(view, action, {"attempt": attempt, "outcome": "maybe"})
    assert unsaid.status_code == 422
    assert "Choose whether the request was made: It Was Made or It Was Not Made." in text_of(
        unsaid.get_data(as_text=True))
    done = admin.submit(view, action, {"attempt": attempt, "outcome": "not-made"}, follow_redirects=True)
    text = text_of(done.get_data(as_text=True))
    assert f"Recorded that OroPay did not make it: the {money} is no longer reserved." in text
    assert f"Confirmed that OroPay did not make the refund of {money}; it is no longer reserved" in text
    assert admin.service.transaction_actions(doc.id)[charge.id].refundable == charge.amount
    assert [t.action for t in admin.service.transactions(doc.id)] == ["charge"]
    rebates = RebateApi()
    shop[0].extensions["oro_invoices"].service.payment_methods.get("oropay").transport = rebates
    refunded = admin.submit(view, f"{view}/transactions/{charge.id}/refund",
                            {"amount": str(charge.amount), "notes": ""}, follow_redirects=True)
    assert f"The payment of {money} has been refunded successfully." in text_of(refunded.get_data(as_text=True))
    assert rebates.calls == 1 and admin.service.get(doc.id).payment_status is PaymentStatus.REFUNDED


def test_confirming_needs_the_permission_its_form_and_a_request_still_waiting(shop, admin):
    doc, charge, api = lost_refund(shop, admin)
    view = f"/admin/invoices/{doc.id}"
    action = f"{view}/transactions/{charge.id}/unanswered"
    attempt = re.search(r"attempt=([^&#]+)", confirm_link(admin.get(view).get_data(as_text=True)))[1]
    viewer = admin_with(shop)
    assert "Confirm Outcome" not in text_of(viewer.get(view).get_data(as_text=True))
    link = viewer.get(f"{view}?dialog=unanswered&transaction={charge.id}")
    assert "Your role may not refund, capture, cancel or re-authorize payments." in dialog_notice(link)
    assert viewer.submit(view, action, {"attempt": attempt, "outcome": "not-made"}).status_code == 403
    forged = admin.client.post(action, data={"attempt": attempt, "outcome": "not-made"})
    assert forged.status_code in (400, 403)
    assert admin.service.transaction_actions(doc.id)[charge.id].refundable == 0      # still reserved
    admin.submit(view, action, {"attempt": attempt, "outcome": "not-made"})
    stale = admin.get(f"{view}?dialog=unanswered&transaction={charge.id}&attempt={attempt}")
    assert 'role="dialog"' not in stale.get_data(as_text=True)
    assert ("No request on this payment is waiting for an answer to confirm: it was reported, asked again or "
            "confirmed already.") in dialog_notice(stale)
