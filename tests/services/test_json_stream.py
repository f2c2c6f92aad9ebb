"""A top-level JSON array is read invoice by invoice: same items as json.loads, bounded memory."""
from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from oro_invoices.services.import_reading import iter_file
from oro_invoices.services.json_stream import (
    TOO_DEEP,
    JsonStreamError,
    NotAnArray,
    deeper_than,
    iter_json_array,
    nesting,
)

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
        "Not valid JSON (invoice [2]): Expecting ':' delimiter (line 4, column 16)"


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


@pytest.mark.parametrize("chunk", [3, 64, 1 << 16])
def test_an_item_nested_too_deeply_is_too_deep_and_reading_goes_on(chunk):
    deep = '{"a": ' * 100_000 + '"]}[{"' + "}" * 100_000      # brackets in strings do not count
    seventeen = "[" * 17 + "]" * 17
    sixteen = '{"s": "' + "[" * 40 + '", "x": ' + "[" * 15 + "]" * 15 + "}"
    text = f'[{{"external_id": "A-1"}},\n{deep},\n{seventeen}, {sixteen},\n{{"external_id": "A-2"}}]'
    items = list(iter_json_array(io.StringIO(text), chunk=chunk))
    assert [i for i, _ in items] == [0, 1, 2, 3, 4]
    assert [item for _, item in items][1:3] == [TOO_DEEP, TOO_DEEP]
    assert items[3][1]["s"] == "[" * 40 and items[4][1] == {"external_id": "A-2"}


def test_a_too_deep_item_that_never_closes_is_a_syntax_error():
    with pytest.raises(JsonStreamError) as caught:
        list(iter_json_array(io.StringIO('[{"a": 1},\n' + "[" * 100_000), chunk=7))
    assert (caught.value.line, caught.value.index) == (2, 1)


@pytest.mark.parametrize("text, depth", [("1", 0), ("[]", 1), ('{"a": [1, {"b": "}}}[[["}]}', 3),
                                         ('"\\"[["', 0), ("[" * 5000 + "]" * 5000, 5000)])
def test_nesting_counts_brackets_outside_strings(text, depth):
    assert nesting(text) == depth
    assert deeper_than(depth - 1, text) and not deeper_than(depth, text)


def test_the_import_names_a_too_deep_record_and_reads_the_rest(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"external_id": "A-1"}\n' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + '\n{"external_id": "A-2"}\n')
    records = list(iter_file(path))
    assert [r.payload.get("external_id") for r in records] == ["A-1", None, "A-2"]
    assert [p.as_dict() for p in records[1].problems] == [{
        "record": f"{path}:2", "field": "",
        "message": "Nested more than 16 levels deep (the most an invoice may have)."}]


@pytest.mark.parametrize("text, message", [
    ('[\n  {"external_id": "A-1"},\n  {"external_id": "A-2"},\n]\n',
     "Not valid JSON: Expecting value (line 4, column 1); JSON allows no comma before ']': remove the trailing comma"),
    ('[\n  {"external_id": "A-1"},\n  {"external_id": "A-2",}\n]\n',
     "Not valid JSON (invoice [1]): Expecting property name enclosed in double quotes (line 3, column 25); "
     "JSON allows no comma before '}': remove the trailing comma"),
    ('[{"external_id": "A-1", "lines": [1, 2, ]}]',
     "Not valid JSON (invoice [0]): Expecting value (line 1, column 41); "
     "JSON allows no comma before ']': remove the trailing comma"),
    ('[\n  {"external_id": "A-1"}\n  {"external_id": "A-2"}\n]',
     "Not valid JSON (invoice [1]): Expecting ',' delimiter (line 3, column 3)"),
])
def test_a_syntax_error_names_line_and_column_and_hints_at_a_trailing_comma(tmp_path, text, message):
    path = tmp_path / "trailing.json"
    path.write_text(text)
    [*_, bad] = list(iter_file(path))
    assert bad.fatal and [p.message for p in bad.problems] == [message]


def test_a_json_lines_record_with_a_trailing_comma_names_its_column(tmp_path):
    path = tmp_path / "trailing.jsonl"
    path.write_text('{"external_id": "A-1", "lines": [],}\n')
    [bad] = list(iter_file(path))
    assert [p.message for p in bad.problems] == [
        "Not valid JSON: Expecting property name enclosed in double quotes (column 36); "
        "JSON allows no comma before '}': remove the trailing comma"]


@pytest.mark.parametrize("chunk", [1, 2, 5, 1 << 16])
def test_the_column_is_right_whatever_the_chunk_size(chunk):
    text = '[{"a": 1},   {"a": 2},\n    {"a": 3,   }]'
    with pytest.raises(JsonStreamError) as caught:
        list(iter_json_array(io.StringIO(text), chunk=chunk))
    assert (caught.value.line, caught.value.column, caught.value.index) == (2, 16, 2)
