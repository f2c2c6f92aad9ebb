"""``Idempotency-Key`` on the API's writes: replay, mismatch, races, per-client keys, expiry."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading

import flask
import pytest
from support.api import CLIENTS, ApiHttp, api_payload, assert_error_shape

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence import idempotency as keys
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.api import InvoiceApi
from oro_invoices.web.http import Request
from oro_invoices.web.idempotency import request_hash

KEY = {"Idempotency-Key": "3f1c9a6e-0d7b-4d35-9a43-5a1f4ad0c001"}


def build(db, settings, *, clock=None, wait: float = 2.0) -> ApiHttp:
    kwargs = {"clock": clock} if clock is not None else {}
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             **kwargs)
    api = InvoiceApi(service, authenticate=CLIENTS.get, settings=settings, idempotency_wait=wait)
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api))
    return ApiHttp(app, service, api)


def invoice_count(api: ApiHttp, token: str = "tok-erp") -> int:
    return len(api.get("/api/invoices", token=token).get_json()["data"])


def key_rows(db) -> int:
    with db.session() as s:
        return s.query(keys.IdempotencyKey).count()


def test_a_replayed_create_returns_the_first_response_and_creates_nothing(api):
    first = api.post("/api/invoices", api_payload(external_id="erp-1"), headers=KEY)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = api.post("/api/invoices", api_payload(external_id="erp-1"), headers=KEY)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert invoice_count(api) == 1


def test_a_replayed_patch_and_post_do_not_run_again(api):
    inv = api.create()
    patched = api.patch(f"/api/invoices/{inv['id']}", {"customer_name": "Beta"}, headers=KEY)
    assert patched.status_code == 200
    api.patch(f"/api/invoices/{inv['id']}", {"customer_name": "Gamma"})
    replay = api.patch(f"/api/invoices/{inv['id']}", {"customer_name": "Beta"}, headers=KEY)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["customer_name"] == "Beta"
    assert api.get(f"/api/invoices/{inv['id']}").get_json()["customer_name"] == "Gamma"
    note_key = {"Idempotency-Key": "note-1"}
    for _ in range(2):
        assert api.post(f"/api/invoices/{inv['id']}/notes", {"body": "Called"},
                        headers=note_key).status_code == 201
    assert len(api.get(f"/api/invoices/{inv['id']}/notes").get_json()["data"]) == 1


def test_the_same_key_with_another_body_is_422_naming_the_key(api):
    assert api.post("/api/invoices", api_payload(external_id="erp-1"), headers=KEY).status_code == 201
    resp = api.post("/api/invoices", api_payload(external_id="erp-2"), headers=KEY)
    assert resp.status_code == 422
    [error] = assert_error_shape(resp)
    assert error["field"] == "Idempotency-Key" and KEY["Idempotency-Key"] in error["message"]
    inv = api.get("/api/invoices").get_json()["data"][0]
    other_path = api.patch(f"/api/invoices/{inv['id']}", api_payload(external_id="erp-1"), headers=KEY)
    assert other_path.status_code == 422
    assert invoice_count(api) == 1


def test_an_error_of_the_write_is_replayed_but_a_server_error_is_not_kept(api, monkeypatch):
    created = api.create()
    api.post(f"/api/invoices/{created['id']}/post")
    change = {"customer_name": "Initech"}
    first = api.patch(f"/api/invoices/{created['id']}", change, headers=KEY)
    assert first.status_code == 409
    again = api.patch(f"/api/invoices/{created['id']}", change, headers=KEY)
    assert again.status_code == 409 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()

    key = {"Idempotency-Key": "retry-after-500"}
    calls = []
    original = InvoiceService.create

    def failing_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)
    monkeypatch.setattr(InvoiceService, "create", failing_once)
    assert api.post("/api/invoices", api_payload(), headers=key).status_code == 500
    retried = api.post("/api/invoices", api_payload(), headers=key)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert invoice_count(api) == 2                    # the posted one and the retried one


def test_a_request_refused_unread_is_not_kept_so_a_retry_that_mends_it_runs(api):
    key = {"Idempotency-Key": "mended-content-type"}
    body = json.dumps(api_payload())
    first = api.request("POST", "/api/invoices", data=body, content_type="text/plain", headers=key)
    assert first.status_code == 400 and assert_error_shape(first)[0]["field"] == "content-type"
    mended = api.request("POST", "/api/invoices", data=body, content_type="application/json", headers=key)
    assert mended.status_code == 201 and "Idempotent-Replayed" not in mended.headers
    again = api.request("POST", "/api/invoices", data=body, content_type="application/json", headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert invoice_count(api) == 1

    broken = {"Idempotency-Key": "mended-json"}
    assert api.request("POST", "/api/invoices", data=body[:-1], content_type="application/json",
                       headers=broken).status_code == 400
    assert api.post("/api/invoices", api_payload(external_id="J-2"), headers=broken).status_code == 201


def test_a_request_failing_validation_keeps_no_key_so_a_mended_retry_with_it_runs(api):
    key = {"Idempotency-Key": "mended-schema"}
    first = api.post("/api/invoices", api_payload(currency="XXQ"), headers=key)
    assert first.status_code == 422 and assert_error_shape(first)[0]["field"] == "currency"
    again = api.post("/api/invoices", api_payload(currency="XXQ"), headers=key)
    assert again.status_code == 422 and "Idempotent-Replayed" not in again.headers
    mended = api.post("/api/invoices", api_payload(), headers=key)
    assert mended.status_code == 201 and "Idempotent-Replayed" not in mended.headers
    replay = api.post("/api/invoices", api_payload(), headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert invoice_count(api) == 1


def test_a_request_naming_no_invoice_or_another_organization_keeps_no_key(api):
    key = {"Idempotency-Key": "mended-target"}
    assert api.post("/api/invoices/999999/notes", {"body": "Called"}, headers=key).status_code == 404
    other = api.post("/api/invoices", api_payload(organization_id=2), headers=key)
    assert other.status_code == 403
    assert api.post("/api/invoices", api_payload(), headers=key).status_code == 201
    assert key_rows(api.service.db) == 1


@pytest.mark.parametrize("value", ["", "k" * 256, "clé", "tab\there"])
def test_a_malformed_key_is_400(api, value):
    resp = api.post("/api/invoices", api_payload(), headers={"Idempotency-Key": value})
    assert resp.status_code == 400
    [error] = assert_error_shape(resp)
    assert error["field"] == "Idempotency-Key" and "255 printable ASCII" in error["message"]
    assert invoice_count(api) == 0


def test_the_longest_key_is_accepted(api):
    key = {"Idempotency-Key": "~" * 255}
    assert api.post("/api/invoices", api_payload(), headers=key).status_code == 201
    assert api.post("/api/invoices", api_payload(), headers=key).headers["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_client(api):
    mine = api.post("/api/invoices", api_payload(), headers=KEY)
    theirs = api.post("/api/invoices", api_payload(), headers=KEY, token="tok-other")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["organization_id"] == 2 and theirs.get_json()["id"] != mine.get_json()["id"]


def test_keys_expire_after_24_hours(db, settings):
    now = [dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)]
    api = build(db, settings, clock=lambda: now[0])
    assert api.post("/api/invoices", api_payload(), headers=KEY).status_code == 201
    now[0] += dt.timedelta(hours=23, minutes=59)
    assert api.post("/api/invoices", api_payload(), headers=KEY).headers["Idempotent-Replayed"] == "true"
    now[0] += dt.timedelta(minutes=2)
    fresh = api.post("/api/invoices", api_payload(external_id="new"), headers=KEY)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert invoice_count(api) == 2
    assert key_rows(db) == 1  # the expired row was purged, the fresh one kept


def race(api: ApiHttp, monkeypatch, body: dict, hold: float) -> list:
    """Send the same keyed create from two threads that claim the key at the same moment."""
    barrier = threading.Barrier(2, timeout=20)
    seen = threading.local()
    original_claim = keys.claim
    original_create = InvoiceService.create

    def claim_together(*args, **kwargs):
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()
        return original_claim(*args, **kwargs)

    def slow_create(self, *args, **kwargs):
        threading.Event().wait(hold)
        return original_create(self, *args, **kwargs)
    monkeypatch.setattr(keys, "claim", claim_together)
    monkeypatch.setattr(InvoiceService, "create", slow_create)
    data = json.dumps(body)
    answers: list = [None, None]

    def send(i: int) -> None:
        answers[i] = api.app.test_client().post(
            "/api/invoices", data=data, content_type="application/json",
            headers={"Authorization": "Bearer tok-erp", **KEY})
    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    monkeypatch.undo()
    return answers


def test_two_racing_requests_create_one_invoice_and_the_second_gets_its_answer(db, settings, monkeypatch):
    api = build(db, settings, wait=10)
    answers = race(api, monkeypatch, api_payload(), hold=0.3)
    assert [a.status_code for a in answers] == [201, 201], [a.get_data() for a in answers]
    assert answers[0].get_json() == answers[1].get_json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert invoice_count(api) == 1


def test_a_request_racing_a_slow_one_gets_409_and_nothing_is_created_twice(db, settings, monkeypatch):
    api = build(db, settings, wait=0)
    answers = race(api, monkeypatch, api_payload(), hold=0.5)
    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_data() for a in answers]
    busy = next(a for a in answers if a.status_code == 409)
    assert "still being processed" in assert_error_shape(busy)[0]["message"]
    assert invoice_count(api) == 1
    # Once the first is done, the key replays its answer.
    replay = api.post("/api/invoices", api_payload(), headers=KEY)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"


def test_every_write_documents_the_header_and_its_answers(api):
    spec = api.get("/api/openapi.json", token=None).get_json()
    writes = [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()
              if method in ("post", "patch", "put")]
    assert ("/invoices/by-external-id/{external_id}", "put") in {(p, m) for p, m, _ in writes}
    for path, method, op in writes:
        [header] = [p for p in op["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert header["schema"]["maxLength"] == 255, (method, path)
        assert {"400", "409", "422"} <= set(op["responses"]), (method, path)


def test_a_key_left_processing_by_a_dead_server_is_taken_over_after_10_minutes(db, settings):
    now = [dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)]
    api = build(db, settings, clock=lambda: now[0], wait=0)
    who = keys.ClientKey(1, "erp", KEY["Idempotency-Key"])
    same = Request(method="POST", path="/api/invoices", body=json.dumps(api_payload()).encode())
    keys.claim(db, who, request_hash(same), now=now[0], ttl=dt.timedelta(hours=24))  # never completed
    now[0] += dt.timedelta(minutes=9)
    busy = api.post("/api/invoices", api_payload(), headers=KEY)
    assert busy.status_code == 409 and "still being processed" in assert_error_shape(busy)[0]["message"]
    now[0] += dt.timedelta(minutes=1)
    taken = api.post("/api/invoices", api_payload(), headers=KEY)
    assert taken.status_code == 201 and "Idempotent-Replayed" not in taken.headers
    assert api.post("/api/invoices", api_payload(), headers=KEY).headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_query_is_422_and_the_order_of_its_parameters_does_not_count(api, db):
    first = Request(method="POST", path="/api/invoices", query_lists={"a": ["1"], "b": ["2"]},
                    body=json.dumps(api_payload()).encode())
    state = keys.claim(db, keys.ClientKey(1, "erp", KEY["Idempotency-Key"]), request_hash(first),
                       now=api.service.clock(), ttl=dt.timedelta(hours=1))
    keys.complete(db, state.id, keys.StoredResponse(201, "application/json", {}, b'{"id": 77}'))
    again = api.post("/api/invoices?b=2&a=1", api_payload(), headers=KEY)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == {"id": 77}
    for other in ("/api/invoices?a=1&b=3", "/api/invoices?a=1", "/api/invoices?a=1&b=2&b=2", "/api/invoices"):
        resp = api.post(other, api_payload(), headers=KEY)
        assert resp.status_code == 422, other
        [error] = assert_error_shape(resp)
        assert error["field"] == "Idempotency-Key" and "query" in error["message"]
    assert invoice_count(api) == 0


def test_a_key_stored_before_the_query_counted_still_replays_its_request(api, db):
    body = json.dumps(api_payload()).encode()
    legacy = hashlib.sha256()
    for part in (b"POST", b"/api/invoices", body):          # the fingerprint of method, path and body
        legacy.update(len(part).to_bytes(8, "big"))
        legacy.update(part)
    now = api.service.clock()
    state = keys.claim(db, keys.ClientKey(1, "erp", KEY["Idempotency-Key"]), legacy.hexdigest(), now=now,
                       ttl=dt.timedelta(hours=1))
    keys.complete(db, state.id, keys.StoredResponse(201, "application/json", {}, b'{"id": 77}'))
    replay = api.post("/api/invoices?a=1", api_payload(), headers=KEY)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json() == {"id": 77}
    assert api.post("/api/invoices", api_payload(external_id="other"), headers=KEY).status_code == 422
    assert invoice_count(api) == 0
