"""The API refuses look-alike numbers, amounts and payments with a 422 that names the field.

And a payment redelivered while the first delivery is still running gets 200, not 409.
"""
from __future__ import annotations

import json
import threading

import pytest
from support.api import api_payload, assert_error_shape

from oro_invoices.services.context import ServiceContext


def errors(resp) -> dict[str, str]:
    """Each field's messages, joined."""
    assert resp.status_code == 422, resp.get_data(as_text=True)
    found: dict[str, str] = {}
    for e in assert_error_shape(resp):
        found[e["field"]] = f"{found.get(e['field'], '')} {e['message']}".strip()
    return found


@pytest.mark.parametrize("field,value,message", [
    ("invoice_number", "INV-1\n", "Must not start or end with spaces or line breaks."),
    ("invoice_number", "INV-1\r", "Must not start or end with spaces or line breaks."),
    ("invoice_number", "INV\u200b-1", "Use letters, digits"),
    ("external_id", "ERP-1\n", "Must not start or end with spaces or line breaks."),
    ("external_id", " ERP-1", "Must not start or end with spaces or line breaks."),
    ("external_id", "ERP-\u200b1", "invisible formatting characters"),
    ("external_id", "Cafe\u0301-1", "Must be in composed Unicode form (NFC)"),    # looks like "Café-1"
])
def test_numbers_and_external_ids_with_invisible_edges_are_refused(api, field, value, message):
    assert message in errors(api.post("/api/invoices", api_payload(**{field: value})))[field]
    assert api.get("/api/invoices").get_json()["data"] == []


def test_a_number_ending_in_a_newline_is_not_another_number(api):
    api.create(invoice_number="INV-1", external_id="ERP-1")
    again = api.post("/api/invoices", api_payload(invoice_number="INV-1\n", external_id="ERP-2"))
    assert "invoice_number" in errors(again)


@pytest.mark.parametrize("value", ["1_000", "١٢٣", "１", " 2", "2 ", "1e3", "+2", "2."])
def test_amounts_are_plain_ascii_decimals(api, value):
    payload = api_payload()
    payload["lines"][0]["quantity"] = value
    message = errors(api.post("/api/invoices", payload))["lines[0].quantity"]
    assert message.startswith("Not a valid decimal number") and '"19.99"' in message


def posted_invoice(api) -> int:
    """A posted invoice of 11.90 USD."""
    created = api.create(lines=[{"description": "Coffee", "quantity": "1", "unit_price": "10.00",
                                 "tax_rate": "0.19"}])
    assert created["total_amount"] == "11.90"
    assert api.post(f"/api/invoices/{created['id']}/post").status_code == 200
    return created["id"]


@pytest.mark.parametrize("payment,field,message", [
    ({"action": "capture", "amount": "1000000"}, "amount",
     "Exceeds what is authorized and not yet captured or canceled (0.00 USD)."),
    ({"action": "charge", "amount": "11.91"}, "amount", "Exceeds the amount due (11.90 USD)."),
    ({"action": "refund", "amount": "0.01"}, "amount", "Cannot refund more than was paid (0.00 USD)."),
    ({"action": "cancel", "amount": "1"}, "amount",
     "Cannot cancel more than is authorized and not yet captured or canceled (0.00 USD)."),
    ({"action": "charge", "amount": "1_000"}, "amount", "Not a valid decimal number"),
    ({"action": "charge", "amount": "٥"}, "amount", "Not a valid decimal number"),
    ({"action": "charge", "amount": "1", "provider_reference": "evt_1\n"}, "provider_reference",
     "Must not start or end with spaces or line breaks."),
    ({"action": "charge", "amount": "1", "method": " card"}, "method",
     "Must not start or end with spaces or line breaks."),
])
def test_payments_beyond_what_remains_or_badly_written_are_refused(api, payment, field, message):
    inv = posted_invoice(api)
    body = {"method": "card", **payment}
    assert message in errors(api.post(f"/api/invoices/{inv}/payments", body))[field]
    assert api.get(f"/api/invoices/{inv}/payments").get_json()["data"] == []
    assert api.get(f"/api/invoices/{inv}").get_json()["amount_paid"] == "0.00"


def test_a_payment_delivered_twice_at_once_gets_201_and_200(api, db, monkeypatch):
    inv = posted_invoice(api)
    if db.dialect == "postgresql":  # make both deliveries overlap
        barrier = threading.Barrier(2, timeout=20)
        original = ServiceContext.payment_state
        seen = threading.local()

        def held(self, *args, **kwargs):
            if threading.current_thread() is not threading.main_thread() and not getattr(seen, "done", False):
                seen.done = True
                barrier.wait()
            return original(self, *args, **kwargs)
        monkeypatch.setattr(ServiceContext, "payment_state", held)
    body = json.dumps({"method": "card", "action": "charge", "amount": "5.00",
                       "provider_reference": "evt_9"})
    answers: list = [None, None]

    def deliver(i: int) -> None:
        answers[i] = api.app.test_client().post(
            f"/api/invoices/{inv}/payments", data=body, content_type="application/json",
            headers={"Authorization": "Bearer tok-erp"})
    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 201], [a.get_data() for a in answers]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"]
    assert len(api.get(f"/api/invoices/{inv}/payments").get_json()["data"]) == 1
    assert api.get(f"/api/invoices/{inv}").get_json()["amount_paid"] == "5.00"


def test_an_external_id_in_decomposed_unicode_is_not_another_invoice_by_put(api):
    created = api.put("/api/invoices/by-external-id/Caf%C3%A9-1", json_body=api_payload())
    assert created.status_code == 201
    twin = api.put("/api/invoices/by-external-id/Cafe%CC%81-1", json_body=api_payload())
    assert "Must be in composed Unicode form (NFC)" in errors(twin)["external_id"]
    assert [row["external_id"] for row in api.get("/api/invoices").get_json()["data"]] == ["Café-1"]
