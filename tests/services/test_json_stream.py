"""A top-level JSON array is read invoice by invoice: same items as json.loads, bounded memory."""
from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from oro_invoices.services.import_reading import iter_file
from oro_invoices.services.json_stream import JsonStreamError, NotAnArray, iter_json_array

ITEMS = [{"external_id": "A-1", "lines": [{"quantity": 1e3, "price": "12.50"}], "note": "ä \"quoted\" ]},["},
         {"external_id": "A-2", "n": 123456789, "neg": -0.5, "flag": True, "none": None},
         [], "text", 42]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 16])
@pytest.mark.parametrize("indent", [None, 2])
def test_items_are_those_json_loads_gives_whatever_the_chunk_size(chunk, indent):
    text = json.dumps(ITEMS, indent=indent, ensure_ascii=False)
    assert [item for _, item in iter_json_array(io.StringIO(text), chunk=chunk)] == json.loads(text)
    assert [i for i, _ in iter_json_array(io.StringIO(text), chunk=chunk)] == list(range(len(ITEMS)))


@pytest.mark.parametrize("text", ["[]", "  [ ]  ", "\n[\n]\n"])
def test_an_empty_array_has_no_items(text):
    assert list(iter_json_array(io.StringIO(text), chunk=1)) == []


@pytest.mark.parametrize("text, line, index, message", [
    ('[\n{"a": 1},\n{"a": 2,}\n]', 3, 1, "Expecting property name enclosed in double quotes"),
    ('[{"a": 1}\n {"a": 2}]', 2, 1, "Expecting ',' delimiter"),
    ('[{"a": 1},\n', 2, 1, "Expecting value"),
    ('[{"a": 1}', 1, 1, "Unterminated array"),
    ('[{"a": "unterminated}]', 1, 0, "Unterminated string starting at"),
    ('[1, 2] x', 1, None, "Extra data"),
    ('', 1, None, "Expecting value"),
    ('{"a": ', 1, None, "Expecting value"),
])
def test_a_syntax_error_names_its_line_and_item(text, line, index, message):
    with pytest.raises(JsonStreamError) as caught:
        list(iter_json_array(io.StringIO(text), chunk=3))
    assert (caught.value.line, caught.value.index) == (line, index)
    assert caught.value.message.startswith(message)


def test_valid_json_that_is_not_an_array_is_said_so():
    with pytest.raises(NotAnArray):
        list(iter_json_array(io.StringIO('{"external_id": "A-1"}')))


def test_the_import_reads_an_array_record_by_record_and_keeps_index_and_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"external_id": "A-1"},\n{"external_id": "A-2"},\n{"external_id" "A-3"}\n]')
    records = list(iter_file(path))
    assert [r.location for r in records] == [f"{path}[0]", f"{path}[1]", f"{path}:4"]
    assert [r.payload.get("external_id") for r in records[:2]] == ["A-1", "A-2"]
    assert records[2].fatal and records[2].problems[0].message == \
        "Not valid JSON (invoice [2]): Expecting ':' delimiter"


def _peak_reading(path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        seen = sum(1 for record in iter_file(path) if not record.fatal)
        return seen, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _write_array(path, count: int) -> None:
    item = {"external_id": "", "invoice_date": "2026-11-02", "currency": "EUR", "customer_name": "Acme AG",
            "bill_to": {"name": "Acme AG", "street": "Unter den Linden 1", "city": "Berlin", "country": "DE"},
            "lines": [{"description": f"Line {n}", "quantity": "2", "unit_price": "9.99", "tax_rate": "0.19"}
                      for n in range(5)]}
    with path.open("w") as fh:
        fh.write("[\n")
        for i in range(count):
            fh.write(("," if i else "") + json.dumps({**item, "external_id": f"S-{i}"}, indent=1) + "\n")
        fh.write("]\n")


def test_memory_does_not_grow_with_the_array(tmp_path):
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    _write_array(small, 1000)
    _write_array(large, 8000)
    seen_small, peak_small = _peak_reading(small)
    seen_large, peak_large = _peak_reading(large)
    assert (seen_small, seen_large) == (1000, 8000)
    assert peak_large < large.stat().st_size / 10            # never the file, nor a large part of it
    assert peak_large < peak_small * 1.5                      # eight times the file, about the same memory
