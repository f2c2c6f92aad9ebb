"""Shared fixtures of the JSON API tests: a minimal Flask app mounting the API blueprint.

No tests live here; ``test_api*.py`` and ``test_openapi.py`` import them with
``from test_api_support import *``. Every fixture runs on SQLite and PostgreSQL
(through ``db``).
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import flask
import pytest

from oro_invoices.adapters.flask.api import make_api_blueprint
from oro_invoices.hosts.memory import MemoryConfigStore
from oro_invoices.integration.config import Settings
from oro_invoices.integration.plugins import get_plugin_manager
from oro_invoices.services.facade import InvoiceService
from oro_invoices.web.api import READ, WRITE, ApiClient, InvoiceApi
from support.payloads import invoice_payload

__all__ = ["ApiHttp", "CLIENTS", "api", "api_payload", "assert_error_shape", "clocked_http", "make_http", "pdf_api",
           "settings", "upload_api"]

CLIENTS = {
    "tok-erp": ApiClient("erp", 1),
    "tok-other": ApiClient("other-org", 2),
    "tok-reader": ApiClient("reader", 1, frozenset({READ})),
    "tok-off": ApiClient("switched-off", 3, frozenset({READ, WRITE})),
    # tokens acting for back-office users: what those users may do
    "tok-viewer": ApiClient("viewer", 1, permissions=frozenset({"oro_invoices.view"})),
    "tok-clerk": ApiClient("clerk", 1, permissions=frozenset({"oro_invoices.view", "oro_invoices.import",
                                                              "oro_invoices.send"})),
}


def shop_api_call(shop, method: str, path: str, body=None, *, headers=None, organization: int = 0):
    """The reference shop's JSON API (``path`` under ``/api``) with the token of its ``organization``-th
    organization (``demo.json``; 0: Northwind)."""
    token = shop[1]["organizations"][organization]["api_token"]
    return shop[0].test_client().open("/api" + path, method=method, json=body,
                                      headers={"Authorization": f"Bearer {token}", **(headers or {})})


def api_payload(**overrides) -> dict:
    """A valid API create payload (organization_id comes from the client)."""
    payload = invoice_payload(**overrides)
    if "organization_id" not in overrides:
        payload.pop("organization_id", None)
    return payload


def assert_error_shape(resp) -> list[dict]:
    """The response is JSON ``{"errors": [{"field": str, "message": str}, ...]}``; returns the list."""
    assert resp.mimetype == "application/json", resp.get_data()[:200]
    body = resp.get_json()
    assert isinstance(body, dict) and set(body) == {"errors"}, body
    assert body["errors"], body
    for item in body["errors"]:
        assert set(item) == {"field", "message"}, item
        assert isinstance(item["field"], str) and isinstance(item["message"], str) and item["message"]
    return body["errors"]


class ApiHttp:
    """A Flask test client that sends the ERP client's bearer token unless told otherwise."""

    def __init__(self, app: flask.Flask, service: InvoiceService, api: InvoiceApi):
        self.app = app
        self.client = app.test_client()
        self.service = service
        self.api = api

    def request(self, method: str, path: str, *, token: str | None = "tok-erp", json_body: Any = ...,
                data: bytes | str | None = None, headers: dict | None = None, query: dict | None = None,
                content_type: str | None = None):
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        if json_body is not ...:
            data = json.dumps(json_body)
            content_type = content_type or "application/json"
        return self.client.open(path, method=method, data=data, headers=hdrs, query_string=query,
                                content_type=content_type)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body: Any = ..., **kw):
        return self.request("POST", path, json_body=body, **kw)

    def patch(self, path, body: Any = ..., **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def create(self, token: str = "tok-erp", **overrides) -> dict:
        resp = self.post("/api/invoices", api_payload(**overrides), token=token)
        assert resp.status_code == 201, resp.get_data()
        return resp.get_json()

    @staticmethod
    def decimals(resp) -> Any:
        """The JSON body with numbers parsed as Decimal (to prove none are floats)."""
        return json.loads(resp.get_data(), parse_float=Decimal)


def make_http(service: InvoiceService, settings: Settings | None = None) -> ApiHttp:
    api = InvoiceApi(service, authenticate=CLIENTS.get, settings=settings)
    app = flask.Flask(__name__)
    app.register_blueprint(make_api_blueprint(api))
    return ApiHttp(app, service, api)


def clocked_http(db, settings: Settings, now, *, renderer=None) -> ApiHttp:
    """The API over a service without PDF storage whose clock says ``now`` (and that renders
    with ``renderer`` what is made on request, such as statements)."""
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             clock=lambda: now, renderer=renderer)
    return make_http(service, settings)


@pytest.fixture
def settings() -> Settings:
    """Invoices on globally, off for organization 3 (the ``tok-off`` client)."""
    s = Settings(MemoryConfigStore())
    s.set("oro_invoices.enabled", True)
    s.set("oro_invoices.enabled", False, "organization", 3)
    return s


@pytest.fixture
def api(db, settings) -> ApiHttp:
    """The API over a service without PDF storage."""
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings)
    return make_http(service, settings)


@pytest.fixture
def pdf_api(db, settings, tmp_path) -> ApiHttp:
    """The API over a service that renders and stores a PDF when an invoice is posted."""
    from oro_invoices.documents import LocalStorage, PdfRenderer
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())
    return make_http(service, settings)


@pytest.fixture
def upload_api(db, settings, tmp_path) -> ApiHttp:
    """PDF generation at posting switched off: the external system uploads the PDF."""
    from oro_invoices.documents import LocalStorage, PdfRenderer
    settings.set("oro_invoices.generate_pdf_on_post", False)
    service = InvoiceService(db, plugins=get_plugin_manager(load_entrypoints=False), settings=settings,
                             storage=LocalStorage(tmp_path / "pdfs"), renderer=PdfRenderer())
    return make_http(service, settings)
