"""An admin who may only view invoices (``oro_invoices.view`` alone) reads everything, is offered
no action that changes anything, and gets the 403 page for any action's form posted all the same."""
from __future__ import annotations

import re

import pytest

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.web.pages import DEFAULT_PREFIXES, ROUTES

#: What a view-only admin may post: the grid's choice of columns is theirs alone.
READER_POSTS = {"oro_invoices.admin.grid_columns"}
#: The pages that are the first step of an action (its form or its confirmation).
ACTION_FORMS = ("delete_confirm", "credit_note_form", "void_confirm", "reissue_confirm", "import_form",
                "selection_send_confirm", "selection_delete_confirm", "selection_payment_form",
                "bank_statement_form")


@pytest.fixture
def viewer(shop) -> ShopClient:
    """Val Viewer, an admin of Northwind who may only view invoices (their user id as ``user_id``)."""
    user_id = shop[0].extensions["oro_reference_host"].records.add_admin(
        "viewer", "viewer1234", name="Val Viewer", organization_id=1, permissions={"oro_invoices.view"})
    client = ShopClient(shop[0])
    client.login_admin("viewer", "viewer1234")
    client.user_id = user_id  # type: ignore[attr-defined]
    return client


def _url(rule: str, invoice: int) -> str:
    return DEFAULT_PREFIXES["backoffice"] + re.sub(r"<int:invoice_id>", str(invoice),
                                                    re.sub(r"<int:(?!invoice_id)\w+>", "1", rule))


def _notes(html: str) -> str:
    return html.split('id="notes"')[1].split('id="emails"')[0]


def test_a_viewer_reads_the_notes_but_is_offered_no_way_to_write_one(viewer, admin):
    inv = viewer.service.find_id(external_id="ERP-SO-1003-3")
    viewer.service.add_note(inv, "Customer called", actor="Alex Admin")
    html = viewer.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    notes = _notes(html)
    assert "Customer called" in text_of(notes)
    assert "Add note" not in text_of(html) and "/notes" not in notes and "<textarea" not in notes
    mine = admin.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    assert "Add note" in text_of(mine) and f'action="/admin/invoices/{inv}/notes"' in mine


def test_a_viewer_posting_a_note_all_the_same_reads_access_denied_in_the_pages_language(viewer):
    inv = viewer.service.find_id(external_id="ERP-SO-1003-3")
    before = [n.body for n in viewer.service.notes(inv)]
    page = f"/admin/invoices/{inv}"
    resp = viewer.submit(page, f"{page}/notes", {"body": "Sneaky note", "form_token": "k1"})
    text = text_of(resp.get_data(as_text=True))
    assert resp.status_code == 403 and "Access denied" in text
    assert "You do not have permission to do this." in text
    german = viewer.submit(page, f"{page}/notes", {"body": "Sneaky note", "form_token": "k2"},
                           headers={"Accept-Language": "de"})
    assert german.status_code == 403 and "Zugriff verweigert" in text_of(german.get_data(as_text=True))
    assert [n.body for n in viewer.service.notes(inv)] == before


def test_a_viewer_cannot_edit_or_delete_a_note_even_their_own(viewer):
    inv = viewer.service.find_id(external_id="ERP-SO-1003-3")
    note = viewer.service.add_note(inv, "Written while allowed", actor="Val Viewer", author_id=viewer.user_id)
    page = f"/admin/invoices/{inv}"
    html = viewer.get(f"{page}?edit_note={note.id}").get_data(as_text=True)
    assert "<textarea" not in _notes(html) and "/delete" not in _notes(html)
    edit = viewer.submit(page, f"{page}/notes/{note.id}", {"body": "Changed", "form_token": "k3"})
    delete = viewer.submit(page, f"{page}/notes/{note.id}/delete", {})
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert [n.body for n in viewer.service.notes(inv) if n.id == note.id] == ["Written while allowed"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r.area == "backoffice" and "POST" in r.methods
                                   and r.endpoint not in READER_POSTS], ids=lambda r: r.name)
def test_every_back_office_action_posted_by_a_viewer_answers_403(viewer, route):
    inv = viewer.service.find_id(external_id="ERP-SO-1003-3")
    token = form_token(viewer.get(f"/admin/invoices/{inv}").get_data(as_text=True))
    resp = viewer.client.post(_url(route.rule, inv), data={"csrf_token": token, "body": "x", "confirm": "1",
                                                           "invoice": str(inv), "amount": "1.00"})
    assert resp.status_code == 403, resp.get_data(as_text=True)[:300]
    assert "Access denied" in text_of(resp.get_data(as_text=True))


@pytest.mark.parametrize("name", ACTION_FORMS)
def test_the_first_step_of_an_action_answers_403_to_a_viewer(viewer, name):
    inv = viewer.service.find_id(external_id="ERP-SO-1003-3")
    route = next(r for r in ROUTES if r.endpoint == f"oro_invoices.admin.{name}")
    resp = viewer.get(_url(route.rule, inv) + f"?invoice={inv}")
    assert resp.status_code == 403 and "Access denied" in text_of(resp.get_data(as_text=True))


def test_a_viewer_is_offered_no_action_on_the_grid_or_the_view_page(viewer):
    grid = viewer.get("/admin/invoices").get_data(as_text=True)
    for button in ("oi-selection-send", "oi-selection-payment", "oi-selection-delete"):
        assert f'id="{button}"' not in grid
    assert "/admin/invoices/import" not in grid and "/admin/invoices/bank-statement" not in grid
    for external_id in ("ERP-SO-1003-3", "ERP-SO-1006-6", "ERP-SO-1002-2"):
        inv = viewer.service.find_id(external_id=external_id)
        html = viewer.get(f"/admin/invoices/{inv}").get_data(as_text=True)
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
        assert [f for f in forms if f.startswith("/admin/invoices")] == [], (external_id, forms)
        shown = text_of(html.split("</h1>")[1].split('id="notes"')[0])
        for action in ("Send to Customer", "Send Email", "Record Payment", "Create Credit Note", "Void", "Re-issue",
                       "Apply Credit", "Add note"):
            assert action not in shown, (external_id, action)


def test_no_report_or_tab_offers_a_viewer_a_form_that_changes_anything(viewer):
    customer = viewer.service.get(viewer.service.find_id(external_id="ERP-SO-1003-3")).customer_id
    for page in ("/admin/invoices", "/admin/invoices/aging", "/admin/invoices/aging?dialog=email",
                 f"/admin/invoices/statement?customer={customer}", f"/admin/invoices/statement?customer={customer}&dialog=email",
                 f"/admin/invoices/statement/activity?customer={customer}", f"/admin/invoices/customer-credit?customer={customer}",
                 "/admin/invoices/orders/1"):
        resp = viewer.get(page)
        assert resp.status_code == 200, page
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', resp.get_data(as_text=True))
        assert [f for f in forms if f.startswith("/admin/invoices") and not f.endswith("/columns")] == [], (page, forms)
