"""A draft is not payable yet: the back-office shows no payment status for it ("—") where it
shows a posted invoice's (the grid, the order's Invoices tab, the view page), the grid's Payment
Status filter lists posted invoices only, and the API gives it no payment status label."""
from __future__ import annotations

import re

from support.api import shop_api_call
from support.list_pages import inline_error

from oro_invoices.hosts.reference.testing import text_of


def drafts_and_posted(admin):
    """A draft of an order and a posted invoice without payments, both of Northwind."""
    items = admin.service.list_invoices({"organization_id": 1}, limit=100).items
    draft = next(i for i in items if i.status.value == "draft" and i.order_id is not None)
    posted = next(i for i in items if i.status.value == "posted" and i.payment_status.value == "pending"
                  and i.document_type.value == "invoice")
    return draft, posted


def row_text(html: str, invoice_id: int) -> str:
    return text_of(re.search(rf'<tr data-invoice-id="{invoice_id}">.*?</tr>', html, re.S).group(0))


def test_the_grid_shows_no_payment_status_for_a_draft(admin):
    draft, posted = drafts_and_posted(admin)
    html = admin.get("/admin/invoices?per_page=100").get_data(as_text=True)
    assert "Pending payment" not in row_text(html, draft.id) and "—" in row_text(html, draft.id)
    assert "Pending payment" in row_text(html, posted.id)


def test_the_view_page_of_a_draft_shows_no_payment_status(admin):
    draft, posted = drafts_and_posted(admin)
    page = text_of(admin.get(f"/admin/invoices/{draft.id}").get_data(as_text=True))
    assert "Pending payment" not in page
    assert re.search(r"Payment Status\s*—", page)
    head = admin.get(f"/admin/invoices/{draft.id}").get_data(as_text=True).split('class="oi-actions"')[0]
    assert "Draft" in text_of(head.split('class="oi-head__title"')[1])
    shown = text_of(admin.get(f"/admin/invoices/{posted.id}").get_data(as_text=True))
    assert "Pending payment" in shown


def test_the_orders_invoices_tab_shows_no_payment_status_for_a_draft(admin):
    draft, _posted = drafts_and_posted(admin)
    tab = admin.get(f"/admin/orders/{draft.order_id}?tab=oro_invoices.order_invoices").get_data(as_text=True)
    cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", re.search(
        rf'<tr data-invoice-id="{draft.id}">.*?</tr>', tab, re.S).group(0), re.S)]
    assert cells[4] == "Draft" and cells[7] == "—"                  # Status; Payment Status
    assert "Pending payment" not in row_text(tab, draft.id)


def test_the_grids_payment_status_filter_lists_posted_invoices_only(admin):
    draft, posted = drafts_and_posted(admin)
    html = admin.get("/admin/invoices?payment_status=pending&per_page=100").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)"', html)}
    assert posted.id in listed and draft.id not in listed
    resp = admin.get("/admin/invoices?payment_status=pending&status=draft")
    assert resp.status_code == 422
    assert ("A draft has no payment status until it is posted: choose Any here, or Posted as the Status."
            in inline_error(resp, "payment_status"))


def test_the_api_gives_a_draft_no_payment_status_label(shop, admin):
    draft, posted = drafts_and_posted(admin)
    body = shop_api_call(shop, "GET", f"/invoices/{draft.id}").get_json()
    assert (body["status"], body["payment_status"], body["payment_status_label"]) == ("draft", "pending", None)
    body = shop_api_call(shop, "GET", f"/invoices/{posted.id}").get_json()
    assert body["payment_status_label"] == "Pending payment"


def grid_walk(admin, query):
    """Every row of the grid (id, whether it shows a payment status), page after page (Next), and
    the most statements a page read."""
    from html import unescape

    from support.statements import statements_sent
    seen, most, url = [], 0, f"/admin/invoices?{query}"
    while url:
        admin.get(url)                                         # as a page read before
        with statements_sent(admin.app) as sent:
            html = admin.get(url).get_data(as_text=True)
        most = max(most, len(sent))
        for invoice_id, cells in re.findall(r'<tr data-invoice-id="(\d+)">(.*?)</tr>', html, re.S):
            seen.append((int(invoice_id), "oi-badge--" in cells))
        following = re.search(r'rel="next" href="\?([^"]+)"', html)
        url = f"/admin/invoices?{unescape(following.group(1))}" if following else None
    return seen, most


