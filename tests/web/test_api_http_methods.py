"""OPTIONS and methods the API does not serve are answered by the API, with the path's real methods."""
from __future__ import annotations

import pytest
from support.api import api_payload, assert_error_shape


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


def test_a_query_parameter_an_endpoint_does_not_take_is_refused_and_nothing_is_written(api):
    resp = api.post("/api/invoices", api_payload(), query={"dry_run": "true"})
    assert resp.status_code == 422
    assert assert_error_shape(resp) == [{"field": "dry_run",
                                         "message": "Unknown query parameter; this endpoint takes none."}]
    assert api.get("/api/invoices").get_json()["data"] == []
    created = api.create()
    for method, path in (("GET", f"/api/invoices/{created['id']}"), ("DELETE", f"/api/invoices/{created['id']}"),
                         ("GET", f"/api/invoices/{created['id']}/payments")):
        resp = api.request(method, path, query={"force": "1"})
        assert resp.status_code == 422, (method, path)
        assert assert_error_shape(resp)[0]["field"] == "force"
    assert api.get(f"/api/invoices/{created['id']}").status_code == 200   # not deleted
    assert api.get("/api/invoices", query={"limit": "1"}).status_code == 200


def test_the_openapi_document_declares_no_query_parameter_for_endpoints_that_refuse_them(api):
    from oro_invoices.web.api import QUERY_HANDLERS, ROUTES
    spec = api.get("/api/openapi.json").get_json()
    without = [route for route in ROUTES if route.scope is not None and route.handler not in QUERY_HANDLERS]
    assert len(without) > 30
    for route in without:
        params = spec["paths"][route.path][route.method.lower()].get("parameters", [])
        params += spec["paths"][route.path].get("parameters", [])
        assert not [p["name"] for p in params if p.get("in") == "query"], route
    for route in ROUTES:    # and each names the 422 an unknown parameter gets
        if route.scope is not None:
            assert "422" in spec["paths"][route.path][route.method.lower()]["responses"], route


def test_a_compressed_body_is_refused_naming_content_encoding(api):
    import gzip
    import json
    body = gzip.compress(json.dumps(api_payload()).encode())
    resp = api.request("POST", "/api/invoices", data=body, content_type="application/json",
                       headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 400
    assert assert_error_shape(resp) == [{"field": "content-encoding", "message": "The body is sent with "
                                         "'Content-Encoding: gzip', which the API does not take: send it uncompressed."}]
    assert api.get("/api/invoices").get_json()["data"] == []
    plain = api.request("POST", "/api/invoices", data=json.dumps(api_payload()), content_type="application/json",
                        headers={"Content-Encoding": "identity"})
    assert plain.status_code == 201
