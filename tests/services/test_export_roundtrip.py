"""Export writes the import's layouts: export → import into an empty database gives the same invoices."""
from __future__ import annotations

import csv
import io

import pytest
from support.databases import make_database, truncate_pg
from support.payloads import invoice_payload

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.exporting import export_records, write_csv, write_jsonl
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import


def service(db) -> InvoiceService:
    return InvoiceService(db, plugins=get_plugin_manager(False))


def snapshot(svc: InvoiceService) -> list[tuple]:
    docs = [svc.get(item.id) for item in svc.list_invoices(sort="id", limit=100).items]
    return [(d.external_id or f"ORO-{d.id}", d.invoice_number, d.status.value, d.payment_status.value,
             d.invoice_date, d.due_date, d.delivery_date, d.delivery_period_start, d.delivery_period_end, d.currency, d.customer_name, d.bill_to, d.subtotal, d.tax_amount,
             d.total_amount, [(l.description, l.sku, l.quantity, l.unit_price, l.tax_rate, l.tax_category,
                              l.tax_exemption_reason) for l in d.lines],
             d.document_type.value, d.credited_invoice and d.credited_invoice.number, d.credit_reason,
             d.amount_credited, d.buyer, d.purchase_order)
            for d in docs]


def empty_target(db, request, tmp_path):
    """An empty database of ``db``'s kind to import into: a new SQLite file, or PostgreSQL emptied."""
    if request.node.callspec.params["db"] == "sqlite":
        (tmp_path / "target").mkdir()
        return make_database("sqlite", request, tmp_path / "target")
    truncate_pg(db)
    return db


def seed(svc: InvoiceService) -> None:
    first = svc.create(invoice_payload(external_id="RT-1", status="posted", invoice_number="OLD-1",
                                       invoice_date="2020-01-15", due_date="2020-02-15",
                                       payment_status="paid_in_full"))
    svc.create_credit_note(first.id, {"full": False, "lines": [{"line": 1, "quantity": "1"}],
                                      "settlement": "outside", "reason": "Returned: damaged, in transit"})
    svc.post(svc.create(invoice_payload(external_id="RT-2", currency="EUR", delivery_date="2026-10-30",
                                        delivery_period_start="2026-10-01", delivery_period_end="2026-10-31",
                                        ship_to={"name": "Dock 4", "city": "Hamburg", "country": "DE"},
                                        buyer={"vat_id": "DE129273398", "reference": "991-01234-56"},
                                        purchase_order="PO, \"4711\"")).id)
    svc.create(invoice_payload(external_id="RT-3", customer_name="Comma, \"Quote\" & Co", buyer={"vat_id": "ATU13585627"},
                               lines=[{"description": "Line one\nline two", "quantity": "0.5",
                                       "unit_price": "0.0125", "tax_rate": "0.075"},
                                      {"description": "Therapy", "quantity": "1", "unit_price": "80",
                                       "tax_rate": "0", "tax_category": "E",
                                       "tax_exemption_reason": "Exempt under § 4 Nr. 14 UStG, \"medical\""},
                                      {"description": "Consulting", "quantity": "2", "unit_price": "100",
                                       "tax_rate": "0", "tax_category": "AE"}]))
    svc.create(invoice_payload(external_id=None))                   # exported as ORO-<id>


@pytest.mark.parametrize("layout", ["csv", "jsonl"])
def test_export_then_import_into_an_empty_database_round_trips(db, request, tmp_path, layout):
    source = service(db)
    seed(source)
    before = snapshot(source)
    out = io.StringIO()
    writer = write_csv if layout == "csv" else write_jsonl
    assert writer(export_records(source, InvoiceFilter()), out) == 5
    path = tmp_path / f"export.{layout}"
    path.write_text(out.getvalue(), encoding="utf-8")
    target_db = empty_target(db, request, tmp_path)
    target = service(target_db)
    report = run_import(target, [path], organization_id=1)
    assert report.problems == [] and len(report.created) == 5
    assert snapshot(target) == before
    assert run_import(target, [path], organization_id=1).unchanged == report.created
    if target_db is not db:
        target_db.dispose()