def test_the_grid_sorted_by_payment_status_lists_drafts_as_a_group_of_their_own(admin):
    """Drafts show "—", not "Pending payment", so they come after every status (before them,
    descending), not among the pending invoices, whose status their payment state holds."""
    draft, posted = drafts_and_posted(admin)
    drafts = {i.id for i in admin.service.list_invoices({"organization_id": 1, "status": "draft"}, limit=100).items}
    assert len(drafts) >= 2
    for sort in ("payment_status", "-payment_status"):
        seen, most = grid_walk(admin, f"sort={sort}&per_page=10")
        ids = [invoice_id for invoice_id, _badge in seen]
        assert len(ids) == len(set(ids)) == admin.service.count_invoices({"organization_id": 1})
        group = ids[-len(drafts):] if sort == "payment_status" else ids[:len(drafts)]
        assert group == sorted(drafts, reverse=sort.startswith("-")), (sort, ids)
        assert most <= 8, f"{sort}: {most} statements on a page"
        assert backwards(admin, f"sort={sort}&per_page=10") == ids       # Last, then Previous: the same rows


def backwards(admin, query):
    """Every row id of the grid read from its Last page back (Previous), in the grid's order."""
    from html import unescape
    html = admin.get(f"/admin/invoices?{query}").get_data(as_text=True)
    url = "/admin/invoices?" + unescape(re.search(r'rel="last" href="\?([^"]+)"', html).group(1))
    pages = []
    while url:
        html = admin.get(url).get_data(as_text=True)
        pages.insert(0, [int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)">', html)])
        before = re.search(r'rel="prev" href="\?([^"]+)"', html)
        url = f"/admin/invoices?{unescape(before.group(1))}" if before else None
    return [invoice_id for page in pages for invoice_id in page]


def test_the_apis_payment_status_filter_finds_no_draft(shop, admin):
    """A draft keeps ``payment_status: pending`` in the API (compatibility, documented), but has no
    payment status: ``payment_status=pending`` lists the posted ones only, and asks no draft."""
    draft, posted = drafts_and_posted(admin)
    listed = shop_api_call(shop, "GET", "/invoices?payment_status=pending&limit=500").get_json()
    ids = {row["id"] for row in listed["data"]}
    assert posted.id in ids and draft.id not in ids
    assert {row["status"] for row in listed["data"]} == {"posted"}
    everything = shop_api_call(shop, "GET", "/invoices?limit=500").get_json()["data"]
    assert draft.id in {row["id"] for row in everything}
    assert next(r for r in everything if r["id"] == draft.id)["payment_status"] == "pending"
    resp = shop_api_call(shop, "GET", "/invoices?payment_status=pending&status=draft")
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "payment_status", "message": (
        "A draft has no payment status until it is posted: leave out the status, or give posted.")}]


def test_the_exports_give_a_draft_no_payment_status(admin):
    import csv
    import io
    draft, posted = drafts_and_posted(admin)

    def rows(url):
        resp = admin.get(url)
        assert resp.status_code == 200
        return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))

    totals = {r["external_id"]: r for r in rows("/admin/invoices/export-totals.csv")}
    draft_doc, posted_doc = admin.service.get(draft.id), admin.service.get(posted.id)
    assert totals[draft_doc.external_id]["payment_status"] == ""
    assert totals[posted_doc.external_id]["payment_status"] == "pending"
    pending = rows("/admin/invoices/export-totals.csv?payment_status=pending")
    assert pending and {r["status"] for r in pending} == {"posted"}
    pending = rows("/admin/invoices/export.csv?payment_status=pending")
    assert pending and {r["status"] for r in pending} == {"posted"}
    assert not [r for r in rows("/admin/invoices/export.csv") if r["status"] == "" and r["payment_status"]]
