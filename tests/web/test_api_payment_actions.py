"""Refund, capture, cancel and re-authorize through the API: what remains is listed with each transaction, the
provider's answer is the response, and a retry with the same Idempotency-Key does nothing twice."""
from __future__ import annotations

import datetime as dt

import pytest
from support.api import assert_error_shape, make_http
from support.fakepay import HOLD, callback, charge, payment_service, posted_invoice, refund_event, start

from oro_invoices.documents.render import PdfRenderer
from oro_invoices.integration.payment_methods import ProviderError


@pytest.fixture
def paying(db):
    """``(http, fakepay)``: the API over a service paying with FakePay."""
    service, settings, fake = payment_service(db)
    return make_http(service, settings), fake


def paid(http, *, action: str = "charge", **data: str) -> tuple[int, int]:
    """An invoice of the ERP client's organization paid (or authorized) with FakePay, its event
    carrying ``data``: (invoice, transaction)."""
    doc = posted_invoice(http.service)
    a = start(http.service, doc.id).attempt.public_id
    http.service.handle_payment_callback("fakepay", callback(a, {**charge(a, 23186), "action": action,
                                                                 "event_id": f"{action}-{a}", "data": data}))
    [tx] = http.service.transactions(doc.id)
    return doc.id, tx.id


def listed(http, invoice_id: int) -> dict[int, dict]:
    resp = http.get(f"/api/invoices/{invoice_id}/payments")
    assert resp.status_code == 200
    return {row["id"]: row for row in resp.get_json()["data"]}


def test_a_refund_through_the_api_and_what_remains(paying):
    http, fake = paying
    inv, tx = paid(http)
    assert {k: listed(http, inv)[tx][k] for k in ("refundable", "capturable", "cancelable")} == {
        "refundable": "231.86", "capturable": "0.00", "cancelable": "0.00"}
    resp = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", {"amount": "31.86", "notes": "damaged"},
                     headers={"Idempotency-Key": "refund-1"})
    assert resp.status_code == 200, resp.get_data()
    body = resp.get_json()
    assert (body["successful"], body["amount"], body["currency"], body["message"]) == (True, "31.86", "USD", "")
    assert body["invoice"]["payment_status"] == "refunded_partially"
    assert listed(http, inv)[tx]["refundable"] == "200.00"
    again = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", {"amount": "31.86", "notes": "damaged"},
                      headers={"Idempotency-Key": "refund-1"})
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert len(fake.refunds) == 1
    rest = http.post(f"/api/invoices/{inv}/payments/{tx}/refund")   # no body: all that remains
    assert rest.get_json()["amount"] == "200.00" and rest.get_json()["invoice"]["payment_status"] == "refunded"
    nothing = http.post(f"/api/invoices/{inv}/payments/{tx}/refund")
    assert nothing.status_code == 409
    assert assert_error_shape(nothing)[0]["message"] == "Nothing remains to refund of this payment."


def test_capture_and_cancel_an_authorization(paying):
    http, fake = paying
    inv, auth = paid(http, action="authorize", capture_before="2026-12-10T08:30:00+00:00")
    assert {k: listed(http, inv)[auth][k] for k in ("refundable", "capturable", "cancelable", "capture_before")} == {
        "refundable": "0.00", "capturable": "231.86", "cancelable": "231.86",
        "capture_before": "2026-12-10T08:30:00+00:00"}
    resp = http.post(f"/api/invoices/{inv}/payments/{auth}/capture", {"notes": "shipped"})
    assert resp.status_code == 200, resp.get_data()
    body = resp.get_json()
    assert body["successful"] and body["amount"] == "231.86" and body["invoice"]["payment_status"] == "paid_in_full"
    assert listed(http, inv)[body["transaction_id"]]["refundable"] == "231.86"
    assert listed(http, inv)[auth]["capture_before"] is None
    refused = http.post(f"/api/invoices/{inv}/payments/{auth}/cancel")
    assert refused.status_code == 409
    assert assert_error_shape(refused)[0]["message"] == "Nothing remains to cancel of this payment."
    inv2, auth2 = paid(http, action="authorize")
    canceled = http.post(f"/api/invoices/{inv2}/payments/{auth2}/cancel", {"notes": "order canceled"})
    assert canceled.status_code == 200 and canceled.get_json()["invoice"]["payment_status"] == "canceled"
    assert [r.notes for r in fake.cancels] == ["order canceled"]