@pytest.mark.parametrize("layout", ["csv", "jsonl"])
def test_an_invoice_without_external_id_is_exported_with_one_no_invoice_has(db, request, tmp_path, layout):
    source = service(db)
    plain = source.create(invoice_payload(external_id=None, status="posted", invoice_number="OLD-7"))
    source.create(invoice_payload(external_id=f"ORO-{plain.id}"))            # what it would be written as
    source.create(invoice_payload(external_id=f"ORO-{plain.id}-2"))          # and the first stand-in for it
    note = source.create_credit_note(plain.id, {"full": True, "settlement": "outside"}).credit_note
    out = io.StringIO()
    (write_csv if layout == "csv" else write_jsonl)(export_records(source, InvoiceFilter()), out)
    path = tmp_path / f"export.{layout}"
    path.write_text(out.getvalue(), encoding="utf-8")
    records = {r["external_id"]: r for r in export_records(source, InvoiceFilter())}
    assert sorted(records) == sorted([f"ORO-{plain.id}-3", f"ORO-{plain.id}", f"ORO-{plain.id}-2",
                                      f"ORO-{note.id}"])
    assert records[f"ORO-{note.id}"]["credited_invoice_external_id"] == f"ORO-{plain.id}-3"
    target_db = empty_target(db, request, tmp_path)
    target = service(target_db)
    report = run_import(target, [path], organization_id=1)
    assert report.problems == [] and len(report.created) == 4
    back = target.get(target.find_id(external_id=f"ORO-{plain.id}-3"))
    assert back.invoice_number == "OLD-7" and back.amount_credited == plain.total_amount
    if target_db is not db:
        target_db.dispose()


def test_export_filters(db):
    svc = service(db)
    seed(svc)
    posted = [r["external_id"] for r in export_records(svc, InvoiceFilter(status="posted"))]
    assert posted == ["RT-1", "ORO-2", "RT-2"]              # ORO-2: the credit note of RT-1
    notes = list(export_records(svc, InvoiceFilter(document_type="credit_note")))
    assert [(r["external_id"], r["credited_invoice_external_id"], r["credit_reason"]) for r in notes] == [
        ("ORO-2", "RT-1", "Returned: damaged, in transit")]
    import datetime as dt
    old = [r["external_id"] for r in export_records(svc, InvoiceFilter(date_to=dt.date(2021, 1, 1)))]
    assert old == ["RT-1"]


def test_the_csv_carries_each_lines_vat_category_and_reason(db):
    svc = service(db)
    seed(svc)
    out = io.StringIO()
    write_csv(export_records(svc, InvoiceFilter()), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["line_description"], r["line_tax_category"], r["line_tax_exemption_reason"])
            for r in rows if r["external_id"] == "RT-3"] == [
        ("Line one\nline two", "", ""), ("Therapy", "E", 'Exempt under § 4 Nr. 14 UStG, "medical"'),
        ("Consulting", "AE", "")]  # a default category (S, Z) and a default reason are left empty
    assert {(r["document_type"], r["credit_reason"]) for r in rows} == {
        ("", ""), ("credit_note", "Returned: damaged, in transit")}


def test_a_changed_vat_category_is_an_update_the_same_one_spelled_out_is_not(db, tmp_path):
    svc = service(db)
    path = tmp_path / "drafts.csv"
    head = ("external_id,invoice_date,currency,organization_id,customer_name,line_description,line_quantity,"
            "line_unit_price,line_tax_rate,line_tax_category,line_tax_exemption_reason\n")
    path.write_text(head + "C-1,2026-11-02,EUR,1,Acme,Widget,1,10,0.19,,\n"
                           "C-2,2026-11-02,EUR,1,Acme,Crate,1,50,0,G,\n", encoding="utf-8")
    assert run_import(svc, [path], organization_id=1).created == ["C-1", "C-2"]
    # S is what a 19 % line without a category has: spelling it out changes nothing
    path.write_text(head + "C-1,2026-11-02,EUR,1,Acme,Widget,1,10,0.19,S,\n"
                           "C-2,2026-11-02,EUR,1,Acme,Crate,1,50,0,K,\n", encoding="utf-8")
    report = run_import(svc, [path], organization_id=1)
    assert (report.updated, report.unchanged) == (["C-2"], ["C-1"])
    (line,) = svc.get(svc.find_id(external_id="C-2", organization_id=1)).lines
    assert (line.tax_category.value, line.tax_exemption_reason) == ("K", "")
    path.write_text(head + "C-1,2026-11-02,EUR,1,Acme,Widget,1,10,0.19,,\n"
                           "C-2,2026-11-02,EUR,1,Acme,Crate,1,50,0,K,Intra-community supply (Art. 138)\n",
                    encoding="utf-8")
    report = run_import(svc, [path], organization_id=1)
    assert (report.updated, report.unchanged) == (["C-2"], ["C-1"])  # a new reason is a change too
    assert run_import(svc, [path], organization_id=1).unchanged == ["C-1", "C-2"]


