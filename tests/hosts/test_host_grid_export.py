"""The back-office grid's Export CSV and its "PDF pending" marker (a PDF no download makes yet:
a background job makes it), in the reference shop."""
from __future__ import annotations

import csv
import html as html_lib
import io
import re

import pytest
from support.held_jobs import HeldJobs
from support.statements import statements_sent
from support.variant import inline_jobs_only

from oro_invoices.hosts.reference.testing import ShopClient, text_of
from oro_invoices.services.exporting import CSV_COLUMNS
from oro_invoices.services.import_payloads import document_payload
from oro_invoices.services.jobs import RENDER_PDF, Job
from oro_invoices.services.totals_export import TOTALS_COLUMNS
from oro_invoices.web.backoffice import GRID_SORTS


def export_link(page: str) -> str:
    return html_lib.unescape(re.search(r'id="oi-export-csv" href="([^"]+)"', page).group(1))


def exported(client: ShopClient, url: str) -> tuple[object, list[dict[str, str]]]:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.is_streamed and "Content-Length" not in resp.headers            # sent as it is read
    return resp, list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def add_drafts(client: ShopClient, organization_id: int, count: int) -> None:
    """``count`` more drafts like one the organization has, so the grid needs several pages."""
    service = client.service
    model = next(i for i in service.list_invoices({"organization_id": organization_id}, limit=100).items)
    payload = document_payload(service.get(model.id))
    payload.pop("status", None)
    payload.pop("invoice_number", None)
    for n in range(count):
        service.create({**payload, "external_id": f"EXTRA-{organization_id}-{n}"}, actor="test")


def test_export_csv_downloads_every_invoice_of_the_filter_not_only_the_page(admin):
    add_drafts(admin, 1, 30)
    grid = admin.get("/admin/invoices?status=draft").get_data(as_text=True)
    assert len(re.findall(r'<tr data-invoice-id="', grid)) == 25                # one page of the grid
    link = export_link(grid)
    assert link.startswith("/admin/invoices/export.csv?") and "status=draft" in link

    resp, rows = exported(admin, link)
    assert resp.content_type == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="invoices-\d{4}-\d{2}-\d{2}\.csv"',
                        resp.headers["Content-Disposition"])
    assert resp.get_data(as_text=True).splitlines()[0] == ",".join(CSV_COLUMNS)  # the export command's layout
    drafts = admin.service.list_invoices({"organization_id": 1, "status": "draft"}, limit=500).items
    expected = {d.external_id or f"ORO-{d.id}" for d in drafts}
    assert len(expected) > 25 and {r["external_id"] for r in rows} == expected
    assert {r["status"] for r in rows} == {""} and {r["organization_id"] for r in rows} == {"1"}
    lines = sum(len(admin.service.get(d.id).lines) for d in drafts)
    assert len(rows) == lines                                                    # one row per line item


def test_export_totals_gives_one_row_per_invoice_with_its_totals(shop, admin):
    add_drafts(admin, 1, 30)
    grid = admin.get("/admin/invoices?status=draft").get_data(as_text=True)
    link = html_lib.unescape(re.search(r'id="oi-export-totals" href="([^"]+)"', grid).group(1))
    assert link.startswith("/admin/invoices/export-totals.csv?") and "status=draft" in link
    resp, rows = exported(admin, link)
    assert re.fullmatch(r'attachment; filename="invoice-totals-\d{4}-\d{2}-\d{2}\.csv"',
                        resp.headers["Content-Disposition"])
    assert resp.get_data(as_text=True).splitlines()[0] == ",".join(TOTALS_COLUMNS)
    drafts = admin.service.list_invoices({"organization_id": 1, "status": "draft"}, limit=500).items
    assert len(rows) == len(drafts) > 25                                         # every page, one row each
    _, rows = exported(admin, "/admin/invoices/export-totals.csv")
    everything = admin.service.list_invoices({"organization_id": 1}, limit=500).items
    by_id = {i.external_id: i for i in everything}
    assert {r["external_id"] for r in rows} == set(by_id)
    for row in rows:
        inv = by_id[row["external_id"]]
        assert (row["invoice_number"], row["currency"], row["total_amount"], row["amount_paid"], row["amount_due"],
                row["payment_status"], row["status"]) == (
            inv.invoice_number or "", inv.currency, f"{inv.total_amount:.2f}", f"{inv.amount_paid:.2f}",
            f"{inv.amount_due:.2f}", inv.payment_status.value if inv.status.value == "posted" else "", inv.status.value)
    paid = [r for r in rows if r["payment_status"] == "paid_in_full"]
    assert paid and all(r["amount_due"] == "0.00" and r["amount_paid"] == r["total_amount"] for r in paid)
    sakura = ShopClient(shop[0])                                              # another organization's admin
    sakura.login_admin("admin.jp", "admin1234")
    _, theirs = exported(sakura, "/admin/invoices/export-totals.csv")
    assert theirs and {r["currency"] for r in theirs} == {"JPY"}


