"""Delivering outgoing events to a real local endpoint: signed, retried with backoff, at least once."""
from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.payloads import invoice_payload
from support.webhooks import Receiver, Silent

from oro_invoices.domain.errors import UsageError
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.events import signature_header, verify_signature
from oro_invoices.persistence.outgoing_events import OutgoingEvent
from oro_invoices.services.event_delivery import EventDelivery, HttpAnswer, outcome
from oro_invoices.services.facade import InvoiceService

ROOT = Path(__file__).resolve().parents[2]
SECRET = "endpoint-secret-0123456789"
KEY = "oro_invoices.webhooks.endpoints"
MINUTE = dt.timedelta(minutes=1)


def documented_verify():
    """The verification snippet of docs/events.md, run as a receiver would paste it."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/events.md", "exec"), namespace)
    return namespace["verify"]


@pytest.fixture
def settings():
    return Settings(MemoryConfigStore())


@pytest.fixture
def svc(db, settings):
    return InvoiceService(db, settings=settings)


def endpoint(settings, *urls, secret=SECRET):
    settings.set(KEY, [{"url": url, "secret": secret} for url in urls])


def status_change(svc) -> int:
    """A posted invoice paid partially: one event. Returns the invoice id."""
    inv = svc.post(svc.create(invoice_payload()).id)
    svc.record_payment(inv.id, {"method": "manual", "action": "charge", "amount": "100.00"})
    return inv.id


def rows(db) -> list[OutgoingEvent]:
    with db.session() as s:
        return list(s.scalars(select(OutgoingEvent).order_by(OutgoingEvent.id)))


def test_the_endpoint_receives_a_signed_post_the_documented_snippet_verifies(svc, settings, db):
    verify = documented_verify()
    with Receiver() as receiver:
        endpoint(settings, receiver.url)
        invoice_id = status_change(svc)
        report = EventDelivery(svc.context).deliver_pending()
    assert (report.claimed, report.delivered, report.retrying, report.failed) == (1, 1, 0, 0)
    [request] = receiver.requests
    [row] = rows(db)
    assert (request.method, request.path) == ("POST", "/hooks/invoices")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["oro-invoices-event-id"] == row.event_id
    assert headers["oro-invoices-event-type"] == "invoice.payment_status_updated"
    assert request.body.decode() == row.body
    event = json.loads(request.body)
    assert event["id"] == row.event_id and event["data"]["invoice_id"] == invoice_id
    assert (event["data"]["amount_paid"], event["data"]["amount_due"]) == ("100.00", "131.86")

    header = headers["oro-invoices-signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify(SECRET, header, request.body) is True
    assert verify_signature(SECRET, header, request.body) > 0
    assert verify(SECRET, header, request.body.replace(b"100.00", b"231.86")) is False  # tampered
    assert verify("not-the-secret-0123456789", header, request.body) is False
    stale = signature_header(SECRET, request.body, int(time.time()) - 301)  # a replay
    assert verify(SECRET, stale, request.body) is False
    assert verify(SECRET, "nonsense", request.body) is False
    assert (row.status, row.attempts, row.response_status, row.last_error) == ("delivered", 1, 200, "")
    assert row.delivered_at is not None


def test_500s_are_retried_with_exponential_backoff_keeping_the_event_id(svc, settings, db):
    with Receiver(answers=[500, 503, 200]) as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        delivery = EventDelivery(svc.context)
        t0 = rows(db)[0].created_at
        assert delivery.deliver_pending(now=t0).retrying == 1
        [row] = rows(db)
        assert (row.status, row.attempts, row.response_status) == ("retry", 1, 500)
        assert row.next_attempt_at == t0 + MINUTE and row.last_error == "HTTP 500: answer 500"
        assert delivery.deliver_pending(now=t0 + MINUTE - dt.timedelta(seconds=1)).claimed == 0
        assert delivery.deliver_pending(now=t0 + MINUTE).retrying == 1
        [row] = rows(db)
        assert (row.attempts, row.next_attempt_at) == (2, t0 + 3 * MINUTE)  # waited 2 minutes
        assert delivery.deliver_pending(now=t0 + 3 * MINUTE).delivered == 1
    assert [r.headers["Oro-Invoices-Event-Id"] for r in receiver.requests] == [row.event_id] * 3
    assert len({r.body for r in receiver.requests}) == 1
    assert rows(db)[0].status == "delivered"


def test_the_backoff_doubles_up_to_its_cap_and_then_gives_up(svc):
    delivery = EventDelivery(svc.context, max_attempts=3)
    assert [delivery.retry_delay(n) for n in (1, 2, 3, 9, 10, 40)] == [
        MINUTE, 2 * MINUTE, 4 * MINUTE, 256 * MINUTE, dt.timedelta(hours=6), dt.timedelta(hours=6)]


def test_attempts_are_used_up_then_the_event_has_failed(svc, settings, db):
    with Receiver(answers=[502]) as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        delivery = EventDelivery(svc.context, max_attempts=2)
        now = rows(db)[0].created_at
        assert delivery.deliver_pending(now=now).retrying == 1
        assert delivery.deliver_pending(now=now + MINUTE).failed == 1
        assert delivery.deliver_pending(now=now + dt.timedelta(days=30)).claimed == 0
    [row] = rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert row.last_error == "Gave up after 2 attempts. Last error: HTTP 502: answer 502"
    assert len(receiver.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_4xx_fails_for_good(svc, settings, db, status):
    with Receiver(answers=[status, 200]) as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        delivery = EventDelivery(svc.context)
        assert delivery.deliver_pending().failed == 1
        assert delivery.deliver_pending(now=rows(db)[0].created_at + dt.timedelta(days=1)).claimed == 0
    [row] = rows(db)
    assert (row.status, row.response_status, row.last_error) == ("failed", status, f"HTTP {status}: answer {status}")
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 302, 500])
def test_408_429_redirects_and_5xx_are_retried(svc, settings, db, status):
    with Receiver(answers=[status]) as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        assert EventDelivery(svc.context).deliver_pending().retrying == 1
    [row] = rows(db)
    assert (row.status, row.response_status) == ("retry", status)
    assert [r.path for r in receiver.requests] == ["/hooks/invoices"]  # a redirect is not followed


@pytest.mark.parametrize(("status", "outcome_status"), [(200, "delivered"), (500, "retry")])
def test_the_status_decides_when_the_answers_body_stalls(svc, settings, db, status, outcome_status):
    """A receiver that answered 200 but then stalls has the event: it is not sent again."""
    with Receiver(answers=[status], stall_body=2) as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        EventDelivery(svc.context, timeout=0.5).deliver_pending()
        [row] = rows(db)
        assert (row.status, row.response_status, row.attempts) == (outcome_status, status, 1)
        assert len(receiver.requests) == 1


def test_no_answer_is_retried(svc, settings, db):
    with Receiver() as receiver:
        url = receiver.url
    endpoint(settings, url)  # nothing listens there any more
    status_change(svc)
    assert EventDelivery(svc.context, timeout=2).deliver_pending().retrying == 1
    [row] = rows(db)
    assert row.status == "retry" and row.response_status is None
    assert row.last_error.startswith("No answer: ")


def test_a_removed_endpoint_is_not_sent(svc, settings, db):
    endpoint(settings, "https://gone.example/hooks")
    status_change(svc)
    settings.set(KEY, [])
    assert EventDelivery(svc.context).deliver_pending().failed == 1
    [row] = rows(db)
    assert row.status == "failed"
    assert row.last_error == ("The endpoint is no longer configured for organization 1; the event "
                              "was not sent.")


def test_a_changed_secret_applies_to_waiting_events(svc, settings, db):
    with Receiver() as receiver:
        endpoint(settings, receiver.url, secret="old-secret-0123456789")
        status_change(svc)
        endpoint(settings, receiver.url, secret="new-secret-0123456789")
        EventDelivery(svc.context).deliver_pending()
    [request] = receiver.requests
    header = request.headers["Oro-Invoices-Signature"]
    assert verify_signature("new-secret-0123456789", header, request.body)


def test_an_event_left_sending_by_a_crashed_sender_is_sent_again(svc, settings, db):
    with Receiver() as receiver:
        endpoint(settings, receiver.url)
        status_change(svc)
        now = rows(db)[0].created_at
        with db.transaction() as s:  # a sender claimed it, then died before recording anything
            s.execute(update(OutgoingEvent).values(status="sending", attempts=1, lease_token="dead",
                                                   lease_until=now + dt.timedelta(minutes=5)))
        delivery = EventDelivery(svc.context)
        assert delivery.deliver_pending(now=now + dt.timedelta(minutes=4)).claimed == 0  # still leased
        assert delivery.deliver_pending(now=now + dt.timedelta(minutes=6)).delivered == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert len(receiver.requests) == 1


def test_each_endpoint_gets_its_own_delivery(svc, settings, db):
    with Receiver(answers=[200]) as ok, Receiver(answers=[500]) as down:
        endpoint(settings, ok.url, down.url)
        status_change(svc)
        report = EventDelivery(svc.context).deliver_pending()
    assert (report.claimed, report.delivered, report.retrying) == (2, 1, 1)
    assert {r.endpoint_url: r.status for r in rows(db)} == {ok.url: "delivered", down.url: "retry"}
    assert ok.requests[0].body == down.requests[0].body


def test_outcomes_by_status():
    assert [outcome(s) for s in (200, 204, 299, 301, 400, 404, 408, 429, 500, 599)] == [
        "delivered", "delivered", "delivered", "retry", "failed", "failed", "retry", "retry",
        "retry", "retry"]


def test_an_injected_poster_and_the_limit(svc, settings, db):
    endpoint(settings, "https://erp.example/hooks")
    status_change(svc)
    svc.update(svc.create(invoice_payload()).id, {"payment_status": "invoiced"})
    sent = []

    def post(url, body, headers, timeout):
        sent.append((url, timeout))
        return HttpAnswer(202)
    delivery = EventDelivery(svc.context, timeout=3.5, post=post)
    assert delivery.deliver_pending(limit=1).delivered == 1
    assert delivery.deliver_pending(limit=5).delivered == 1
    assert sent == [("https://erp.example/hooks", 3.5)] * 2


def test_the_lease_outlasts_the_timeout(svc):
    assert EventDelivery(svc.context).lease == dt.timedelta(minutes=5)
    assert EventDelivery(svc.context, timeout=400).lease == dt.timedelta(seconds=1200)
    with pytest.raises(UsageError, match=r"The lease \(60 s\) must be longer than the webhook timeout \(60 s\)"):
        EventDelivery(svc.context, timeout=60, lease=MINUTE)
    with pytest.raises(UsageError, match="must be more than 0 seconds"):
        EventDelivery(svc.context, timeout=0)
    with pytest.raises(UsageError, match="The limit must be at least 1"):
        EventDelivery(svc.context).deliver_pending(limit=0)


def test_a_silent_endpoint_costs_one_timeout_and_holds_up_no_other(svc, settings, db):
    """An endpoint that never answers is given up on for the run after its first timeout; its
    other events wait for that event's retry, in order, and the other endpoint gets everything."""
    with Silent() as dead, Receiver() as ok:
        dead_url = dead.url
        endpoint(settings, dead_url, ok.url)
        for _ in range(3):
            status_change(svc)
        delivery = EventDelivery(svc.context, timeout=1)
        report = delivery.deliver_pending()
        port = dead.socket.getsockname()[1]
    assert len(dead.arrivals) == 1, "the silent endpoint was waited for more than once"
    assert report.summary() == ("claimed 4: 3 delivered, 1 to retry, 0 failed; 2 more held back: "
                                "their endpoint gave no answer, they wait for its next attempt")
    sent = [r for r in rows(db) if r.endpoint_url == ok.url]
    assert [json.loads(r.body)["id"] for r in ok.requests] == [r.event_id for r in sent]
    first, *held = [r for r in rows(db) if r.endpoint_url == dead_url]
    assert (first.status, first.attempts) == ("retry", 1)
    assert first.last_error.startswith("No answer: ")
    assert [(r.status, r.attempts, r.next_attempt_at) for r in held] == [
        ("pending", 0, first.next_attempt_at)] * 2

    retry_at = first.next_attempt_at
    assert delivery.deliver_pending(now=retry_at - dt.timedelta(seconds=1)).claimed == 0
    with Receiver(path="/hooks/silent", port=port) as back:  # the endpoint answers again
        report = delivery.deliver_pending(now=retry_at)
    assert (report.claimed, report.delivered) == (3, 3)
    assert [json.loads(r.body)["id"] for r in back.requests] == [first.event_id] + [
        r.event_id for r in held]


