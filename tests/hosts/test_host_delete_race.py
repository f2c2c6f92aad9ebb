"""Delete on a draft another request deletes at the same moment (a double click, two admins):
the later request goes to the grid saying the draft was deleted already, not to a page that is
no longer found."""
from __future__ import annotations

from oro_invoices.hosts.reference.testing import text_of


def test_a_draft_deleted_meanwhile_by_another_request_is_said_deleted_already(admin, monkeypatch):
    inv = admin.service.find_id(external_id="ERP-SO-1006-6")
    service = admin.service
    delete = service.delete

    def deleted_first(invoice_id, *, actor="system"):
        delete(invoice_id, actor="another admin")           # the other request wins
        delete(invoice_id, actor=actor)
    monkeypatch.setattr(service, "delete", deleted_first)
    resp = admin.submit(f"/admin/invoices/{inv}/delete", f"/admin/invoices/{inv}/delete", {})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/invoices"
    grid = text_of(admin.get("/admin/invoices").get_data(as_text=True))
    assert f"Invoice Draft #{inv} was deleted already." in grid and "was deleted." not in grid
    assert admin.get(f"/admin/invoices/{inv}").status_code == 404
