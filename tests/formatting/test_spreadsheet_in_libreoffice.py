"""What an accountant sees opening the CSV downloads in a spreadsheet: LibreOffice Calc opens
each file as it opens one from disk, and no cell of ours is a formula while amounts stay numbers."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support.payloads import invoice_payload, one_line_invoice

from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.persistence.queries import InvoiceFilter
from oro_invoices.services.aging import aging_csv_text
from oro_invoices.services.exporting import export_records, write_csv
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.totals_export import totals_csv_text

pytestmark = pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice Calc (soffice)")

NAME = '=HYPERLINK("https://pay.example","Pay here")'
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def opened_in_calc(text: str, tmp_path: Path) -> dict[str, tuple[str, str, bool]]:
    """Each non-empty cell of the CSV ``text`` as Calc reads it: its reference → (type, shown text
    or number, whether Calc made it a formula); read from the workbook Calc saves."""
    tmp_path.mkdir(exist_ok=True)
    source = tmp_path / "download.csv"
    source.write_text(text, encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/calc-profile", "--headless",
                    "--infilter=CSV:44,34,76", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    with zipfile.ZipFile(tmp_path / "download.xlsx") as book:
        shared = [node.findtext(f"{SHEET}t") or "" for node in
                  ElementTree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{SHEET}si")]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    cells = {}
    for c in sheet.iter(f"{SHEET}c"):
        value = c.findtext(f"{SHEET}v") or ""
        kind = c.get("t", "n")
        cells[c.get("r", "")] = (kind, shared[int(value)] if kind == "s" else value, c.find(f"{SHEET}f") is not None)
    return cells


def test_calc_runs_a_formula_of_a_csv_it_opens(tmp_path):
    """The check itself: an unmarked formula is run, so the tests below can fail."""
    cells = opened_in_calc("name,amount\n=1+1,-5.00\n", tmp_path)
    assert cells["A2"] == ("n", "2", True) and cells["B2"] == ("n", "-5", False)


def test_the_grid_export_opens_as_text_and_numbers(sqlite_db, tmp_path):
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(False))
    service.create(invoice_payload(external_id="X-1", customer_name=NAME,
                                   bill_to={"name": "@Home", "street": "+1 Main St", "city": "-Town", "country": "US"},
                                   lines=[{"description": "=SUM(1,2)", "quantity": "2", "unit_price": "10.50"}]))
    out = io.StringIO()
    write_csv(export_records(service, InvoiceFilter()), out)
    cells = opened_in_calc(out.getvalue(), tmp_path)
    assert not [ref for ref, (_kind, _shown, formula) in cells.items() if formula]
    shown = {text for kind, text, _ in cells.values() if kind == "s"}
    assert {"'" + NAME, "'@Home", "'+1 Main St", "'-Town", "'=SUM(1,2)"} <= shown
    assert ("n", "10.5", False) in cells.values()          # the unit price is a number to add up


def test_the_totals_and_aging_csvs_open_as_text_and_numbers(sqlite_db, tmp_path):
    now = dt.datetime(2027, 3, 31, 12, tzinfo=dt.UTC)
    service = InvoiceService(sqlite_db, plugins=get_plugin_manager(False), clock=lambda: now)
    one_line_invoice(service, due_date="2027-03-01", invoice_date="2027-02-01", price="250.00", customer_name=NAME)
    totals = opened_in_calc("".join(totals_csv_text(service, InvoiceFilter())), tmp_path)
    aging = opened_in_calc(aging_csv_text(service.receivables_aging({"organization_id": 1})), tmp_path / "aging")
    for cells in (totals, aging):
        assert not [ref for ref, (_kind, _shown, formula) in cells.items() if formula]
        assert ("s", "'" + NAME, False) in cells.values() and ("n", "250", False) in cells.values()
