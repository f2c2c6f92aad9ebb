"""A refund whose provider's answer was lost, through the API: listed under its transaction (it
stays reserved), and settled by saying what the provider did (FakePay sends nothing again safely)."""
from __future__ import annotations

import pytest
from support.api import assert_error_shape, make_http
from support.fakepay import payment_service
from test_api_payment_actions import listed, paid

from oro_invoices.integration.payment_methods import OutcomeUnknown


@pytest.fixture
def lost(db, monkeypatch):
    """``(http, fakepay, invoice, charge)``: a paid invoice whose refund of 31.86 was asked, its answer lost."""
    service, settings, fake = payment_service(db)
    http = make_http(service, settings)
    inv, tx = paid(http)

    def timed_out(request):
        raise OutcomeUnknown("FakePay did not answer.", detail="timed out")
    monkeypatch.setattr(fake, "refund", timed_out)
    resp = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", {"amount": "31.86"})
    assert resp.status_code == 502
    assert assert_error_shape(resp)[0]["message"].startswith(
        "FakePay did not answer whether it carried out the refund of 31.86 USD (timed out). It may have been made: "
        "its amount stays reserved until you check the payment at FakePay")
    monkeypatch.undo()
    return http, fake, inv, tx


def test_a_lost_refund_is_listed_and_confirmed_as_made(lost):
    http, fake, inv, tx = lost
    row = listed(http, inv)[tx]
    [waiting] = row["unanswered"]
    assert row["refundable"] == "200.00"
    assert {k: waiting[k] for k in ("kind", "amount", "currency", "resendable", "confirmable")} == {
        "kind": "refund", "amount": "31.86", "currency": "USD", "resendable": False, "confirmable": True}
    path = f"/api/invoices/{inv}/payments/{tx}/confirm-unanswered"
    done = http.post(path, {"attempt_id": waiting["attempt_id"], "made": True, "reference": "re_123"})
    assert done.status_code == 200, done.get_data()
    body = done.get_json()
    assert (body["successful"], body["amount"], body["invoice"]["payment_status"]) == (
        True, "31.86", "refunded_partially")
    assert listed(http, inv)[tx]["unanswered"] == [] and listed(http, inv)[tx]["refundable"] == "200.00"
    refund = next(t for t in http.service.transactions(inv) if t.action == "refund")
    assert refund.provider_reference == "re_123" and not fake.refunds
    again = http.post(path, {"attempt_id": waiting["attempt_id"], "made": True})
    assert again.status_code == 409
    assert assert_error_shape(again)[0]["message"] == (
        "This request is no longer waiting for its provider's answer: it was reported, asked again or confirmed "
        "already.")


def test_a_lost_refund_confirmed_as_not_made_is_released(lost):
    http, fake, inv, tx = lost
    [waiting] = listed(http, inv)[tx]["unanswered"]
    done = http.post(f"/api/invoices/{inv}/payments/{tx}/confirm-unanswered",
                     {"attempt_id": waiting["attempt_id"], "made": False})
    assert done.status_code == 200 and done.get_json()["successful"] is False
    assert listed(http, inv)[tx]["refundable"] == "231.86"
    assert http.post(f"/api/invoices/{inv}/payments/{tx}/refund").get_json()["successful"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"made": True}, "attempt_id", "Required: the attempt_id"),
    ({"attempt_id": "x" * 24, "made": "yes"}, "made", "Required: true (the provider made it) or false"),
    ({"attempt_id": "x" * 24, "made": True, "why": 1}, "why", "Unknown field"),
    ({"attempt_id": "x" * 24, "made": True, "reference": 5}, "reference", "A text of at most 255 characters."),
])
def test_bad_confirmations_say_what_is_wrong(lost, body, field, message):
    http, fake, inv, tx = lost
    resp = http.post(f"/api/invoices/{inv}/payments/{tx}/confirm-unanswered", body)
    assert resp.status_code == 422
    assert any(e["field"] == field and message in e["message"] for e in assert_error_shape(resp))
    assert len(listed(http, inv)[tx]["unanswered"]) == 1


def test_an_unknown_request_and_another_organization_are_refused(lost):
    http, fake, inv, tx = lost
    path = f"/api/invoices/{inv}/payments/{tx}/confirm-unanswered"
    unknown = http.post(path, {"attempt_id": "no-such-attempt-0000", "made": False})
    assert unknown.status_code == 409
    assert http.post(path, {"attempt_id": "x" * 24, "made": False}, token="tok-other").status_code == 404
    assert http.post(path, {"attempt_id": "x" * 24, "made": False}, token="tok-reader").status_code == 403
    assert len(listed(http, inv)[tx]["unanswered"]) == 1
