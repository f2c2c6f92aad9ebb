"""The one id syntax and range used by every route, filter and payload."""
from __future__ import annotations

import pytest

from oro_invoices.domain.limits import JSON_MAX_DEPTH, MAX_INT64, is_int64, is_storable_text, parse_day, parse_id


@pytest.mark.parametrize("raw,expected", [
    ("1", 1), ("42", 42), (str(MAX_INT64), MAX_INT64), (7, 7), (MAX_INT64, MAX_INT64),
])
def test_ids_within_range_are_read(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", [
    "0", "-1", str(MAX_INT64 + 1), "9" * 20, "1_000", "١٢", "12\n", " 12", "1e3", "", None, True,
    0, -5, MAX_INT64 + 1, 2.0, "0x10",
])
def test_anything_else_is_no_id(raw):
    assert parse_id(raw) is None


def test_int64_and_text_limits():
    assert is_int64(MAX_INT64) and is_int64(-MAX_INT64 - 1)
    assert not is_int64(MAX_INT64 + 1) and not is_int64(True) and not is_int64("1")
    assert is_storable_text("Müller GmbH") and not is_storable_text("a\x00b")
    assert not is_storable_text("lone \ud800 surrogate")


def test_the_import_refuses_json_nested_as_deeply_as_the_api_does():
    from oro_invoices.web import api
    assert api.MAX_DEPTH == JSON_MAX_DEPTH == 16


def test_a_day_is_read_as_written_yyyy_mm_dd_only():
    import datetime as dt
    assert parse_day("2026-12-03") == dt.date(2026, 12, 3)
    for other in ("20261203", "2026-W49-4", "2026-337", "2026-12-3", "2026-02-31", " 2026-12-03", "2026-12-03T10:00",
                  "２０２６-12-03", "", None, 20261203):
        assert parse_day(other) is None, other
