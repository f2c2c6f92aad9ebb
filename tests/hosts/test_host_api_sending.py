"""``POST /api/invoices/send`` in the reference shop: Send to Customer for several invoices named by
id or external id, drafts posted only when asked, what became of each, once per Idempotency-Key."""
from __future__ import annotations

import pytest
from support.api import shop_api_call

POSTED, MORE, DRAFT = "ERP-SO-1007-7", "ERP-SO-1008-8", "ERP-SO-1009-9"     # Globex's (gina.park)


def emails(shop, invoice_id: int) -> list:
    return shop[0].extensions["oro_invoices"].mail.emails(invoice_id)


def test_each_named_invoice_is_sent_and_a_draft_only_when_asked(shop, admin):
    posted, more, draft = (admin.service.find_id(external_id=e) for e in (POSTED, MORE, DRAFT))
    resp = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [
        {"external_id": POSTED}, {"id": more}, {"external_id": DRAFT}]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["sent"] == 2
    assert [(r["id"], r["outcome"], r["posted"]) for r in body["results"]] == [
        (posted, "sent", False), (more, "sent", False), (draft, "not_sent", False)]
    assert body["results"][0]["to"] == "gina.park@globex.example"
    assert body["results"][2]["problem"] == "It is a draft, and drafts were not to be posted: it is not sent."
    assert not admin.service.get(draft).is_posted and emails(shop, draft) == []
    assert [e.to for e in emails(shop, posted)] == [("gina.park@globex.example",)]

    posting = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [{"external_id": DRAFT}], "post": True})
    [result] = posting.get_json()["results"]
    assert (result["outcome"], result["posted"]) == ("sent", True)
    assert admin.service.get(draft).is_posted and len(emails(shop, draft)) == 1


def test_the_same_request_with_its_idempotency_key_sends_once(shop, admin):
    posted = admin.service.find_id(external_id=POSTED)
    for _ in range(2):
        resp = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [{"id": posted}]},
                             headers={"Idempotency-Key": "erp-batch-2026-12-05"})
        assert resp.status_code == 200 and resp.get_json()["results"][0]["outcome"] == "sent"
    assert len(emails(shop, posted)) == 1


@pytest.mark.parametrize("body, field", [
    ({"invoices": [{"external_id": "ERP-SO-1011-11"}]}, "invoices[0]"),       # another organization's
    ({"invoices": [{"external_id": POSTED}, {"external_id": POSTED}]}, "invoices[1]"),
    ({"invoices": [{"external_id": POSTED}], "post": "yes"}, "post"),
    ({"invoices": [{"external_id": POSTED}], "template": "x"}, "template"),
    ({"invoices": []}, "invoices"),
])
def test_a_body_that_names_something_wrong_sends_nothing(shop, admin, body, field):
    resp = shop_api_call(shop, "POST", "/invoices/send", body)
    assert resp.status_code == 422 and field in {e["field"] for e in resp.get_json()["errors"]}
    assert emails(shop, admin.service.find_id(external_id=POSTED)) == []


def test_an_email_whose_delivery_job_cannot_be_queued_is_sent_with_a_warning(shop, admin, monkeypatch):
    """The host's job queue raises once each email is queued: each is sent all the same (the mail
    sweep delivers it), and the answer's Invoice-Write-Warning says so of each invoice."""
    from support.held_jobs import BrokenJobs
    jobs = BrokenJobs()
    monkeypatch.setattr(shop[0].extensions["oro_invoices"].mail, "jobs", jobs)
    posted, more = (admin.service.find_id(external_id=e) for e in (POSTED, MORE))
    resp = shop_api_call(shop, "POST", "/invoices/send", {"invoices": [{"id": posted}, {"id": more}]})

    assert resp.status_code == 200
    assert [r["outcome"] for r in resp.get_json()["results"]] == ["sent", "sent"]
    assert len(emails(shop, posted)) == len(emails(shop, more)) == 1
    queued = ("The email is queued, but a background job that followed (oro_invoices.deliver_email) could not be "
              "handed to the job queue; the periodic mail sweep sends it, so there is nothing to do.")
    assert resp.headers["Invoice-Write-Warning"] == f"Invoice {posted}: {queued} Invoice {more}: {queued}"
    assert jobs.tried == ["oro_invoices.deliver_email"] * 2
