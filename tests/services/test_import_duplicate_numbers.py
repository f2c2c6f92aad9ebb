"""An invoice number given twice — twice in one file, or already another invoice's — is reported
naming the number and, in a file, both records; the API's 409 names it too."""
from __future__ import annotations

import json

from support.api import api_payload

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService

HEADER = ("external_id,invoice_number,invoice_date,due_date,currency,customer_name,status,bill_to_name,"
          "bill_to_street,bill_to_city,bill_to_country,line_description,line_quantity,line_unit_price\n")


def row(external_id: str, number: str) -> str:
    return f"{external_id},{number},2026-11-02,2026-12-02,EUR,Acme,posted,Acme,Main 1,Berlin,DE,Widget,1,5.00\n"


def test_a_number_given_twice_in_a_file_names_the_number_and_both_rows(sqlite_db, tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text(HEADER + row("A-1", "OLD-1") + row("A-2", "OLD-2") + row("A-3", "OLD-1"))
    report = tmp_path / "report.json"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--report", str(report), str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:4.invoice_number: Invoice number OLD-1 is also the number of {path}:2: each invoice of an "
        "organization has its own number.",
        "error: nothing imported (1 problem(s))"]
    assert json.loads(report.read_text())["problems"] == [{
        "record": f"{path}:4", "field": "invoice_number",
        "message": f"Invoice number OLD-1 is also the number of {path}:2: each invoice of an organization has its "
                   "own number."}]
    assert InvoiceService(sqlite_db).list_invoices(limit=10).items == []


def test_a_number_another_invoice_has_is_named_on_its_record(sqlite_db, tmp_path, capsys):
    InvoiceService(sqlite_db).create(api_payload(external_id="E-0", invoice_number="OLD-1", organization_id=1))
    path = tmp_path / "taken.csv"
    path.write_text(HEADER + row("B-1", "OLD-9") + row("B-2", "OLD-1"))
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--on-error", "skip", str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"{path}:3.invoice_number: Invoice number OLD-1 is already used by another invoice "
                                "of this organization."]
    assert out.strip().startswith("imported: 1 created, 0 updated, 0 unchanged, 1 skipped")


def test_the_api_names_the_number_it_refuses(api):
    api.create(invoice_number="LEGACY-7")
    resp = api.post("/api/invoices", api_payload(invoice_number="LEGACY-7", external_id="other"))
    assert resp.status_code == 409
    assert resp.get_json()["errors"] == [{"field": "invoice_number", "message": "Invoice number LEGACY-7 is already used by "
                                                                  "another invoice of this organization."}]
