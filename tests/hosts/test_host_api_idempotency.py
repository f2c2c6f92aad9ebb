"""An ``Idempotency-Key`` in the reference shop's API: the query is part of the request it names, so
a retry for another customer is refused instead of answered with the first customer's message."""
from __future__ import annotations

from support.api import shop_api_call as api_call
from support.days import last_month_end

KEY = {"Idempotency-Key": "month-end-statement"}
BODY = {"to": ["books@example.com"]}


def test_the_same_key_for_another_customers_statement_is_422_and_sends_nothing(shop):
    mail = shop[0].extensions["oro_invoices"].mail
    first = api_call(shop, "POST", "/receivables/statement/email?customer_id=1", BODY, headers=KEY)
    assert first.status_code == 201 and first.get_json()["customer_id"] == 1
    other = api_call(shop, "POST", "/receivables/statement/email?customer_id=3", BODY, headers=KEY)
    assert other.status_code == 422 and "Idempotent-Replayed" not in other.headers
    [error] = other.get_json()["errors"]
    assert error["field"] == "Idempotency-Key" and "different request (method, path, query or body)" in error["message"]
    assert mail.statements.emails(1, 3) == []
    again = api_call(shop, "POST", "/receivables/statement/email?customer_id=1", BODY, headers=KEY)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]


def test_the_same_key_for_the_aging_of_another_query_is_422(shop):
    day = last_month_end()
    path = f"/receivables/aging/email?currency=EUR&as_of={day}"
    assert api_call(shop, "POST", path, BODY, headers=KEY).status_code == 201
    reordered = api_call(shop, "POST", f"/receivables/aging/email?as_of={day}&currency=EUR", BODY, headers=KEY)
    assert reordered.headers["Idempotent-Replayed"] == "true"
    other = api_call(shop, "POST", f"/receivables/aging/email?currency=USD&as_of={day}", BODY, headers=KEY)
    assert other.status_code == 422 and other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(shop[0].extensions["oro_invoices"].mail.aging.emails(1)) == 1


def test_a_statement_whose_delivery_job_cannot_be_queued_is_queued_with_a_warning(shop, monkeypatch):
    """The host's job queue raises once the statement is queued: it is queued all the same (the
    mail sweep delivers it), and the answer's Invoice-Write-Warning says so."""
    from support.held_jobs import BrokenJobs
    mail = shop[0].extensions["oro_invoices"].mail
    jobs = BrokenJobs()
    monkeypatch.setattr(mail, "jobs", jobs)
    resp = api_call(shop, "POST", "/receivables/statement/email?customer_id=1", BODY)

    assert resp.status_code == 201, resp.get_data()
    assert [e.id for e in mail.statements.emails(1, 1)] == [resp.get_json()["id"]]
    assert resp.headers["Invoice-Write-Warning"] == (
        "The email is queued, but a background job that followed (oro_invoices.deliver_email) could not be handed "
        "to the job queue; the periodic mail sweep sends it, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.deliver_email"]
