"""Integers of a JSON request body: read as integers, and one too long for Python refused in words an
API client can act on (``web.http.json_integer``, the body reader's ``parse_int``)."""
from __future__ import annotations

import json

import pytest

from oro_invoices.domain.limits import OverlongInteger
from oro_invoices.services.schemas import unstorable
from oro_invoices.web.http import json_integer


def test_integers_are_read_as_integers():
    assert json.loads('{"id": 12, "n": [-3, 0]}', parse_int=json_integer) == {"id": 12, "n": [-3, 0]}


@pytest.mark.parametrize("digits", [4301, 100_000])
def test_a_number_of_too_many_digits_is_named_on_its_path_in_plain_words(digits):
    data = json.loads('{"body": "x", "n": [1, ' + "7" * digits + "]}", parse_int=json_integer)
    assert isinstance(data["n"][1], OverlongInteger)
    [(where, message)] = unstorable(data)
    assert (where, message) == ("n[1]", 'At most 4300 digits; amounts are decimal strings such as "19.99".')