def test_reauthorize_an_authorization(paying):
    http, fake = paying
    inv, auth = paid(http, action="authorize")
    assert listed(http, inv)[auth]["reauthorizable"] == "231.86"
    resp = http.post(f"/api/invoices/{inv}/payments/{auth}/reauthorize", {"notes": "ships later"},
                     headers={"Idempotency-Key": "renew-1"})
    assert resp.status_code == 200, resp.get_data()
    body = resp.get_json()
    assert (body["successful"], body["amount"], body["invoice"]["payment_status"]) == (True, "231.86", "authorized")
    renewed = listed(http, inv)
    assert renewed[body["transaction_id"]]["capturable"] == "231.86"
    held = dt.datetime.fromisoformat(renewed[body["transaction_id"]]["capture_before"])
    assert dt.timedelta(days=6) < held - dt.datetime.now(dt.UTC) <= HOLD
    assert renewed[auth]["reauthorizable"] == renewed[auth]["cancelable"] == "0.00"
    again = http.post(f"/api/invoices/{inv}/payments/{auth}/reauthorize", {"notes": "ships later"},
                      headers={"Idempotency-Key": "renew-1"})
    assert again.headers.get("Idempotent-Replayed") == "true" and len(fake.reauthorizations) == 1
    fake.decline_renewals = True
    declined = http.post(f"/api/invoices/{inv}/payments/{body['transaction_id']}/reauthorize")
    assert declined.status_code == 502
    assert assert_error_shape(declined)[0]["message"] == "The card was declined."
    fake.renewable = False
    refused = http.post(f"/api/invoices/{inv}/payments/{body['transaction_id']}/reauthorize")
    assert refused.status_code == 409
    assert "FakePay cannot re-authorize this payment" in assert_error_shape(refused)[0]["message"]


def test_capture_part_of_an_authorization(paying):
    http, fake = paying
    inv, auth = paid(http, action="authorize")
    assert listed(http, inv)[auth]["captures_part"] is False
    whole_only = http.post(f"/api/invoices/{inv}/payments/{auth}/capture", {"amount": "200.00"})
    assert whole_only.status_code == 422
    assert assert_error_shape(whole_only) == [{"field": "amount", "message": "FakePay captures all an authorization "
                                               "holds (231.86 USD), not part of it."}]
    fake.captures_part = True
    assert listed(http, inv)[auth]["captures_part"] is True
    huge = http.post(f"/api/invoices/{inv}/payments/{auth}/capture", {"amount": "9" * 30})
    assert huge.status_code == 422
    assert assert_error_shape(huge) == [{"field": "amount", "message": "Must be more than 0 and at most 231.86 USD, "
                                         "what remains of the payment."}]
    resp = http.post(f"/api/invoices/{inv}/payments/{auth}/capture", {"amount": "200.00", "notes": "part shipped"})
    assert resp.status_code == 200, resp.get_data()
    body = resp.get_json()
    assert (body["successful"], body["amount"]) == (True, "200.00")
    assert (body["invoice"]["payment_status"], body["invoice"]["amount_due"]) == ("canceled_partially", "31.86")
    rows = listed(http, inv)
    assert {k: rows[auth][k] for k in ("capturable", "cancelable", "captures_part")} == {
        "capturable": "0.00", "cancelable": "0.00", "captures_part": False}
    assert rows[body["transaction_id"]]["refundable"] == "200.00"


def test_a_declined_capture_is_a_200_saying_so(paying):
    http, fake = paying
    fake.decline_captures = True
    inv, auth = paid(http, action="authorize")
    resp = http.post(f"/api/invoices/{inv}/payments/{auth}/capture")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["successful"], body["message"]) == (False, "authorization expired")
    assert body["invoice"]["payment_status"] == "authorized"


