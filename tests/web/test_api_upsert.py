"""``PUT /api/invoices/by-external-id/{external_id}``: create, update, unchanged, posted conflict."""
from __future__ import annotations

import pytest
from support.api import api_payload, assert_error_shape

URL = "/api/invoices/by-external-id/ERP/2026/0042"


def put(api, body, url=URL, **kw):
    return api.request("PUT", url, json_body=body, **kw)


def activity_count(api, invoice_id: int) -> int:
    return len(api.service.activities(invoice_id))


def test_put_creates_the_invoice_then_answers_unchanged(api):
    created = put(api, api_payload())
    assert created.status_code == 201, created.get_data()
    body = created.get_json()
    assert created.headers["Invoice-Write-Result"] == "created"
    assert created.headers["Location"] == f"/api/invoices/{body['id']}"
    assert body["external_id"] == "ERP/2026/0042" and body["organization_id"] == 1
    before = activity_count(api, body["id"])
    again = put(api, api_payload())
    assert again.status_code == 200 and again.headers["Invoice-Write-Result"] == "unchanged"
    assert again.get_json() == body
    assert activity_count(api, body["id"]) == before  # nothing was written
    assert len(api.get("/api/invoices").get_json()["data"]) == 1


def test_put_updates_a_draft(api):
    first = put(api, api_payload()).get_json()
    lines = [{"description": "Widget", "quantity": "2", "unit_price": "10.00"}]
    resp = put(api, api_payload(customer_name="Acme GmbH", lines=lines, external_id="ERP/2026/0042"))
    assert resp.status_code == 200 and resp.headers["Invoice-Write-Result"] == "updated"
    body = resp.get_json()
    assert body["id"] == first["id"] and body["customer_name"] == "Acme GmbH"
    assert body["total_amount"] == "20.00" and len(body["lines"]) == 1
    assert api.get(f"/api/invoices/{first['id']}").get_json() == body


def test_put_with_status_posted_posts_the_draft(api):
    put(api, api_payload())
    resp = put(api, api_payload(status="posted"))
    assert resp.status_code == 200 and resp.headers["Invoice-Write-Result"] == "updated"
    assert resp.get_json()["status"] == "posted" and resp.get_json()["invoice_number"]


def test_a_posted_invoice_is_unchanged_or_a_409_naming_the_fields(api):
    inv = put(api, api_payload()).get_json()
    posted = api.post(f"/api/invoices/{inv['id']}/post").get_json()
    same = put(api, api_payload())
    assert same.status_code == 200 and same.headers["Invoice-Write-Result"] == "unchanged"
    assert same.get_json() == posted
    changed = put(api, api_payload(customer_name="Someone else", due_date="2026-12-31"))
    assert changed.status_code == 409
    errors = assert_error_shape(changed)
    assert [e["field"] for e in errors] == ["customer_name", "due_date"]
    said = (f"Invoice {posted['invoice_number']} is posted and can no longer be modified (tried to change: "
            "customer_name, due_date). Only its payment status, payments and notes may change.")
    assert [e["message"] for e in errors] == [said, said]
    patched = api.request("PATCH", f"/api/invoices/{inv['id']}",
                          json_body={"customer_name": "Someone else", "due_date": "2026-12-31"})
    assert patched.status_code == 409     # PATCH says it in the same words
    assert [(e["field"], e["message"]) for e in assert_error_shape(patched)] == [
        ("customer_name", said), ("due_date", said)]
    assert api.get(f"/api/invoices/{inv['id']}").get_json() == posted
    as_draft = put(api, api_payload(status="draft"))       # an export made before it was posted
    assert as_draft.status_code == 200 and as_draft.headers["Invoice-Write-Result"] == "unchanged"
    assert as_draft.get_json() == posted
    other_draft = put(api, api_payload(status="draft", due_date="2026-12-31"))
    assert other_draft.status_code == 409
    assert [e["field"] for e in assert_error_shape(other_draft)] == ["due_date"]


def test_a_posted_invoices_payment_status_may_be_set(api):
    inv = put(api, api_payload(status="posted")).get_json()
    resp = put(api, api_payload(status="posted", payment_status="paid_in_full"))
    assert resp.status_code == 200 and resp.headers["Invoice-Write-Result"] == "updated"
    assert resp.get_json()["payment_status"] == "paid_in_full"
    assert resp.get_json()["id"] == inv["id"]
    again = put(api, api_payload(status="posted", payment_status="paid_in_full"))
    assert again.headers["Invoice-Write-Result"] == "unchanged"


@pytest.mark.parametrize("body,field", [
    (api_payload(external_id="ERP-OTHER"), "external_id"),
    (api_payload(lines=[]), "lines"),
    (api_payload(currency="XXQ"), "currency"),
    ({"currency": "USD"}, "invoice_date"),
])
def test_put_validates_like_create(api, body, field):
    resp = put(api, body)
    assert resp.status_code == 422
    assert field in {e["field"] for e in assert_error_shape(resp)}
    assert api.get("/api/invoices").get_json()["data"] == []


