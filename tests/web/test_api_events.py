"""Outgoing webhook events through the JSON API: ``GET /api/events`` (newest first, filtered, cursor
paged), ``GET /api/events/{id}`` (with the exact body) and ``POST /api/events/{id}/redeliver``,
which sends a failed event again to a real local endpoint with the same event id."""
from __future__ import annotations

import base64
import datetime as dt
import json

import flask
import pytest
from support.api import CLIENTS, ApiHttp, assert_error_shape
from support.held_jobs import HeldJobs
from support.webhooks import Receiver

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.event_delivery import EventDelivery
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.jobs import DELIVER_EVENTS, Job
from oro_invoices.web.api import ApiClient, InvoiceApi
from oro_invoices.web.openapi import build_spec

SECRET = "api-events-secret-0123456789"
KEY = "oro_invoices.webhooks.endpoints"
USERS = {
    "tok-admin": ApiClient("admin", 1, permissions=frozenset({"oro_invoices.view", "oro_invoices.configure"})),
}


@pytest.fixture
def service(db, settings):
    return InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)


@pytest.fixture
def http(service, settings):
    api = InvoiceApi(service, authenticate={**CLIENTS, **USERS}.get, settings=settings)
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api))
    return ApiHttp(app, service, api)


def endpoints(settings, *urls: str) -> None:
    settings.set(KEY, [{"url": url, "secret": SECRET} for url in urls])


def paid_partially(http, token: str = "tok-erp", amount: str = "100.00") -> dict:
    """A posted invoice (231.86 USD) paid ``amount``: one invoice.payment_status_updated event."""
    inv = http.create(token=token, status="posted")
    resp = http.post(f"/api/invoices/{inv['id']}/payments",
                     {"method": "bank_transfer", "action": "charge", "amount": amount}, token=token)
    assert resp.status_code == 201, resp.get_data()
    return inv


def deliver(service) -> None:
    EventDelivery(service.context, timeout=5).deliver_pending()


def events(http, query: str = "", token: str = "tok-erp") -> dict:
    resp = http.get(f"/api/events{query}", token=token)
    assert resp.status_code == 200, resp.get_data()
    return resp.get_json()


def documented(name: str, instance: dict) -> list[str]:
    """What in ``instance`` the OpenAPI document's schema ``name`` does not allow."""
    from openapi_schema_validator import OAS30Validator
    validator = OAS30Validator({"$ref": f"#/components/schemas/{name}", "components": build_spec()["components"]})
    return [e.message for e in validator.iter_errors(instance)]


def refused(resp, status: int) -> list[tuple[str, str]]:
    assert resp.status_code == status, resp.get_data()
    return [(e["field"], e["message"]) for e in assert_error_shape(resp)]


def test_the_list_shows_the_organizations_events_newest_first(http, settings, service):
    with Receiver(answers=[200, 410]) as receiver:
        endpoints(settings, receiver.url)
        first = paid_partially(http)
        second = paid_partially(http)
        paid_partially(http, token="tok-other")            # organization 2's: never listed
        deliver(service)
    body = events(http)
    assert body["next_cursor"] is None and documented("EventPage", body) == []
    assert [(r["invoice_id"], r["type"], r["status"], r["attempts"], r["last_http_status"]) for r in body["data"]] == [
        (second["id"], "invoice.payment_status_updated", "failed", 1, 410),
        (first["id"], "invoice.payment_status_updated", "delivered", 1, 200)]
    failed, delivered = body["data"]
    assert failed["endpoint"] == receiver.url and failed["last_error"] == "HTTP 410: answer 410"
    assert failed["next_attempt_at"] is None and failed["delivered_at"] is None
    assert failed["links"] == {"self": f"/api/events/{failed['id']}",
                               "redeliver": f"/api/events/{failed['id']}/redeliver"}
    assert delivered["last_error"] == "" and delivered["delivered_at"] is not None
    sent = [r.headers["Oro-Invoices-Event-Id"] for r in receiver.requests]
    assert sent[:2] == [delivered["event_id"], failed["event_id"]] and len(sent) == 3
    assert "body" not in failed
    other = events(http, token="tok-other")["data"]
    assert [(r["event_id"], r["status"]) for r in other] == [(sent[2], "failed")]