def test_a_provider_that_cannot_be_reached_is_a_502_and_the_key_may_be_retried(paying, monkeypatch):
    http, fake = paying
    inv, tx = paid(http)

    def unreachable(request):
        raise ProviderError("FakePay could not be reached.")
    monkeypatch.setattr(fake, "refund", unreachable)
    resp = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", headers={"Idempotency-Key": "r-502"})
    assert resp.status_code == 502
    assert assert_error_shape(resp)[0]["message"] == "FakePay could not be reached."
    assert listed(http, inv)[tx]["refundable"] == "231.86"
    monkeypatch.undo()
    retried = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", headers={"Idempotency-Key": "r-502"})
    assert retried.status_code == 200 and retried.get_json()["successful"]


@pytest.mark.parametrize(("path", "body", "status", "field", "message"), [
    ("/payments/{tx}/refund", {"amount": 5}, 422, "amount", 'A decimal string such as "50.00"'),
    ("/payments/{tx}/refund", {"amount": "999"}, 422, "amount", "Must be more than 0 and at most 231.86 USD"),
    ("/payments/{tx}/refund", {"amount": "9" * 30}, 422, "amount", "Must be more than 0 and at most 231.86 USD"),
    ("/payments/{tx}/refund", {"amount": "-" + "9" * 40 + ".5"}, 422, "amount", "Must be more than 0 and at most"),
    ("/payments/{tx}/refund", {"amount": "1e400"}, 422, "amount", "is not a decimal number"),
    # an empty amount is a mistake, not "all that remains": nothing is refunded or captured
    ("/payments/{tx}/refund", {"amount": ""}, 422, "amount", 'leave it out to refund all that remains.'),
    ("/payments/{tx}/refund", {"amount": "  "}, 422, "amount", 'leave it out to refund all that remains.'),
    ("/payments/{tx}/capture", {"amount": ""}, 422, "amount", 'leave it out to capture all that remains.'),
    ("/payments/{tx}/refund", {"amount": "1", "why": "x"}, 422, "why", "Unknown field; only amount, notes"),
    ("/payments/{tx}/capture", {"amount": 5}, 422, "amount", 'leave it out to capture all that remains.'),
    ("/payments/{tx}/capture", {"amount": "1", "why": "x"}, 422, "why", "Unknown field; only amount, notes"),
    ("/payments/{tx}/cancel", {"notes": 7}, 422, "notes", "A text of at most 10000 characters."),
    ("/payments/{tx}/reauthorize", {"amount": "1"}, 422, "amount", "Unknown field; only notes may be given."),
    ("/payments/{tx}/reauthorize", {}, 409, "", "Only a successful authorization can be re-authorized."),
    ("/payments/{tx}/capture", {}, 409, "", "Only a successful authorization can be captured."),
    ("/payments/99999/refund", {}, 404, "", "has no payment transaction '99999'"),
    ("/payments/abc/refund", {}, 404, "", "has no payment transaction 'abc'"),
])
def test_bad_requests_say_what_is_wrong(paying, path, body, status, field, message):
    http, fake = paying
    inv, tx = paid(http)
    resp = http.post(f"/api/invoices/{inv}" + path.format(tx=tx), body)
    assert resp.status_code == status, resp.get_data()
    [error] = assert_error_shape(resp)
    assert error["field"] == field and message in error["message"]
    assert not fake.refunds and not fake.captures and not fake.reauthorizations


def test_another_organizations_payment_and_the_read_scope_are_refused(paying):
    http, fake = paying
    inv, tx = paid(http)
    assert http.post(f"/api/invoices/{inv}/payments/{tx}/refund", token="tok-other").status_code == 404
    assert http.post(f"/api/invoices/{inv}/payments/{tx}/refund", token="tok-reader").status_code == 403
    assert not fake.refunds


