"""Schemathesis drives every operation of the OpenAPI document the API serves.

Generated requests, valid and invalid, go in-process to the API (a Flask app over the
``db`` fixture, so SQLite and PostgreSQL); no answer may be a server error, and every
answer must conform to the document: its status codes, media types and response schemas.
The examples are bounded so that the run stays short.
"""
from __future__ import annotations

import json

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def shop_api(upload_api):
    """The API (with PDF storage; PDFs come by upload) holding a draft, a posted and a paid invoice."""
    api = upload_api
    api.create(external_id="ERP-1")
    posted = api.create(external_id="ERP-2")
    api.post(f"/api/invoices/{posted['id']}/post")
    paid = api.create(external_id="ERP-3")
    api.post(f"/api/invoices/{paid['id']}/post")
    api.post(f"/api/invoices/{paid['id']}/payments",
             {"method": "card", "action": "charge", "amount": paid["total_amount"]})
    return api


def served_document() -> dict:
    """The OpenAPI document exactly as ``GET /api/openapi.json`` serves it."""
    from oro_invoices.web.api import InvoiceApi
    from oro_invoices.web.http import Request
    api = InvoiceApi(service=None, authenticate=lambda token: None)  # the document needs neither
    return json.loads(api.handle(Request(method="GET", path="/api/openapi.json")).body)


@schemathesis.serializer("application/pdf")
def pdf_body(ctx, value) -> bytes:
    """``PUT /invoices/{id}/pdf`` sends raw bytes: generated ones as they are, text as UTF-8."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_dict(served_document())


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,  # a loaded machine is no failure
          suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_and_every_answer_follows_the_document(case, shop_api):
    case.call_and_validate(app=shop_api.app, headers={"Authorization": "Bearer tok-erp"},
                           checks=CHECKS)
