"""Delete on a draft another request deletes at the same moment (a double click, two admins):
the later request goes to the grid saying the draft was deleted already, not to a page that is
no longer found."""
from __future__ import annotations

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of


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


def test_delete_sent_again_after_the_first_finished_lands_on_the_grid_saying_deleted_already(admin):
    """A double click whose first request finished first: the browser follows the second, whose
    draft is gone; it shows the grid with "was deleted already" alone, not a page not found under
    the first click's "was deleted" (never shown: its page was left)."""
    inv = admin.service.find_id(external_id="ERP-SO-1006-6")
    token = form_token(admin.get(f"/admin/invoices/{inv}?dialog=delete").get_data(as_text=True))
    first = admin.client.post(f"/admin/invoices/{inv}/delete", data={"csrf_token": token})
    assert first.status_code == 303 and first.headers["Location"] == "/admin/invoices"   # not followed
    second = admin.client.post(f"/admin/invoices/{inv}/delete", data={"csrf_token": token})
    assert second.status_code == 303 and second.headers["Location"] == "/admin/invoices"
    grid = text_of(admin.get("/admin/invoices").get_data(as_text=True))
    assert f"Invoice Draft #{inv} was deleted already." in grid
    assert f"Invoice Draft #{inv} was deleted." not in grid and "not found" not in grid.lower()
    assert admin.get(f"/admin/invoices/{inv}").status_code == 404     # its page is gone


def test_delete_of_an_invoice_never_deleted_or_of_another_organization_is_not_found(shop, admin):
    """Only a draft of the admin's own organization that was deleted is said deleted already."""
    inv = admin.service.find_id(external_id="ERP-SO-1006-6")
    token = form_token(admin.get(f"/admin/invoices/{inv}?dialog=delete").get_data(as_text=True))
    assert admin.client.post("/admin/invoices/999999/delete", data={"csrf_token": token}).status_code == 404
    assert admin.client.post(f"/admin/invoices/{inv}/delete", data={"csrf_token": token}).status_code == 303
    sakura = ShopClient(shop[0])                                        # another organization's admin
    sakura.login_admin("admin.jp", "admin1234")
    other = form_token(sakura.get("/admin/invoices").get_data(as_text=True))
    assert sakura.client.post(f"/admin/invoices/{inv}/delete", data={"csrf_token": other}).status_code == 404