def test_the_receipt_of_a_payment_and_of_its_refund(paying):
    http, _ = paying
    http.service.context.renderer = PdfRenderer()
    inv, charged = paid(http)
    number = http.service.get(inv).display_number
    assert listed(http, inv)[charged]["receipt"] == f"/api/invoices/{inv}/payments/{charged}/receipt"
    resp = http.get(f"/api/invoices/{inv}/payments/{charged}/receipt", token="tok-reader")
    assert (resp.status_code, resp.content_type) == (200, "application/pdf")
    assert resp.headers["Content-Disposition"] == f'attachment; filename="receipt-{number}-R{charged}.pdf"'
    assert resp.data.startswith(b"%PDF-") and resp.data == http.service.receipt_pdf(inv, charged)[1]
    refund = http.post(f"/api/invoices/{inv}/payments/{charged}/refund", {"amount": "31.86"}).get_json()
    assert http.get(f"/api/invoices/{inv}/payments/{refund['transaction_id']}/receipt").status_code == 200
    # an authorization has none; another organization's client is refused the invoice
    other, auth = paid(http, action="authorize")
    assert listed(http, other)[auth]["receipt"] is None
    missing = http.get(f"/api/invoices/{other}/payments/{auth}/receipt")
    assert missing.status_code == 404
    [error] = assert_error_shape(missing)
    assert error["message"] == (f"Invoice {http.service.get(other).display_number} has no payment or refund "
                                f"{auth} to make a receipt of.")
    foreign = http.get(f"/api/invoices/{inv}/payments/{charged}/receipt", token="tok-other")
    assert foreign.status_code == 404 and foreign.content_type != "application/pdf"
    assert http.get(f"/api/invoices/{inv}/payments/{auth}/receipt").status_code == 404     # another invoice's


def test_payment_notes_with_a_control_or_text_direction_character_are_refused_naming_it(paying):
    http, fake = paying
    inv, tx = paid(http)
    for notes, said in [("refund \u202egnp.exe", "Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: a control or "
                                                  "text-direction character"),
                        ("bell\x07", "Must not contain U+0007 (a control character)")]:
        refused = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", {"amount": "1.00", "notes": notes})
        assert refused.status_code == 422
        assert [(e["field"], e["message"][:len(said)]) for e in assert_error_shape(refused)] == [("notes", said)]
    assert fake.refunds == []
    done = http.post(f"/api/invoices/{inv}/payments/{tx}/refund", {"amount": "1.00", "notes": "box\tdented\r\nlid"})
    assert done.status_code == 200, done.get_data()
    # a payment recorded through the API: the same rule
    url = f"/api/invoices/{inv}/payments"
    payment = {"method": "bank_transfer", "action": "charge", "amount": "1.00", "provider_reference": "BT-N1"}
    refused = http.post(url, {**payment, "notes": "from \u2067ACME\u2069"})
    assert refused.status_code == 422
    assert [(e["field"], e["message"][:40]) for e in assert_error_shape(refused)] == [
        ("notes", "Must not contain U+2067 RIGHT-TO-LEFT IS")]
    assert http.post(url, {**payment, "notes": "line one\nline\ttwo"}).status_code == 201


def test_a_refund_the_provider_made_beyond_what_remains_is_listed_with_what_was_over(paying):
    """A refund reported by the provider (made twice, say) is recorded though more than remains:
    the money left the account. The API lists by how much it was over; a caller cannot say so."""
    http, fake = paying
    inv, tx = paid(http)
    reference = listed(http, inv)[tx]["provider_reference"]
    http.service.handle_payment_callback("fakepay", callback(None, refund_event(reference, 23186, 1),
                                                             refund_event(reference, 5000, 2)))
    rows = [row for row in listed(http, inv).values() if row["action"] == "refund"]
    assert [(row["amount"], row["over_refunded"]) for row in rows] == [("231.86", None), ("50.00", "50.00")]
    assert listed(http, inv)[tx]["over_refunded"] is None
    forged = http.post(f"/api/invoices/{inv}/payments", {"method": "bank_transfer", "action": "charge",
                                                         "amount": "1.00", "provider_reference": "BT-O1",
                                                         "data": {"over_refunded": "9.00",
                                                                  "over_refund_covered": "9.00"}})
    # a payment after the over-refund covers 1.00 of it, as recorded, not as the caller says
    assert forged.status_code == 201 and forged.get_json()["over_refunded"] is None
    assert forged.get_json()["over_refund_covered"] == "1.00"
    assert [row["over_refund_covered"] for row in listed(http, inv).values()] == [None, None, None, "1.00"]