def test_an_external_id_the_schema_refuses_is_422(api):
    resp = put(api, api_payload(), url="/api/invoices/by-external-id/" + "x" * 129)
    assert resp.status_code == 422 and assert_error_shape(resp)[0]["field"] == "external_id"


def test_put_is_per_organization(api):
    mine = put(api, api_payload()).get_json()
    theirs = put(api, api_payload(), token="tok-other")
    assert theirs.status_code == 201 and theirs.get_json()["organization_id"] == 2
    assert theirs.get_json()["id"] != mine["id"]
    assert put(api, api_payload(organization_id=1), token="tok-other").status_code == 403
    assert put(api, api_payload(), token="tok-reader").status_code == 403


def test_put_with_an_idempotency_key_is_replayed(api):
    key = {"Idempotency-Key": "put-1"}
    first = put(api, api_payload(), headers=key)
    again = put(api, api_payload(), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Invoice-Write-Result"] == "created"


def test_a_put_losing_the_create_race_updates_the_winner(api, monkeypatch):
    winner = put(api, api_payload()).get_json()
    # As if another PUT created the invoice between this one's look-up and its insert.
    monkeypatch.setattr(api.api.service, "id_of_external_id",
                        lambda organization_id, ext, calls=[]: (calls.append(1), None if len(calls) == 1
                                                                else winner["id"])[1])
    resp = put(api, api_payload(customer_name="Late"))
    assert resp.status_code == 200 and resp.headers["Invoice-Write-Result"] == "updated"
    assert resp.get_json()["id"] == winner["id"] and resp.get_json()["customer_name"] == "Late"
    assert len(api.get("/api/invoices").get_json()["data"]) == 1


def test_a_changed_vat_category_is_an_update_the_default_spelled_out_is_not(api):
    line = {"description": "Crate", "quantity": "1", "unit_price": "50.00", "tax_rate": "0"}
    put(api, api_payload(lines=[line]))
    same = put(api, api_payload(lines=[{**line, "tax_category": "Z"}]))  # what a 0 % line has anyway
    assert same.headers["Invoice-Write-Result"] == "unchanged"
    changed = put(api, api_payload(lines=[{**line, "tax_category": "G"}]))
    assert changed.headers["Invoice-Write-Result"] == "updated"
    assert changed.get_json()["lines"][0]["tax_category"] == "G"
    reason = put(api, api_payload(lines=[{**line, "tax_category": "G", "tax_exemption_reason": "Export (§ 6 UStG)"}]))
    assert reason.headers["Invoice-Write-Result"] == "updated"
    assert put(api, api_payload(lines=[{**line, "tax_category": "G", "tax_exemption_reason": "Export (§ 6 UStG)"}])) \
        .headers["Invoice-Write-Result"] == "unchanged"


def test_the_buyer_an_erp_states_is_compared_part_by_part(api):
    """What a re-send leaves out of ``buyer`` came from the customer at posting: no change."""
    draft = put(api, api_payload(buyer={"vat_id": "DE129273398"})).get_json()
    assert draft["buyer"] == {"vat_id": "DE129273398", "country_code": "", "reference": ""}
    assert put(api, api_payload(buyer={"vat_id": "DE129273398"})).headers["Invoice-Write-Result"] == "unchanged"
    updated = put(api, api_payload(buyer={"vat_id": "DE129273398", "reference": "04011000-1234512345-35"}))
    assert updated.headers["Invoice-Write-Result"] == "updated"
    posted = api.post(f"/api/invoices/{draft['id']}/post").get_json()
    assert posted["buyer"]["vat_id"] == "DE129273398" and posted["buyer"]["reference"] == "04011000-1234512345-35"
    for same in ({"vat_id": "DE129273398"}, {}, posted["buyer"]):
        assert put(api, api_payload(buyer=same)).headers["Invoice-Write-Result"] == "unchanged"
    changed = put(api, api_payload(buyer={"vat_id": "FR40303265045"}))
    assert changed.status_code == 409 and [e["field"] for e in assert_error_shape(changed)] == ["buyer"]


def test_an_external_id_whose_percent_encoding_is_not_utf8_is_refused_and_nothing_is_written(api):
    for path in ("/api/invoices/by-external-id/%FF%FE", "/api/invoices/by-external-id/A-%C3"):
        resp = api.put(path, json_body=api_payload())
        assert resp.status_code == 400, path
        assert assert_error_shape(resp) == [{"field": "path", "message": "The path is not UTF-8 after "
                                             "percent-decoding (a byte such as %FF stands alone, or U+FFFD was "
                                             "sent); percent-encode the UTF-8 bytes of each character."}]
    assert api.get("/api/invoices").get_json()["data"] == []
    assert api.put("/api/invoices/by-external-id/M%C3%BCller-1", json_body=api_payload()).get_json()[
        "external_id"] == "Müller-1"
