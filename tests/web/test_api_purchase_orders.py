"""The buyer's PO number (BT-13) over the JSON API: given when created, changed on a draft,
frozen once posted, checked like the other texts."""
from __future__ import annotations

from support.api import api_payload, assert_error_shape


def test_a_po_number_is_kept_trimmed_changed_on_a_draft_and_cleared(api):
    created = api.create(purchase_order="  PO-4711 ")
    assert created["purchase_order"] == "PO-4711"
    assert api.get(f"/api/invoices/{created['id']}").get_json()["purchase_order"] == "PO-4711"
    changed = api.patch(f"/api/invoices/{created['id']}", {"purchase_order": "PO-4712"})
    assert changed.status_code == 200 and changed.get_json()["purchase_order"] == "PO-4712"
    cleared = api.patch(f"/api/invoices/{created['id']}", {"purchase_order": None})
    assert cleared.status_code == 200 and cleared.get_json()["purchase_order"] == ""
    assert api.create()["purchase_order"] == ""


def test_a_posted_invoices_po_number_is_frozen(api):
    created = api.create(purchase_order="PO-1")
    api.post(f"/api/invoices/{created['id']}/post")
    resp = api.patch(f"/api/invoices/{created['id']}", {"purchase_order": "PO-2"})
    assert resp.status_code == 409
    assert [e["field"] for e in assert_error_shape(resp)] == ["purchase_order"]


def test_a_po_number_with_hidden_characters_or_too_long_is_refused(api):
    for value, words in (("PO\x07-1", "control or text-direction character"),
                         ("PO\u200b-1", "invisible character"),
                         ("P" * 256, "255")):
        resp = api.post("/api/invoices", api_payload(purchase_order=value))
        assert resp.status_code == 422
        errors = assert_error_shape(resp)
        assert [e["field"] for e in errors] == ["purchase_order"] and words in errors[0]["message"]


def test_a_credit_note_states_the_po_number_of_the_invoice_it_credits(api):
    created = api.create(purchase_order="PO-1")
    api.post(f"/api/invoices/{created['id']}/post")
    resp = api.post(f"/api/invoices/{created['id']}/credit-notes", {"full": True})
    assert resp.status_code == 201, resp.get_data()
    assert resp.get_json()["purchase_order"] == "PO-1"
