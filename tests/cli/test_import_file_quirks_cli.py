"""``oro-invoices import`` of files with quirks a user meets: files of no invoices (said, in a
dry run and in the report too), JSON Lines files joined with their byte order marks, keys
given twice, and numbers no field takes."""
from __future__ import annotations

import json

import pytest

from oro_invoices.cli import main
from oro_invoices.services.facade import InvoiceService

REPEATED = "Given more than once in its object: give each key once (JSON keeps only the last)."
HEADER_ONLY = "The file holds no invoices: it has a header row but no rows after it."
EMPTY_ARRAY = "The file holds no invoices: it is an empty JSON array."


def invoice(external_id: str, **extra) -> dict:
    return {"external_id": external_id, "invoice_date": "2026-11-02", "currency": "EUR", "customer_name": "Acme",
            "lines": [{"description": "Widget", "quantity": "1", "unit_price": "5.00"}], **extra}


def run(db, *args: str) -> int:
    return main(["import", "--db", db.url, "--organization", "1", *args])


def external_ids(db) -> list[str]:
    return sorted(i.external_id for i in InvoiceService(db).list_invoices().items)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_of_no_invoices_is_said_on_screen_and_in_the_report(sqlite_db, tmp_path, capsys, checking, dry_run):
    header = tmp_path / "open.csv"
    header.write_text("sep=;\nexternal_id;invoice_date;currency\n\n", encoding="utf-8")
    array = tmp_path / "none.json"
    array.write_text("\ufeff[\n]\n", encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps(invoice("R-1")) + "\n")
    report = tmp_path / "report.json"
    assert run(sqlite_db, *(["--dry-run"] if dry_run else []), "--report", str(report),
               str(header), str(array), str(rows)) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == [f"warning: {header}: {HEADER_ONLY}", f"warning: {array}: {EMPTY_ARRAY}"]
    assert out.out.startswith("dry run: 1 would be created" if dry_run else "imported: 1 created")
    data = json.loads(report.read_text())
    assert data["warnings"] == [{"record": str(header), "field": "", "message": HEADER_ONLY},
                                {"record": str(array), "field": "", "message": EMPTY_ARRAY}]
    assert data["problems"] == [] and data["counts"]["created"] == 1


def test_a_csv_with_rows_or_a_json_array_with_invoices_gets_no_warning(sqlite_db, tmp_path, capsys):
    array = tmp_path / "some.json"
    array.write_text(" [ " + json.dumps(invoice("A-1")) + "]")
    assert run(sqlite_db, str(array)) == 0
    assert capsys.readouterr().err == ""


def test_json_lines_files_joined_with_their_byte_order_marks_import_whole(sqlite_db, tmp_path, capsys, checking):
    parts = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for number, part in enumerate(parts, start=1):
        part.write_text("\ufeff" + json.dumps(invoice(f"J-{number}")) + "\n", encoding="utf-8")
    joined = tmp_path / "all.jsonl"
    joined.write_bytes(b"".join(part.read_bytes() for part in parts))
    assert joined.read_bytes().count(b"\xef\xbb\xbf") == 2
    assert run(sqlite_db, str(joined)) == 0, capsys.readouterr().err
    assert external_ids(sqlite_db) == ["J-1", "J-2"]


def test_a_key_given_twice_is_a_problem_of_its_record_naming_its_path(sqlite_db, tmp_path, capsys, checking):
    twice = json.dumps(invoice("K-1")).replace('"quantity": "1"', '"quantity": "1", "quantity": "100"')
    twice = twice.replace('"currency": "EUR"', '"currency": "EUR", "currency": "USD"')
    lines = tmp_path / "twice.jsonl"
    lines.write_text(json.dumps(invoice("K-0")) + "\n" + twice + "\n")
    array = tmp_path / "twice.json"
    array.write_text(f"[{json.dumps(invoice('K-2'))},\n{twice.replace('K-1', 'K-3')}]")
    assert run(sqlite_db, "--on-error", "skip", str(lines), str(array)) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{lines}:2.currency: {REPEATED}", f"{lines}:2.lines[0].quantity: {REPEATED}",
        f"{array}[1].currency: {REPEATED}", f"{array}[1].lines[0].quantity: {REPEATED}"]
    assert external_ids(sqlite_db) == ["K-0", "K-2"]


def test_numbers_no_field_takes_are_problems_not_a_crash(sqlite_db, tmp_path, capsys):
    header = "external_id,invoice_date,currency,customer_name,customer_id,line_description,line_quantity," \
             "line_unit_price\n"
    csv = tmp_path / "ids.csv"
    csv.write_text(header + "C-1,2026-11-02,EUR,Acme,²,W,1,5.00\n" + f"C-2,2026-11-02,EUR,Acme,{'1' * 5000},W,1,5.00\n")
    lines = tmp_path / "big.jsonl"
    lines.write_text('{"external_id": "B-1", "customer_id": ' + "9" * 5000 + "}\n")
    array = tmp_path / "big.json"
    array.write_text("[\n" + json.dumps(invoice("B-2")) + ',\n{"customer_id": ' + "9" * 5000 + "}]")
    assert run(sqlite_db, "--on-error", "skip", str(csv), str(lines), str(array)) == 1
    digits = 'A number has more digits than any field takes; amounts are decimal strings such as "19.99"'
    assert capsys.readouterr().err.splitlines() == [
        f"{csv}:2.customer_id: Not a valid integer.", f"{csv}:3.customer_id: Not a valid integer.",
        f"{lines}:1: {digits}.", f"{array}:3: Not valid JSON (invoice [1]): {digits}"]
    assert external_ids(sqlite_db) == ["B-2"]


def test_csv_files_joined_with_their_headers_import_whole_unless_their_columns_differ(sqlite_db, tmp_path, capsys):
    columns = ["external_id", "invoice_date", "currency", "customer_name", "line_description", "line_quantity",
               "line_unit_price"]
    first = ",".join(columns) + "\r\nC-1,2026-11-02,EUR,Acme,Widget,1,5.00\r\n"
    second = ",".join(columns) + "\r\nC-2,2026-11-02,EUR,Acme,Widget,1,5.00\r\n"
    joined = tmp_path / "joined.csv"
    joined.write_bytes(("\ufeff" + first + "\ufeff" + second).encode())
    assert run(sqlite_db, str(joined)) == 0, capsys.readouterr().err
    assert external_ids(sqlite_db) == ["C-1", "C-2"]
    swapped = [columns[0], columns[2], columns[1], *columns[3:]]
    other = tmp_path / "other.csv"
    other.write_text(first.replace("C-1", "C-3") + ",".join(swapped) + "\r\nC-4,EUR,2026-11-02,Acme,Widget,1,5.00\r\n")
    assert run(sqlite_db, "--dry-run", str(other)) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{other}:3: This row is another header, with other columns than the first (files joined together?): "
        "import the files one by one.")


def test_a_json_file_of_one_invoice_object_is_told_to_put_it_in_an_array(sqlite_db, tmp_path, capsys):
    single = tmp_path / "one.json"
    single.write_text(json.dumps(invoice("O-1"), indent=2))
    assert run(sqlite_db, str(single)) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{single}: Expected a JSON array of invoices, not one object: put the invoice in [ ].")
    single.write_text("[" + single.read_text() + "]")
    assert run(sqlite_db, str(single)) == 0 and external_ids(sqlite_db) == ["O-1"]