def test_export_follows_every_grid_filter(admin):
    items = admin.service.list_invoices({"organization_id": 1}, limit=200).items
    paid = [i for i in items if i.payment_status.value == "paid_in_full"]
    _, rows = exported(admin, "/admin/invoices/export.csv?payment_status=paid_in_full")
    assert {r["external_id"] for r in rows} == {i.external_id or f"ORO-{i.id}" for i in paid}
    _, none = exported(admin, "/admin/invoices/export.csv?number=no-such-number")
    assert none == []


def test_an_admin_exports_only_the_invoices_of_their_organization(shop, admin):
    _, northwind = exported(admin, "/admin/invoices/export.csv")
    ours = admin.service.list_invoices({"organization_id": 1}, limit=500).items
    assert {r["organization_id"] for r in northwind} == {"1"}
    assert {r["external_id"] for r in northwind} == {i.external_id or f"ORO-{i.id}" for i in ours}
    assert "JPY" not in {r["currency"] for r in northwind}
    sakura = ShopClient(shop[0])
    sakura.login_admin("admin.jp", "admin1234")
    _, theirs = exported(sakura, "/admin/invoices/export.csv?organization_id=1")   # not a filter it honours
    assert theirs and {r["organization_id"] for r in theirs} == {"2"}


def test_export_needs_the_view_permission_and_a_login(shop):
    host = shop[0].extensions["oro_reference_host"]
    host.records.add_admin("clerk", "clerk1234", name="Clara Clerk", organization_id=1, permissions=[])
    clerk = ShopClient(shop[0])
    clerk.login_admin("clerk", "clerk1234")
    refused = clerk.get("/admin/invoices/export.csv")
    assert refused.status_code == 403 and "external_id" not in refused.get_data(as_text=True)
    anonymous = ShopClient(shop[0]).get("/admin/invoices/export.csv")
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_a_bad_filter_is_refused_with_what_is_wrong(admin):
    resp = admin.get("/admin/invoices/export.csv?date_from=2026-02-31")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "is not a date" in text_of(body) and "Traceback" not in body


def grid_row(client: ShopClient, doc) -> str:
    """The grid's row of ``doc`` (found by its number)."""
    grid = client.get(f"/admin/invoices?number={doc.invoice_number}").get_data(as_text=True)
    return re.search(rf'<tr data-invoice-id="{doc.id}">.*?</tr>', grid, re.S).group(0)


@inline_jobs_only  # with background jobs, a job makes the PDF of an invoice posted without it
def test_a_posted_invoice_whose_download_makes_its_pdf_is_not_marked_pending_as_its_page_offers_download(admin):
    service = admin.service
    draft = next(i for i in service.list_invoices({"organization_id": 1, "status": "draft"}, limit=100).items)
    posted = service.post(draft.id, actor="test", defer_pdf=True)          # as an import's --no-pdf
    assert posted.pdf is None and service.storage is not None and service.pdf_made_on_download(posted)
    view_url, download = f"/admin/invoices/{posted.id}", f"/admin/invoices/{posted.id}/download"

    renderer, service.context.renderer = service.context.renderer, None     # here no download makes it
    try:
        assert "PDF pending" in text_of(grid_row(admin, posted))
        assert "PDF being prepared" in text_of(admin.get(view_url).get_data(as_text=True))
    finally:
        service.context.renderer = renderer

    row = grid_row(admin, posted)                                           # its Download makes it
    assert "PDF pending" not in text_of(row) and "data-oi-pdf-pending" not in row
    assert "data-oi-pdf-pending" not in admin.get("/admin/invoices?status=posted").get_data(as_text=True)
    view = admin.get(view_url).get_data(as_text=True)
    assert "PDF being prepared" not in text_of(view) and f'href="{download}"' in view

    assert admin.get(download).status_code == 200
    assert "PDF pending" not in text_of(grid_row(admin, posted)) and service.get(posted.id).pdf is not None
    view = admin.get(view_url).get_data(as_text=True)
    assert f'href="{download}"' in view and "PDF being prepared" not in text_of(view)


