"""The API never reports a failure for a posting that happened, nor success for one that did not."""
from __future__ import annotations

from support.api import assert_error_shape

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
