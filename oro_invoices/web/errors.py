"""The web layer's own errors, and the one place where an error becomes an HTTP status.

The add-on's errors carry no transport detail: ``status_for`` maps each class to
its status (a subclass inherits its nearest ancestor's), ``headers_for`` adds the
headers some statuses need. A database that does not answer (SQLAlchemy's own errors, which
reach the web layer unworded) is read as ``DatabaseUnreachable`` by both (``unreachable``).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exc as sa_exc

from oro_invoices.domain import errors
from oro_invoices.i18n import N_
from oro_invoices.services.mail.render import EmailTemplateError
from oro_invoices.services.order_invoicing import AlreadyInvoiced

#: The realm the JSON API names in ``WWW-Authenticate``.
API_REALM = "oro-invoices"


class LoginRequired(errors.InvoiceError):
    """Nobody (of the right kind) is logged in."""

    default_message = N_("Please log in to continue.")


class CsrfRejected(errors.InvoiceError):
    """A form came without this session's CSRF token (expired, or from another site)."""

    default_message = N_("The form has expired or did not come from this site. "
                         "Reload the page and try again.")


class RequestError(errors.InvoiceError):
    """The HTTP exchange itself is wrong (bad body, no token, wrong method); ``field`` names the part."""

    default_message = N_("The request is not acceptable.")

    def __init__(self, message: str | None = None, *, field: str = ""):
        super().__init__(message)
        self.field = field


class BadRequest(RequestError):
    """The body or a header cannot be used (not JSON, wrong content type, nested too deeply)."""

    default_message = N_("The request body cannot be read.")


class PayloadTooLarge(RequestError):
    """The body is larger than the API accepts (the error names ``body``, as the body's other
    refusals do)."""

    default_message = N_("The request body is too large.")

    def __init__(self, message: str | None = None, *, field: str = "body"):
        super().__init__(message, field=field)


class AuthenticationRequired(RequestError):
    """No bearer token was sent, or it is unknown (``invalid_token``)."""

    default_message = N_("Authenticate with the header 'Authorization: Bearer <token>'.")

    def __init__(self, message: str | None = None, *, invalid_token: bool = False):
        super().__init__(message)
        self.invalid_token = invalid_token


class MethodNotAllowed(RequestError):
    """The path exists but not for this method; ``allowed`` lists the methods it has."""

    default_message = N_("This method is not allowed here.")

    def __init__(self, message: str | None = None, *, allowed: Iterable[str] = ()):
        super().__init__(message)
        self.allowed = tuple(allowed)


#: Status by error class; the first class found along an error's MRO wins.
STATUSES: dict[type[BaseException], int] = {
    errors.ValidationError: 422,
    errors.NotFound: 404,
    errors.FeatureDisabled: 404,
    errors.Conflict: 409,
    errors.PermissionDenied: 403,
    errors.NoPdfStorage: 409,
    errors.StorageUnreachable: 503,
    errors.StorageError: 500,
    errors.DatabaseNotMigrated: 503,
    errors.DatabaseUnavailable: 503,
    errors.PdfFailed: 500,
    errors.UsageError: 500,
    errors.ConfigurationError: 400,
    EmailTemplateError: 422,
    LoginRequired: 401,
    CsrfRejected: 400,
    BadRequest: 400,
    PayloadTooLarge: 413,
    AuthenticationRequired: 401,
    MethodNotAllowed: 405,
    errors.InvoiceError: 400,
}
UNEXPECTED = 500

#: The ``code`` an API error item carries for errors a client handles by itself.
CODES: dict[type[BaseException], str] = {
    errors.PdfPending: "pdf_pending",
    AlreadyInvoiced: "order_invoiced",
}


def unreachable(exc: BaseException) -> errors.DatabaseUnreachable | None:
    """``exc`` as the add-on's ``DatabaseUnreachable`` (``exc`` its cause) when it is the database
    not answering: an ``OperationalError`` (connection refused or lost, a server restarting or
    shutting down, SQLite's lock held past the busy timeout), an ``InterfaceError``, any DBAPI
    error that invalidated its connection, or no pooled connection free in time. None for
    anything else: a programming error (``ProgrammingError``, ``IntegrityError``) stays a 500.
    A ``DatabaseUnreachable`` (the engine's word for a read SQLite kept waiting) is itself."""
    if isinstance(exc, errors.DatabaseUnreachable):
        return exc
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError) or (
            isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated):
        error = errors.DatabaseUnreachable()
        error.__cause__ = exc
        return error
    return None


def status_for(exc: BaseException) -> int:
    """The HTTP status for ``exc``: by its class, 500 for anything not the add-on's (but a
    database that does not answer: 503)."""
    exc = unreachable(exc) or exc
    for cls in type(exc).__mro__:
        if cls in STATUSES:
            return STATUSES[cls]
    return UNEXPECTED


def code_for(exc: BaseException) -> str | None:
    """The machine-readable code of ``exc`` (``CODES``), or None."""
    return next((CODES[cls] for cls in type(exc).__mro__ if cls in CODES), None)


def headers_for(exc: BaseException) -> dict[str, str]:
    """The headers a response for ``exc`` must carry (``WWW-Authenticate``, ``Allow``, ``Retry-After``)."""
    if isinstance(exc, AuthenticationRequired):
        challenge = f'Bearer realm="{API_REALM}"'
        return {"WWW-Authenticate": challenge + (', error="invalid_token"' if exc.invalid_token else "")}
    if isinstance(exc, MethodNotAllowed):
        return {"Allow": ", ".join(exc.allowed)}
    exc = unreachable(exc) or exc
    if isinstance(exc, errors.PdfPending | errors.DatabaseUnavailable | errors.StorageUnreachable):
        return {"Retry-After": str(exc.retry_after)}
    return {}