def test_filters_and_cursor_paging(http, settings, service):
    endpoints(settings, "https://erp.example.com/hooks", "https://bi.example.com/hooks")
    invoices = [paid_partially(http) for _ in range(3)]
    all_rows = events(http)["data"]
    assert len(all_rows) == 6
    assert [r["id"] for r in all_rows] == sorted((r["id"] for r in all_rows), reverse=True)
    seen, cursor = [], ""
    while True:
        page = events(http, f"?limit=4{cursor}")
        seen += [r["id"] for r in page["data"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [r["id"] for r in all_rows]
    only = events(http, f"?invoice_id={invoices[0]['id']}&endpoint=https://bi.example.com/hooks")["data"]
    assert [(r["invoice_id"], r["endpoint"]) for r in only] == [(invoices[0]["id"], "https://bi.example.com/hooks")]
    assert events(http, "?status=failed")["data"] == []
    assert len(events(http, "?status=pending&type=invoice.payment_status_updated")["data"]) == 6
    assert events(http, "?type=customer.credit_updated")["data"] == []
    day = all_rows[0]["occurred_at"][:10]
    assert len(events(http, f"?occurred_from={day}&occurred_to={day}")["data"]) == 6
    assert events(http, "?occurred_to=2000-01-01")["data"] == []
    assert events(http, "?occurred_from=2999-01-01T00:00:00%2B02:00")["data"] == []


def test_a_bad_query_is_refused_naming_each_parameter(http):
    assert refused(http.get("/api/events?status=lost&type=x&invoice_id=-1&since=1&limit=0"), 422) == [
        ("since", "Unknown query parameter; use one of status, type, invoice_id, endpoint, occurred_from, "
                  "occurred_to, limit, cursor.")]
    assert refused(http.get("/api/events?status=lost&type=x&invoice_id=-1&limit=0&occurred_from=yesterday"
                            "&cursor=abc"), 422) == [
        ("status", "Must be one of pending, sending, retry, delivered, failed."),
        ("type", "Must be one of invoice.payment_status_updated, customer.credit_updated."),
        ("invoice_id", "Must be a positive integer."),
        ("occurred_from", "Must be a day such as 2026-12-01 (UTC) or a time with its offset such as "
                          "2026-12-01T09:30:00Z."),
        ("limit", "Must be an integer from 1 to 500."),
        ("cursor", "Invalid or expired cursor; start again from the first page.")]
    assert refused(http.get("/api/events?occurred_from=2026-12-01T10:00:00"), 422)[0][0] == "occurred_from"
    assert refused(http.get("/api/events?occurred_from=2026-12-02&occurred_to=2026-12-01"), 422) == [
        ("occurred_to", "Must not be before occurred_from.")]


def test_a_time_out_of_the_years_or_a_cursor_nested_too_deep_is_refused_naming_it(http):
    """An offset that moves a time past 9999 or before year 1, a day of year 0, and a cursor of JSON
    deeper than can be read, are bad values of their parameters, not server errors; a time out of
    the years says which years are accepted."""
    deep = base64.urlsafe_b64encode(b"[" * 1200).decode().rstrip("=")
    out = ("Out of range: must fall within the years 0001 to 9999 (UTC, once its offset is applied); "
           "this is {} them.")
    assert refused(http.get("/api/events?occurred_from=0001-01-01T00:00:00%2B01:00"
                            f"&occurred_to=9999-12-31T23:59:59-01:00&cursor={deep}"), 422) == [
        ("occurred_from", out.format("before")), ("occurred_to", out.format("after")),
        ("cursor", "Invalid or expired cursor; start again from the first page.")]
    assert refused(http.get("/api/events?occurred_from=0000-12-31"), 422) == [
        ("occurred_from", out.format("before"))]
    assert refused(http.get("/api/events?occurred_to=0000-02-30"), 422) == [   # no day in any year
        ("occurred_to", "Must be a day such as 2026-12-01 (UTC) or a time with its offset such as "
                        "2026-12-01T09:30:00Z.")]
    assert events(http, "?occurred_from=0001-01-01T00:00:00Z&occurred_to=9999-12-31T23:59:59Z")["data"] == []


def test_a_filter_given_empty_is_refused_naming_it(http, settings):
    """``?status=`` would otherwise list every status, as if the client had asked for none: each
    filter given empty is 422 naming it; an empty limit or cursor is the first page's default."""
    endpoints(settings, "https://erp.example.com/hooks")
    paid_partially(http)
    said = "Must not be empty: give a value, or leave {0} out not to filter by it."
    assert refused(http.get("/api/events?status="), 422) == [("status", said.format("status"))]
    assert refused(http.get("/api/events?type=&invoice_id=&endpoint=&occurred_from=&occurred_to=&status=failed"),
                   422) == [(name, said.format(name))
                            for name in ("type", "invoice_id", "endpoint", "occurred_from", "occurred_to")]
    assert len(events(http, "?limit=&cursor=")["data"]) == 1


def test_one_event_gives_its_exact_body_another_organizations_is_404(http, settings):
    endpoints(settings, "https://erp.example.com/hooks")
    inv = paid_partially(http)
    [row] = events(http)["data"]
    resp = http.get(f"/api/events/{row['id']}")
    assert resp.status_code == 200, resp.get_data()
    detail = resp.get_json()
    assert documented("EventDetail", detail) == []
    body = json.loads(detail.pop("body"))
    assert detail.pop("redelivery_history") == [] and detail == row
    assert (body["id"], body["type"], body["data"]["invoice_id"], body["data"]["amount_due"]) == (
        row["event_id"], "invoice.payment_status_updated", inv["id"], "131.86")
    assert refused(http.get(f"/api/events/{row['id']}", token="tok-other"), 404) == [
        ("", f"Event {row['id']} does not exist.")]
    assert refused(http.post(f"/api/events/{row['id']}/redeliver", token="tok-other"), 404) == [
        ("", f"Event {row['id']} does not exist.")]
    assert refused(http.get("/api/events/abc"), 404) == [
        ("", "Event 'abc' does not exist: event ids are positive integers.")]


def test_reading_and_resending_need_the_configure_permission(http, settings):
    endpoints(settings, "https://erp.example.com/hooks")
    paid_partially(http)
    message = ("The API client 'viewer' acts for a user without the 'oro_invoices.configure' permission, "
               "which this needs.")
    assert refused(http.get("/api/events", token="tok-viewer"), 403) == [("", message)]
    assert len(events(http, token="tok-admin")["data"]) == 1
    assert refused(http.post("/api/events/1/redeliver", token="tok-reader"), 403) == [
        ("", "The API client 'reader' lacks the 'invoices:write' scope.")]


def test_a_failed_event_is_sent_again_with_the_same_event_id_and_body(http, settings, service):
    with Receiver(answers=[410, 200]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
        [row] = events(http, "?status=failed")["data"]
        resp = http.post(f"/api/events/{row['id']}/redeliver", headers={"Idempotency-Key": "again-1"})
        assert resp.status_code == 200, resp.get_data()
        again = resp.get_json()
        assert (again["status"], again["attempts"], again["last_http_status"], again["last_error"]) == (
            "pending", 0, None, "")
        assert again["event_id"] == row["event_id"] and again["next_attempt_at"] is not None
        replay = http.post(f"/api/events/{row['id']}/redeliver", headers={"Idempotency-Key": "again-1"})
        assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json() == again
        at = dt.datetime.fromisoformat(again["redelivered_at"]).isoformat(timespec="seconds")
        assert refused(http.post(f"/api/events/{row['id']}/redeliver"), 409) == [
            ("", f"Event {row['id']} is already being resent: api:erp resent it at {at}, and it is waiting to "
                 "be sent (status pending). It is not resent again until it is delivered or fails.")]
        deliver(service)
    first, second = receiver.requests
    assert second.headers["Oro-Invoices-Event-Id"] == first.headers["Oro-Invoices-Event-Id"] == row["event_id"]
    assert second.body == first.body
    [done] = events(http)["data"]
    assert (done["status"], done["attempts"], done["last_http_status"]) == ("delivered", 1, 200)


def test_an_event_whose_endpoint_is_no_longer_configured_is_not_resent(http, settings, service):
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http)["data"]
    endpoints(settings, "https://erp.example.com/hooks")
    assert refused(http.post(f"/api/events/{row['id']}/redeliver", {}), 409) == [
        ("", f"The endpoint {receiver.url} of event {row['id']} is no longer configured for organization 1; it "
             "would fail again. Configure it again (oro_invoices.webhooks.endpoints) to resend the event.")]
    assert events(http)["data"][0]["status"] == "failed"
    assert refused(http.post(f"/api/events/{row['id']}/redeliver", {"now": True}), 422) == [
        ("now", "Unknown field; this takes no body (send none, or {}).")]


def test_with_background_jobs_a_resent_event_is_handed_to_the_worker(http, settings, service):
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http)["data"]
    service.context.jobs = jobs = HeldJobs()      # a worker takes the jobs from now on
    assert http.post(f"/api/events/{row['id']}/redeliver").status_code == 200
    assert jobs.submitted == [Job(DELIVER_EVENTS)]


def test_a_resent_event_keeps_its_delivery_before_and_who_resent_it(http, settings, service):
    with Receiver(answers=[410, 503, 200]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
        [row] = events(http)["data"]
        assert (row["redeliveries"], row["redelivered_at"], row["redelivered_by"], row["previous_attempts"],
                row["previous_http_status"], row["previous_error"]) == (0, None, None, None, None, "")
        again = http.post(f"/api/events/{row['id']}/redeliver").get_json()
        assert documented("EventDetail", again) == []
        assert (again["status"], again["attempts"], again["last_http_status"], again["last_error"]) == (
            "pending", 0, None, "")
        assert (again["redeliveries"], again["redelivered_by"], again["previous_attempts"],
                again["previous_http_status"], again["previous_error"]) == (1, "api:erp", 1, 410, "HTTP 410: answer 410")
        assert again["redelivered_at"] == again["updated_at"]
        deliver(service)                                     # 503: to retry
        [retrying] = events(http)["data"]
        assert (retrying["status"], retrying["last_http_status"], retrying["previous_http_status"]) == (
            "retry", 503, 410)
    [listed] = events(http)["data"]
    assert documented("EventPage", events(http)) == []
    assert (listed["redeliveries"], listed["redelivered_by"], listed["previous_error"]) == (
        1, "api:erp", "HTTP 410: answer 410")


def test_resending_a_delivered_event_again_counts_each_resend(http, settings, service):
    with Receiver(answers=[200, 200]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
        [row] = events(http)["data"]
        assert http.post(f"/api/events/{row['id']}/redeliver").status_code == 200
        deliver(service)
        second = http.post(f"/api/events/{row['id']}/redeliver", token="tok-admin").get_json()
    assert (second["redeliveries"], second["redelivered_by"], second["previous_attempts"],
            second["previous_http_status"], second["previous_error"]) == (2, "api:admin", 1, 200, "")
    detail = http.get(f"/api/events/{row['id']}").get_json()
    assert (detail["redeliveries"], detail["redelivered_by"], detail["redelivered_at"]) == (
        2, "api:admin", second["redelivered_at"])


def test_every_resend_is_kept_newest_first_with_who_asked_and_what_the_event_had(http, settings, service):
    with Receiver(answers=[410, 200]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)                                             # 410: failed
        [row] = events(http)["data"]
        assert http.get(f"/api/events/{row['id']}").get_json()["redelivery_history"] == []
        first = http.post(f"/api/events/{row['id']}/redeliver").get_json()
        deliver(service)                                             # 200: delivered
        second = http.post(f"/api/events/{row['id']}/redeliver", token="tok-admin").get_json()
    detail = http.get(f"/api/events/{row['id']}").get_json()
    assert documented("EventDetail", detail) == [] and detail["redelivery_history"] == second["redelivery_history"]
    assert detail["redelivery_history"] == [
        {"redelivered_at": second["redelivered_at"], "redelivered_by": "api:admin", "previous_status": "delivered",
         "previous_attempts": 1, "previous_http_status": 200, "previous_error": ""},
        {"redelivered_at": first["redelivered_at"], "redelivered_by": "api:erp", "previous_status": "failed",
         "previous_attempts": 1, "previous_http_status": 410, "previous_error": "HTTP 410: answer 410"}]
    assert (detail["redeliveries"], detail["redelivered_by"], detail["previous_http_status"]) == (2, "api:admin", 200)
    [listed] = events(http)["data"]                        # a list row: the count and the newest, no history
    assert (listed["redeliveries"], listed["redelivered_by"]) == (2, "api:admin")
    assert "redelivery_history" not in listed


def test_an_event_not_sent_yet_is_still_waiting_not_being_resent(http, settings):
    endpoints(settings, "https://erp.example.com/hooks")
    paid_partially(http)
    [row] = events(http)["data"]
    assert refused(http.post(f"/api/events/{row['id']}/redeliver"), 409) == [
        ("", f"Event {row['id']} is still waiting to be sent (status pending), so it is not resent; only "
             "a delivered or failed event can be resent.")]


def test_the_second_of_two_resends_at_once_is_told_the_event_is_already_being_resent(http, settings, service,
                                                                                    monkeypatch):
    """The other request resends the event after this one found it failed and before it writes:
    this one resends nothing and says who resent it."""
    from oro_invoices.services import event_log
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http)["data"]
    checked = event_log.configured_urls
    raced: list[dict] = []

    def checked_while_another_resends(ctx, organization_id):
        if not raced:               # the other request wins: it writes first
            raced.append({})
            raced[0] = http.post(f"/api/events/{row['id']}/redeliver", token="tok-admin").get_json()
        return checked(ctx, organization_id)
    monkeypatch.setattr(event_log, "configured_urls", checked_while_another_resends)
    resp = http.post(f"/api/events/{row['id']}/redeliver")
    [winner] = raced
    at = dt.datetime.fromisoformat(winner["redelivered_at"]).isoformat(timespec="seconds")
    assert refused(resp, 409) == [
        ("", f"Event {row['id']} is already being resent: api:admin resent it at {at}, and it is waiting to be "
             "sent (status pending). It is not resent again until it is delivered or fails.")]
    detail = http.get(f"/api/events/{row['id']}").get_json()
    assert detail["redeliveries"] == 1 and [r["redelivered_by"] for r in detail["redelivery_history"]] == ["api:admin"]


def test_a_database_error_while_resending_is_a_503_and_changes_nothing(http, settings, service, db):
    from support.refusals import refusing_updates
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http)["data"]
    with refusing_updates(db, "oro_invoice_outgoing_event", "NEW.status = 'pending'"):
        resp = http.post(f"/api/events/{row['id']}/redeliver")
    assert refused(resp, 503) == [
        ("", f"Event {row['id']} was not resent: the database could not record it, and nothing was changed. "
             "Try again in a moment.")]
    assert resp.headers["Retry-After"] == "5"
    detail = http.get(f"/api/events/{row['id']}").get_json()
    assert (detail["status"], detail["attempts"], detail["redeliveries"], detail["redelivery_history"]) == (
        "failed", 1, 0, [])
    assert http.post(f"/api/events/{row['id']}/redeliver").status_code == 200      # asked again: resent


def test_on_postgresql_a_resend_waits_for_one_under_way_and_then_resends_nothing(http, settings, service, db):
    """Two resends really at once: the second waits for the first's lock on the event and, once
    the first is committed, finds the event pending; it keeps no second resend."""
    import threading

    from sqlalchemy import text

    from oro_invoices.services import event_log
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: the second resend begins after the first")
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http)["data"]
    answers = []
    with db.transaction() as s:                                # the first resend, not committed yet
        assert event_log._requeue(s, [row["id"]], service.context.clock(), "api:admin") == 1
        second = threading.Thread(target=lambda: answers.append(http.post(f"/api/events/{row['id']}/redeliver")))
        second.start()
        with db.engine.connect() as conn:                      # until the second waits for the lock
            for _ in range(600):
                if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND wait_event_type = 'Lock'")).scalar():
                    break
                threading.Event().wait(0.05)
            else:
                pytest.fail("the second resend never waited for the first")
    second.join(timeout=60)
    [resp] = answers
    assert refused(resp, 409)[0][1].startswith(f"Event {row['id']} is already being resent: api:admin resent it at ")
    detail = http.get(f"/api/events/{row['id']}").get_json()
    assert detail["redeliveries"] == 1 and [r["redelivered_by"] for r in detail["redelivery_history"]] == ["api:admin"]


def test_an_event_resent_whose_delivery_job_cannot_be_queued_is_resent_with_a_warning(http, settings, service):
    """The host's job queue raises once the resend committed: the event is pending again all the
    same (the next deliver-events run sends it), and Invoice-Write-Warning says so."""
    from support.held_jobs import BrokenJobs
    with Receiver(answers=[410]) as receiver:
        endpoints(settings, receiver.url)
        paid_partially(http)
        deliver(service)
    [row] = events(http, "?status=failed")["data"]
    service.context.jobs = jobs = BrokenJobs()
    resp = http.post(f"/api/events/{row['id']}/redeliver")

    assert resp.status_code == 200, resp.get_data()
    assert resp.get_json()["status"] == "pending"
    assert resp.headers["Invoice-Write-Warning"] == (
        "The change is saved, but a background job that followed (oro_invoices.deliver_events) could not be "
        "handed to the job queue; the periodic sweeps do its work, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.deliver_events"]
    assert events(http, "?status=pending")["data"][0]["id"] == row["id"]