def test_silent_endpoints_are_waited_for_side_by_side(svc, settings, db):
    with Silent() as one, Silent() as two, Receiver() as ok:
        endpoint(settings, one.url, two.url, ok.url)
        status_change(svc)
        report = EventDelivery(svc.context, timeout=2).deliver_pending()
        assert (report.delivered, report.retrying) == (1, 2)
        # side by side, the second is asked long before the first's 2 s are up
        assert abs(one.arrivals[0] - two.arrivals[0]) < 1, "the endpoints were waited for one after the other"
        later = max(r.next_attempt_at for r in rows(db) if r.status == "retry")
        report = EventDelivery(svc.context, timeout=2, concurrency=1).deliver_pending(now=later)
        assert report.retrying == 2
        assert abs(one.arrivals[1] - two.arrivals[1]) > 1, "one at a time waits for each in turn"


def test_the_limit_counts_the_events_of_all_endpoints(svc, settings, db):
    with Receiver() as one, Receiver() as two:
        endpoint(settings, one.url, two.url)
        status_change(svc)
        status_change(svc)
        delivery = EventDelivery(svc.context)
        assert delivery.deliver_pending(limit=3).delivered == 3
        assert delivery.deliver_pending(limit=3).delivered == 1
    assert len(one.requests) + len(two.requests) == 4


def test_concurrency_is_at_least_one(svc):
    with pytest.raises(UsageError, match="concurrency must be at least 1, not 0"):
        EventDelivery(svc.context, concurrency=0)
