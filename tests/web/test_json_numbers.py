"""Integers of a JSON request body: read as integers, and one too long for Python refused in words an
API client can act on (``web.http.json_integer``, the body reader's ``parse_int``)."""
from __future__ import annotations

import json

import pytest

from oro_invoices.web.errors import BadRequest
from oro_invoices.web.http import json_integer


def test_integers_are_read_as_integers():
    assert json.loads('{"id": 12, "n": [-3, 0]}', parse_int=json_integer) == {"id": 12, "n": [-3, 0]}


@pytest.mark.parametrize("digits", [4301, 100_000])
def test_a_number_of_too_many_digits_is_refused_in_plain_words(digits):
    with pytest.raises(BadRequest) as err:
        json.loads('{"body": "x", "n": ' + "7" * digits + "}", parse_int=json_integer)
    assert err.value.message == ('Numbers in the body must be at most 4300 digits; amounts are decimal strings '
                                 'such as "19.99".')
    assert "sys." not in err.value.message and "int_max_str_digits" not in err.value.message
