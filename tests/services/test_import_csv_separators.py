"""CSV as spreadsheets save it in languages that write decimals with a comma: cells separated
by semicolons (German or French Excel: "CSV (Trennzeichen-getrennt)"), or by tabs ("Unicode
Text"), are read as comma-separated ones are."""
from __future__ import annotations

import pytest

from oro_invoices.documents.storage import LocalStorage
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.services.importing import run_import

ROWS = [["external_id", "invoice_date", "currency", "customer_name", "line_description", "line_quantity",
         "line_unit_price", "line_tax_rate"],
        ["S-1", "2026-11-01", "EUR", "Müller; Söhne", "Beratung", "2", "500.00", "0.19"],
        ["S-1", "2026-11-01", "EUR", "Müller; Söhne", "Reise", "1", "120.50", "0.07"],
        ["S-2", "2026-11-02", "EUR", "Acme", "Widget", "3", "19.99", "0"]]


@pytest.fixture
def service(db, tmp_path):
    return InvoiceService(db, plugins=get_plugin_manager(False), storage=LocalStorage(tmp_path / "storage"))


def excel_csv(rows, separator: str) -> bytes:
    """``rows`` as Excel saves them: a byte order mark, CRLF, a cell holding the separator quoted."""
    def quoted(cell: str) -> str:
        return f'"{cell}"' if separator in cell else cell
    return b"\xef\xbb\xbf" + "".join(separator.join(quoted(c) for c in row) + "\r\n" for row in rows).encode()


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolons", "tabs"])
def test_a_csv_separated_by_semicolons_or_tabs_imports(service, tmp_path, separator):
    path = tmp_path / "rechnungen.csv"
    path.write_bytes(excel_csv(ROWS, separator))

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert report.problems == [] and report.count("created") == 2
    first = service.get(service.find_id(external_id="S-1"))
    assert first.customer_name == "Müller; Söhne"
    assert [(line.description, str(line.unit_price)) for line in first.lines] == [("Beratung", "500.00"),
                                                                                 ("Reise", "120.50")]


def test_a_decimal_comma_is_a_problem_of_its_row_and_field(service, tmp_path):
    rows = [*ROWS[:1], ["S-1", "2026-11-01", "EUR", "Acme", "Beratung", "2", "500,00", "0.19"]]
    path = tmp_path / "rechnungen.csv"
    path.write_bytes(excel_csv(rows, ";"))

    report = run_import(service, [path], organization_id=1, check_apart=False)

    assert [(p.record, p.field) for p in report.problems] == [(f"{path}:2", "lines[0].unit_price")]
    assert str(report.problems[0].message).startswith('Not a valid decimal number: write it like "19.99"')


@pytest.mark.parametrize("separator", [";", ",", "\t"], ids=["semicolons", "commas", "tabs"])
def test_a_first_line_naming_the_separator_is_read_and_rows_keep_their_line_numbers(service, tmp_path, separator):
    """Excel's ``sep=;`` line: the separator it names is used, the header follows it, and a
    problem names the row's line in the file."""
    rows = [*ROWS, ["S-3", "2026-11-03", "EUR", "Acme", "Widget", "-1", "1.00", "0"]]
    path = tmp_path / "rechnungen.csv"
    path.write_bytes(f"sep={separator}\r\n".encode() + excel_csv(rows, separator).removeprefix(b"\xef\xbb\xbf"))

    report = run_import(service, [path], organization_id=1, check_apart=False, on_error="skip")

    assert report.count("created") == 2
    assert [(p.record, p.field) for p in report.problems] == [(f"{path}:6", "lines[0].quantity")]
    assert service.get(service.find_id(external_id="S-1")).customer_name == "Müller; Söhne"
