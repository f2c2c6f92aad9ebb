"""OPTIONS and methods the API does not serve are answered by the API, with the path's real methods."""
from __future__ import annotations

import pytest
from support.api import assert_error_shape


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/invoices", "GET, HEAD, OPTIONS, POST"),
    ("/api/invoices/7", "DELETE, GET, HEAD, OPTIONS, PATCH"),
    ("/api/invoices/7/post", "OPTIONS, POST"),
    ("/api/invoices/7/pdf", "GET, HEAD, OPTIONS, PUT"),
    ("/api/openapi.json", "GET, HEAD, OPTIONS"),
])
def test_options_names_the_methods_of_the_path_without_a_token(api, path, allow):
    resp = api.request("OPTIONS", path, token=None)
    assert resp.status_code == 204
    assert resp.headers["Allow"] == allow
    assert resp.get_data() == b""


def test_options_of_no_endpoint_is_a_json_404(api):
    resp = api.request("OPTIONS", "/api/nowhere", token=None)
    assert resp.status_code == 404 and resp.content_type == "application/json"
    assert assert_error_shape(resp)[0]["message"] == "There is no API endpoint at /api/nowhere."


def test_trace_is_the_apis_json_405_with_the_paths_methods(api):
    resp = api.request("TRACE", "/api/invoices")
    assert resp.status_code == 405 and resp.content_type == "application/json"
    assert resp.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert assert_error_shape(resp)[0]["message"] == "TRACE is not allowed here; use GET, HEAD, OPTIONS, POST."
