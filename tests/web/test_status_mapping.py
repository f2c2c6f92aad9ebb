"""The one place where an error becomes an HTTP status, and the headers some statuses need."""
from __future__ import annotations

import pytest

from oro_invoices.domain import errors
from oro_invoices.services.mail.render import EmailTemplateError
from oro_invoices.web.errors import (
    AuthenticationRequired,
    BadRequest,
    CsrfRejected,
    LoginRequired,
    MethodNotAllowed,
    PayloadTooLarge,
    headers_for,
    status_for,
)


@pytest.mark.parametrize("exc,status", [
    (errors.ValidationError([("amount", "Must be greater than 0.")]), 422),
    (errors.NotFound(), 404),
    (errors.FeatureDisabled(), 404),
    (errors.Conflict(), 409),
    (errors.InvoiceIsPosted(), 409),        # a subclass inherits its ancestor's status
    (errors.ConfirmationRequired(), 409),
    (errors.PermissionDenied(), 403),
    (errors.StorageError(), 500),
    (errors.UsageError(), 500),
    (errors.ConfigurationError(), 400),
    (EmailTemplateError("bad template"), 422),
    (LoginRequired(), 401),
    (CsrfRejected(), 400),
    (BadRequest(), 400),
    (PayloadTooLarge(), 413),
    (AuthenticationRequired(), 401),
    (MethodNotAllowed(allowed=["GET"]), 405),
    (errors.InvoiceError("anything else of ours"), 400),
    (RuntimeError("not ours"), 500),
])
def test_each_error_class_has_its_status(exc, status):
    assert status_for(exc) == status


def test_errors_carry_no_transport_detail():
    for cls in (errors.InvoiceError, errors.NotFound, errors.ValidationError, errors.Conflict):
        assert not hasattr(cls, "http_status")


def test_authentication_and_method_errors_bring_their_headers():
    assert headers_for(AuthenticationRequired()) == {"WWW-Authenticate": 'Bearer realm="oro-invoices"'}
    assert headers_for(AuthenticationRequired(invalid_token=True)) == {
        "WWW-Authenticate": 'Bearer realm="oro-invoices", error="invalid_token"'}
    assert headers_for(MethodNotAllowed(allowed=["GET", "PATCH"])) == {"Allow": "GET, PATCH"}
    assert headers_for(errors.NotFound()) == {}
