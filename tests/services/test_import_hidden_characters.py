"""Names, addresses and line texts with control characters or bidirectional overrides (text
shown in another order than it is stored, "Trojan source") are refused by the import and the
API alike, naming the field, the record and the character; tabs and line breaks stay allowed."""
from __future__ import annotations

import json

import pytest
from support.api import api_payload

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService

WHY = "a control or text-direction character, which can hide or reorder what the PDF and the pages show."


def record(external_id: str, **overrides) -> dict:
    return {"external_id": external_id, "invoice_date": "2026-11-02", "currency": "EUR", "customer_name": "Acme",
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "5.00"}], **overrides}


def test_the_import_names_the_field_the_record_and_the_character(sqlite_db, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        record("H-1", customer_name="Acme \u202eFDP.exe"),
        record("H-2", bill_to={"name": "Beta", "street": "Main\u2067 St"},
               lines=[{"description": "Bolt\x1b[31m", "quantity": "0", "unit_price": "1"}]),
        record("H-3", customer_name="C1\x85control"),
        record("H-4", lines=[{"description": "Two lines:\n\tindented", "quantity": "1", "unit_price": "1"}]),
    ]) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", "--on-error", "skip",
                 "--report", str(report), str(path)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"{path}:1.customer_name: Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: {WHY}",
        f"{path}:2.bill_to.street: Must not contain U+2067 RIGHT-TO-LEFT ISOLATE: {WHY}",
        f"{path}:2.lines[0].description: Must not contain U+001B (a control character): {WHY}",
        f"{path}:2.lines[0].quantity: Must be greater than 0.",
        f"{path}:3.customer_name: Must not contain U+0085 (a control character): {WHY}"]
    assert out.strip().startswith("imported: 1 created, 0 updated, 0 unchanged, 3 skipped")
    problems = json.loads(report.read_text())["problems"]
    assert problems[0] == {"record": f"{path}:1", "field": "customer_name",
                           "message": f"Must not contain U+202E RIGHT-TO-LEFT OVERRIDE: {WHY}"}
    (only,) = InvoiceService(sqlite_db).list_invoices(limit=10).items
    assert InvoiceService(sqlite_db).get(only.id).lines[0].description == "Two lines:\n\tindented"


def test_a_csv_row_is_named_for_its_line(sqlite_db, tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text("external_id,invoice_date,currency,customer_name,line_description,line_quantity,line_unit_price\n"
                    "C-1,2026-11-02,EUR,Acme,Widget,1,5.00\n"
                    "C-1,2026-11-02,EUR,Acme,Gad\u202aget,1,5.00\n", encoding="utf-8")
    assert main(["import", "--db", sqlite_db.url, "--organization", "1", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:3.lines[1].description: Must not contain U+202A LEFT-TO-RIGHT EMBEDDING: {WHY}")


@pytest.mark.parametrize(("field", "value", "path", "character"), [
    ("customer_name", "Pay\u202dme", "customer_name", "U+202D LEFT-TO-RIGHT OVERRIDE"),
    ("ship_to", {"name": "Dock\u2069 4"}, "ship_to.name", "U+2069 POP DIRECTIONAL ISOLATE"),
    ("lines", [{"description": "Bell\x07", "quantity": "1", "unit_price": "1"}], "lines[0].description",
     "U+0007 (a control character)"),
])
def test_the_api_answers_422_with_the_same_message(api, field, value, path, character):
    resp = api.post("/api/invoices", api_payload(**{field: value}))
    assert resp.status_code == 422
    assert {"field": path, "message": f"Must not contain {character}: {WHY}"} in resp.get_json()["errors"]