def test_with_background_jobs_an_invoice_whose_pdf_a_job_makes_is_marked_pending_within_the_budget(admin):
    service = admin.service
    held = service.context.jobs = HeldJobs()
    draft = next(i for i in service.list_invoices({"organization_id": 1, "status": "draft"}, limit=100).items)
    posted = service.post(draft.id, actor="test")
    assert posted.pdf is None and held.submitted == [Job(RENDER_PDF, (posted.id,))]

    row = grid_row(admin, posted)
    assert "PDF pending" in text_of(row) and 'title="Its PDF is being prepared"' in row
    others = admin.get("/admin/invoices?status=posted").get_data(as_text=True)
    assert others.count("data-oi-pdf-pending") == 1                 # only that one is pending
    with statements_sent(admin.app) as seen:
        assert "PDF pending" in text_of(admin.get("/admin/invoices?status=posted").get_data(as_text=True))
    assert len(seen) <= 8
    view = admin.get(f"/admin/invoices/{posted.id}").get_data(as_text=True)
    assert "PDF being prepared" in text_of(view) and f"/admin/invoices/{posted.id}/download" not in view

    service.ensure_pdf(posted.id)                                   # the worker ran the job
    assert "PDF pending" not in text_of(grid_row(admin, posted))


def grid_order(client: ShopClient, query: str, headers: dict[str, str] | None = None) -> tuple[list[int], str]:
    """The ids of the grid's rows for ``query`` (all on one page) and its Export Totals link."""
    grid = client.get("/admin/invoices" + query, headers=headers or {}).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)"', grid)]
    assert ids and "Next" not in text_of(grid)
    return ids, html_lib.unescape(re.search(r'id="oi-export-totals" href="([^"]+)"', grid).group(1))


@pytest.mark.parametrize("sort", [key if n % 2 else "-" + key for n, key in enumerate(GRID_SORTS)])
def test_export_totals_lists_the_invoices_in_the_grids_order(admin, sort):
    query = f"?per_page=100&sort={sort}" + ("&currency=USD" if "total_amount" in sort else "")
    ids, link = grid_order(admin, query)
    assert f"sort={sort}" in link
    _, rows = exported(admin, link)
    external = {i.id: i.external_id for i in admin.service.list_invoices({"organization_id": 1}, limit=500).items}
    assert [r["external_id"] for r in rows] == [external[i] for i in ids]


def test_export_totals_by_payment_status_follows_the_labels_order_of_the_admins_language(admin):
    german = {"Accept-Language": "de"}
    ids, link = grid_order(admin, "?per_page=100&sort=payment_status", german)
    english, _ = grid_order(admin, "?per_page=100&sort=payment_status")
    external = {i.id: i.external_id for i in admin.service.list_invoices({"organization_id": 1}, limit=500).items}
    resp = admin.get(link, headers=german)
    german_rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["external_id"] for r in german_rows] == [external[i] for i in ids]
    assert ids != english                          # "Bezahlt" and "Paid in full" do not sort alike


def test_an_export_refuses_a_sort_the_grid_does_not_offer(admin):
    for url in ("/admin/invoices/export-totals.csv?sort=secret", "/admin/invoices/export-pdfs.zip?sort=secret"):
        resp = admin.get(url)
        assert resp.status_code == 422 and "Cannot sort by" in text_of(resp.get_data(as_text=True))
    by_total = admin.get("/admin/invoices/export-totals.csv?sort=-total_amount")
    assert by_total.status_code == 422 and "Choose one currency to sort by total" in text_of(
        by_total.get_data(as_text=True))
