"""CSV cells a spreadsheet shows as text: formulas marked, numbers left alone, the mark read back off."""
from __future__ import annotations

import csv
import io

import pytest

from oro_invoices.formatting.spreadsheet import CsvWriter, cell, import_cell, read_cell


@pytest.mark.parametrize("text,written", [
    ('=HYPERLINK("https://pay.example","Pay here")', '\'=HYPERLINK("https://pay.example","Pay here")'),
    ("+49 30 1234567", "'+49 30 1234567"),
    ("-Dash Trading", "'-Dash Trading"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tTabbed", "'\tTabbed"),
    ("\r=1+1", "'\r=1+1"),
    ("1+1", "1+1"),                               # a formula only at the start of a cell
    ("'=kept as typed", "''=kept as typed"),      # a mark already there survives the round trip
    ("''", "'''"),
    ("'Tis Ltd", "'Tis Ltd"),                     # an apostrophe before a letter is no mark
    ("'", "'"),
    ("Acme Corp", "Acme Corp"),
    (" Indented", "' Indented"),                  # whitespace an import would trim is kept by the mark
    ("Padded ", "'Padded "),
    ("\nSecond line first", "'\nSecond line first"),
    ("'Tis Ltd ", "''Tis Ltd "),
])
def test_text_that_a_spreadsheet_would_run_is_marked_and_read_back(text, written):
    assert cell(text) == written
    assert read_cell(written) == text
    assert import_cell(written) == text.strip() if written == text else import_cell(written) == text


@pytest.mark.parametrize("written,text", [
    ("  Acme  ", "Acme"),                         # a hand-made file's padding goes
    (" '=Acme ", "=Acme "),                       # marked: as written after the mark
    ("'\tTabbed", "\tTabbed"),
    ("'s-Hertogenbosch", "'s-Hertogenbosch"),     # an apostrophe before a letter is part of the text
])
def test_an_import_trims_unmarked_cells_only(written, text):
    assert import_cell(written) == text


@pytest.mark.parametrize("number", ["-12.50", "+3", "-0.0125", "-.5", "-1e3", "-7."])
def test_numbers_are_written_as_they_are(number):
    assert cell(number) == number and read_cell(number) == number


@pytest.mark.parametrize("value", [None, 12, -3.5, ""])
def test_what_is_no_text_is_left_to_the_csv_module(value):
    assert cell(value) == value


def test_the_writer_marks_every_cell_of_every_row():
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["name", "amount"])
    writer.writerows([["=1+1", "-5.00"], ["Acme", -2]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["name", "amount"], ["'=1+1", "-5.00"], ["Acme", "-2"]]
