"""The API never reports a failure for a posting that happened, nor success for one that did not."""
from __future__ import annotations

from support.api import api_payload, assert_error_shape
from support.held_jobs import BrokenJobs

from oro_invoices.integration.plugins import hookimpl


class BrokenPdfPlugin:
    """A plugin whose PDF context fails (a bug, a service it asks that is down)."""

    broken = True

    @hookimpl
    def invoice_pdf_context(self, invoice):
        if self.broken:
            raise ConnectionError("logo service unreachable")
        return {}


def test_a_posting_whose_pdf_cannot_be_made_answers_an_error_and_leaves_a_draft(pdf_api):
    plugin = BrokenPdfPlugin()
    pdf_api.service.plugins.register(plugin)
    created = pdf_api.create()
    resp = pdf_api.post(f"/api/invoices/{created['id']}/post")
    assert resp.status_code == 500
    (error,) = assert_error_shape(resp)
    assert error["message"] == (f"Invoice Draft #{created['id']} was not posted: its PDF could not be "
                                "rendered; it is still a draft and nothing was changed. "
                                "ConnectionError: logo service unreachable")
    after = pdf_api.get(f"/api/invoices/{created['id']}").get_json()
    assert after["status"] == "draft" and after["invoice_number"] is None and after["pdf"] is None
    assert pdf_api.get(f"/api/invoices/{created['id']}/pdf").status_code == 409

    plugin.broken = False
    done = pdf_api.post(f"/api/invoices/{created['id']}/post")
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "posted" and body["pdf"]["source"] == "generated"
    assert body["invoice_number"].endswith("-00001")


def test_posting_an_incomplete_invoice_answers_422_per_field(api):
    created = api.create(due_date=None, customer_name="")
    resp = api.post(f"/api/invoices/{created['id']}/post")
    assert resp.status_code == 422
    assert assert_error_shape(resp) == [
        {"field": "customer_name", "message": "A posted invoice needs the buyer's name."},
        {"field": "due_date", "message": "A posted invoice needs a due date."}]
    assert api.get(f"/api/invoices/{created['id']}").get_json()["status"] == "draft"


def test_a_posting_whose_jobs_cannot_be_queued_is_posted_with_a_warning(db, settings):
    """The job queue raising after the posting committed (its PDF job; the delivery of the
    events of the customer's credit applied to it): 200 with the posted invoice, paid by the
    credit, and a warning of each job, never a 500 that has the client post it again."""
    from support.api import make_http
    from support.payloads import invoice_payload

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    settings.apply({"oro_invoices.webhooks.endpoints": [{"url": "https://erp.example/hooks", "secret": "s" * 24}],
                    "oro_invoices.customer_credit.apply_on_posting": True})
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    paid = service.post(service.create(invoice_payload()).id)
    service.record_payment(paid.id, {"method": "bank_transfer", "action": "charge", "amount": "231.86"})
    service.create_credit_note(paid.id, {"lines": [{"line": 2, "quantity": "1"}], "settlement": "credit"},
                               actor="admin")                          # 107.00 kept as the customer's credit
    service.context.jobs = jobs = BrokenJobs()
    api = make_http(service, settings)
    created = api.create()
    resp = api.post(f"/api/invoices/{created['id']}/post")

    assert resp.status_code == 200, resp.get_data()
    body = resp.get_json()
    assert (body["status"], body["amount_paid"]) == ("posted", "107.00")
    assert resp.headers["Invoice-Write-Warning"] == (
        "The invoice is posted, but its PDF could not be handed to the background jobs; the periodic PDF sweep "
        "makes it, so there is nothing to do. The invoice is posted, but a background job that followed "
        "(oro_invoices.deliver_events) could not be handed to the job queue; the periodic sweeps do its work, so "
        "there is nothing to do.")
    assert jobs.tried == ["oro_invoices.render_pdf", "oro_invoices.deliver_events"]
    assert api.get(f"/api/invoices/{created['id']}").get_json()["status"] == "posted"
    again = api.post(f"/api/invoices/{created['id']}/post")
    assert again.status_code == 200 and "Invoice-Write-Warning" not in again.headers


def _broken_jobs_api(db, settings):
    """The API over a service whose job queue raises, with a webhook endpoint (so that each write
    hands the delivery of its events to the queue)."""
    from support.api import make_http

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.facade import InvoiceService
    settings.apply({"oro_invoices.webhooks.endpoints": [{"url": "https://erp.example/hooks", "secret": "s" * 24}]})
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    service.context.jobs = jobs = BrokenJobs()
    return make_http(service, settings), jobs


def test_an_invoice_created_posted_whose_jobs_cannot_be_queued_is_created_with_a_warning(db, settings):
    api, jobs = _broken_jobs_api(db, settings)
    resp = api.post("/api/invoices", api_payload(status="posted"))

    assert resp.status_code == 201, resp.get_data()
    assert resp.get_json()["status"] == "posted"
    assert resp.headers["Invoice-Write-Warning"] == (
        "The invoice is posted, but its PDF could not be handed to the background jobs; the periodic PDF sweep "
        "makes it, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.render_pdf"]
    assert api.get(f"/api/invoices/{resp.get_json()['id']}").get_json()["status"] == "posted"