FORMULAS = {"customer_name": '=HYPERLINK("https://pay.example","Pay")', "description": "@SUM(A1:A9)",
            "street": "+1 Main St", "city": "-Springfield"}


def test_text_a_spreadsheet_would_run_is_exported_as_text_and_imported_back_as_it_was(db, request, tmp_path):
    source = service(db)
    source.create(invoice_payload(
        external_id="=X-1", customer_name=FORMULAS["customer_name"],
        bill_to={"name": "'=kept", "street": FORMULAS["street"], "city": FORMULAS["city"], "country": "US"},
        lines=[{"description": FORMULAS["description"], "quantity": "1", "unit_price": "10"}]))
    before = snapshot(source)
    out = io.StringIO()
    write_csv(export_records(source, InvoiceFilter()), out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert (row["external_id"], row["customer_name"], row["line_description"], row["bill_to_name"],
            row["bill_to_street"], row["bill_to_city"], row["line_unit_price"]) == (
        "'=X-1", "'" + FORMULAS["customer_name"], "'@SUM(A1:A9)", "''=kept", "'+1 Main St", "'-Springfield", "10")
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    target_db = empty_target(db, request, tmp_path)
    report = run_import(service(target_db), [path], organization_id=1)
    assert report.problems == [] and report.created == ["=X-1"]
    assert snapshot(service(target_db)) == before
    if target_db is not db:
        target_db.dispose()


EDGES = {"customer_name": "\tTabbed Ltd", "description": "\r=1+1", "street": " 12 Indented Rd",
         "city": "Padded ", "name": "-Dash", "organization": "@Home", "phone": "+49 30 1234"}


def test_leading_tabs_spaces_and_formula_starts_come_back_exactly_from_an_exported_csv(db, request, tmp_path, capsys):
    """The CLI's export, then its import into an empty database: every text as it was, also
    one beginning with a tab, a carriage return or a space, or ending with one."""
    source = service(db)
    source.create(invoice_payload(
        external_id="E-1", customer_name=EDGES["customer_name"],
        bill_to={"name": EDGES["name"], "organization": EDGES["organization"], "street": EDGES["street"],
                 "city": EDGES["city"], "phone": EDGES["phone"], "country": "US"},
        lines=[{"description": EDGES["description"], "quantity": "1", "unit_price": "10"}]))
    before = snapshot(source)
    path = tmp_path / "export.csv"
    from oro_invoices.cli import main
    assert main(["export", "--db", db.url, "--organization", "1", "--output", str(path)]) == 0
    with path.open(encoding="utf-8", newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert (row["customer_name"], row["line_description"], row["bill_to_street"], row["bill_to_city"]) == (
        "'\tTabbed Ltd", "'\r=1+1", "' 12 Indented Rd", "'Padded ")           # no spreadsheet runs them
    target_db = empty_target(db, request, tmp_path)
    capsys.readouterr()
    assert main(["import", "--db", target_db.url, "--organization", "1", str(path)]) == 0
    assert capsys.readouterr().out.strip().startswith("imported: 1 created")
    after = snapshot(service(target_db))
    assert after == before
    assert (after[0][10], after[0][11].street, after[0][11].city, after[0][15][0][0]) == (
        "\tTabbed Ltd", " 12 Indented Rd", "Padded ", "\r=1+1")
    if target_db is not db:
        target_db.dispose()


def test_the_csv_and_the_json_carry_the_po_number(db):
    svc = service(db)
    svc.create(invoice_payload(external_id="PO-1", purchase_order="4500012877"))
    svc.create(invoice_payload(external_id="PO-2"))
    out = io.StringIO()
    write_csv(export_records(svc, InvoiceFilter()), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {row["external_id"]: row["purchase_order"] for row in rows} == {"PO-1": "4500012877", "PO-2": ""}
    records = {r["external_id"]: r for r in export_records(svc, InvoiceFilter())}
    assert records["PO-1"]["purchase_order"] == "4500012877" and "purchase_order" not in records["PO-2"]