def test_a_payment_whose_event_delivery_cannot_be_queued_is_recorded_with_a_warning(db, settings):
    api, jobs = _broken_jobs_api(db, settings)
    created = api.post("/api/invoices", api_payload(status="posted")).get_json()
    jobs.tried.clear()
    resp = api.post(f"/api/invoices/{created['id']}/payments",
                    {"method": "bank_transfer", "action": "charge", "amount": "100.00", "provider_reference": "BT-1"})

    assert resp.status_code == 201, resp.get_data()
    assert resp.get_json()["invoice"]["amount_paid"] == "100.00"
    assert resp.headers["Invoice-Write-Warning"] == (
        "The change is saved, but a background job that followed (oro_invoices.deliver_events) could not be "
        "handed to the job queue; the periodic sweeps do its work, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.deliver_events"]
    again = api.post(f"/api/invoices/{created['id']}/payments",
                     {"method": "bank_transfer", "action": "charge", "amount": "100.00", "provider_reference": "BT-1"})
    assert again.status_code == 200 and again.get_json()["invoice"]["amount_paid"] == "100.00"


def test_posting_makes_no_webhook_event_created_posted_or_posted_later_the_hook_hears_both(db, settings):
    """docs/events.md: a posting is no payment status change, so neither an invoice created posted
    (``POST /api/invoices``, ``PUT /api/invoices/by-external-id/…``) nor a draft posted later
    sends the endpoint anything; plugins hear of each posting through ``invoice_posted``. The first
    payment of the invoice created posted is its first event."""
    import json

    from support.api import make_http
    from support.webhooks import Receiver

    from oro_invoices.integration.plugins import get_plugin_manager
    from oro_invoices.services.event_delivery import EventDelivery
    from oro_invoices.services.facade import InvoiceService

    class Posted:
        def __init__(self):
            self.numbers = []

        @hookimpl
        def invoice_posted(self, invoice, actor):
            self.numbers.append(invoice.invoice_number)

    heard = Posted()
    with Receiver() as receiver:
        settings.apply({"oro_invoices.webhooks.endpoints": [{"url": receiver.url, "secret": "s" * 24}]})
        service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
        service.plugins.register(heard)
        api = make_http(service, settings)
        created = api.post("/api/invoices", api_payload(status="posted")).get_json()
        put = api.request("PUT", "/api/invoices/by-external-id/ERP-7", json_body=api_payload(status="posted"))
        draft = api.create()
        later = api.post(f"/api/invoices/{draft['id']}/post").get_json()
        assert [created["status"], put.status_code, put.get_json()["status"], later["status"]] == [
            "posted", 201, "posted", "posted"]
        delivery = EventDelivery(service.context)
        assert delivery.deliver_pending().claimed == 0

        paid = api.post(f"/api/invoices/{created['id']}/payments",
                        {"method": "bank_transfer", "action": "charge", "amount": "100.00"})
        assert paid.status_code == 201, paid.get_data()
        assert delivery.deliver_pending().delivered == 1

    assert heard.numbers == [created["invoice_number"], put.get_json()["invoice_number"], later["invoice_number"]]
    [request] = receiver.requests
    data = json.loads(request.body)["data"]
    assert (data["invoice_id"], data["previous_status"]["value"], data["amount_paid"]) == (
        created["id"], "pending", "100.00")


def test_an_invoice_put_posted_by_its_external_id_whose_pdf_cannot_be_queued_is_created_with_a_warning(db, settings):
    api, jobs = _broken_jobs_api(db, settings)
    resp = api.put("/api/invoices/by-external-id/ERP-7", json_body=api_payload(status="posted"))

    assert resp.status_code == 201, resp.get_data()
    assert (resp.get_json()["status"], resp.headers["Invoice-Write-Result"]) == ("posted", "created")
    assert resp.headers["Invoice-Write-Warning"] == (
        "The invoice is posted, but its PDF could not be handed to the background jobs; the periodic PDF sweep "
        "makes it, so there is nothing to do.")
    assert jobs.tried == ["oro_invoices.render_pdf"]
    again = api.put("/api/invoices/by-external-id/ERP-7", json_body=api_payload(status="posted"))
    assert again.headers["Invoice-Write-Result"] == "unchanged" and "Invoice-Write-Warning" not in again.headers


def test_a_remittance_whose_event_delivery_cannot_be_queued_is_recorded_with_a_warning(db, settings):
    api, jobs = _broken_jobs_api(db, settings)
    created = api.post("/api/invoices", api_payload(status="posted")).get_json()
    jobs.tried.clear()
    resp = api.post("/api/receivables/payments", {"method": "bank_transfer", "received_on": created["invoice_date"],
                                                  "reference": "STMT 9", "amount": "40.00",
                                                  "invoices": [{"id": created["id"]}]})

    assert resp.status_code == 201, resp.get_data()
    assert [p["invoice"]["amount_paid"] for p in resp.get_json()["payments"]] == ["40.00"]
    assert resp.headers["Invoice-Write-Warning"] == (
        "The change is saved, but a background job that followed (oro_invoices.deliver_events) could not be "
        "handed to the job queue; the periodic sweeps do its work, so there is nothing to do.")
    assert "oro_invoices.deliver_events" in jobs.tried
