"""The JSON API: framework-neutral handlers for external systems (ERP, import jobs).

    api = InvoiceApi(service, authenticate=lookup_token, settings=settings)
    response = api.handle(request)          # oro_invoices.web.http.Request → Response

Every request but ``GET /openapi.json`` needs ``Authorization: Bearer <token>``;
``authenticate(token)`` returns the ``ApiClient`` or None. A client sees and
changes only its own organization's invoices; when invoices are switched off
for that organization every endpoint answers 404. Amounts are decimal strings.
Errors are ``{"errors": [{"field": ..., "message": ...}]}``; bad input is
never answered with a 500. ``docs/api.md`` describes every endpoint.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from marshmallow import ValidationError as MmValidationError

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.composition import mail_for
from oro_invoices.domain.errors import (
    Conflict,
    InvoiceError,
    NoPdfStorage,
    NotFound,
    PermissionDenied,
    StorageError,
    ValidationError,
)
from oro_invoices.domain.invoice import InvoiceDocument
from oro_invoices.domain.json_keys import REPEATED_KEY, KeyCheck, repeated_keys
from oro_invoices.domain.limits import (
    JSON_MAX_DEPTH,
    MAX_PDF_BYTES,
    REASON_MAX,
    is_int64,
    is_storable_text,
    parse_day,
    parse_id,
    quoted,
)
from oro_invoices.domain.money import (
    DECIMAL_SYNTAX_HINT,
    from_minor,
    is_decimal_text,
    round_money,
    to_minor,
    too_many_decimals,
)
from oro_invoices.integration import features
from oro_invoices.integration.config import Settings
from oro_invoices.integration.payment_methods import ProviderError
from oro_invoices.persistence.idempotency import ClientKey
from oro_invoices.persistence.outbox import OutboxView
from oro_invoices.persistence.queries import (
    MAX_LIMIT,
    NAME_PREFIX_MAX,
    InvoiceFilter,
    decode_cursor,
    parse_sort,
)
from oro_invoices.persistence.read_models import BY_HAND_PREFIX
from oro_invoices.services import event_log, follow_ups
from oro_invoices.services.aging import SORTS as AGING_SORTS
from oro_invoices.services.aging import AgingLine, AgingReport, check_currency
from oro_invoices.services.context import no_invoice
from oro_invoices.services.credit_notes import CreditResult
from oro_invoices.services.einvoice_intake import take_einvoice
from oro_invoices.services.import_einvoices import is_pdf
from oro_invoices.services.json_stream import trailing_comma_hint
from oro_invoices.services.mail.compose import check_message
from oro_invoices.services.mail.service import MailService
from oro_invoices.services.manual_payments import reversed_payments
from oro_invoices.services.order_invoicing import load_request as load_order_request
from oro_invoices.services.refunds import ProviderOutcome
from oro_invoices.services.schemas import (
    NoteInputSchema,
    check_storable,
    dump_invoice,
    load_input,
    overdue_fields,
    total_bound_problem,
    unstorable,
    validation_error,
)
from oro_invoices.services.statement import Statement, StatementItem
from oro_invoices.services.upsert import bring_up_to_date
from oro_invoices.web import (
    api_activity,
    api_bank_statements,
    api_customer_credit,
    api_events,
    api_query,
    api_remittances,
    api_sending,
    idempotency,
    openapi,
)
from oro_invoices.web.backoffice_actions import check_template, text_to_html
from oro_invoices.web.downloads import (
    activity_download,
    aging_download,
    archive_download,
    document_name,
    is_head,
    not_modified,
    pdf_download,
    pdf_head,
    presigned_download,
    receipt_download,
    statement_download,
    xml_download,
)
from oro_invoices.web.errors import (
    AuthenticationRequired,
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestError,
    code_for,
    headers_for,
    status_for,
    unreachable,
)
from oro_invoices.web.http import Request, Response, json_integer

if TYPE_CHECKING:
    from oro_invoices.services.facade import InvoiceService

log = logging.getLogger(__name__)

READ = "invoices:read"
WRITE = "invoices:write"
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_DEPTH = JSON_MAX_DEPTH
#: ``PUT /invoices/by-external-id/...`` says what it did: created, updated or unchanged.
WRITE_RESULT_HEADER = "Invoice-Write-Result"
#: what followed a write's commit and failed (``services.follow_ups``): the write stands
WRITE_WARNING_HEADER = "Invoice-Write-Warning"
#: what ``POST /e-invoices`` takes: a Factur-X / ZUGFeRD PDF, or CII or UBL XML
EINVOICE_MEDIA_TYPES = ("application/pdf", "application/xml", "text/xml")


@dataclass(frozen=True)
class ApiClient:
    """Who is calling: a name (recorded as the actor), its organization, its scopes and, for a
    token that acts for a back-office user, that user's permissions (``adapters.PERMISSIONS``):
    each endpoint then also needs its permission (``Route.permission``), as the back-office
    does. ``permissions`` None: a client of its own (an ERP's credentials), held to its scopes."""

    name: str
    organization_id: int
    scopes: frozenset[str] = frozenset({READ, WRITE})
    permissions: frozenset[str] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str          # relative to base_path, OpenAPI style: "/invoices/{id}"
    handler: str
    scope: str | None  # None: no authentication (the OpenAPI document)
    #: What a client acting for a back-office user must hold (as the same action in the back-office).
    permission: str | None = None

    @property
    def takes_rest(self) -> bool:
        """Whether the route's last parameter is the rest of the path, slashes and all."""
        return "{external_id}" in self.path

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.escape(self.path).replace(r"\{id\}", "(?P<id>[^/]+)")
        regex = regex.replace(r"\{transaction_id\}", "(?P<transaction_id>[^/]+)")
        regex = regex.replace(r"\{external_id\}", "(?P<external_id>.+)")
        return re.compile(regex + "$")


#: The permission each endpoint needs of a client acting for a back-office user (``ApiClient.permissions``).
VIEW, IMPORT, SEND, DELETE = "oro_invoices.view", "oro_invoices.import", "oro_invoices.send", "oro_invoices.delete"
NOTE = "oro_invoices.note"
#: The outgoing webhook events: whoever may configure their endpoints (System Configuration).
CONFIGURE = "oro_invoices.configure"
PAYMENTS, CREDIT = "oro_invoices.manage_payments", "oro_invoices.credit"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/openapi.json", "openapi", None),
    Route("GET", "/invoices", "list_invoices", READ, VIEW),
    Route("POST", "/invoices", "create_invoice", WRITE, IMPORT),
    Route("POST", "/invoices/send", "send_invoices", WRITE, SEND),
    Route("GET", "/invoices/by-external-id/{external_id}", "get_by_external_id", READ, VIEW),
    Route("PUT", "/invoices/by-external-id/{external_id}", "put_by_external_id", WRITE, IMPORT),
    Route("GET", "/invoices/pdfs.zip", "download_pdfs", READ, VIEW),  # before /invoices/{id}
    Route("GET", "/invoices/{id}", "get_invoice", READ, VIEW),
    Route("PATCH", "/invoices/{id}", "update_invoice", WRITE, IMPORT),
    Route("DELETE", "/invoices/{id}", "delete_invoice", WRITE, DELETE),
    Route("POST", "/invoices/{id}/post", "post_invoice", WRITE, SEND),
    Route("POST", "/invoices/{id}/send", "send_invoice", WRITE, SEND),
    Route("GET", "/invoices/{id}/pdf", "download_pdf", READ, VIEW),
    Route("PUT", "/invoices/{id}/pdf", "upload_pdf", WRITE, IMPORT),
    Route("GET", "/invoices/{id}/xml", "download_xml", READ, VIEW),
    Route("GET", "/invoices/{id}/payments", "list_payments", READ, VIEW),
    Route("POST", "/invoices/{id}/payments", "record_payment", WRITE, PAYMENTS),
    Route("GET", "/invoices/{id}/payments/{transaction_id}/receipt", "payment_receipt", READ, VIEW),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/refund", "refund_payment", WRITE, PAYMENTS),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/reverse", "reverse_payment", WRITE, PAYMENTS),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/capture", "capture_payment", WRITE, PAYMENTS),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/cancel", "cancel_payment", WRITE, PAYMENTS),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/reauthorize", "reauthorize_payment", WRITE, PAYMENTS),
    Route("POST", "/invoices/{id}/payments/{transaction_id}/confirm-unanswered", "confirm_unanswered", WRITE,
          PAYMENTS),
    Route("POST", "/invoices/{id}/apply-credit", "apply_credit", WRITE, PAYMENTS),
    Route("GET", "/invoices/{id}/notes", "list_notes", READ, VIEW),
    Route("POST", "/invoices/{id}/notes", "add_note", WRITE, NOTE),
    Route("GET", "/invoices/{id}/credit-notes", "list_invoice_credit_notes", READ, VIEW),
    Route("POST", "/invoices/{id}/credit-notes", "create_credit_note", WRITE, CREDIT),
    Route("POST", "/invoices/{id}/void", "void_invoice", WRITE, CREDIT),
    Route("POST", "/invoices/{id}/reissue", "reissue_invoice", WRITE, CREDIT),
    Route("POST", "/e-invoices", "import_einvoice", WRITE, IMPORT),
    Route("POST", "/orders/{id}/invoices", "create_from_order", WRITE, IMPORT),
    Route("GET", "/credit-notes", "list_credit_notes", READ, VIEW),
    Route("GET", "/credit-notes/{id}", "get_credit_note", READ, VIEW),
    Route("GET", "/credit-notes/{id}/pdf", "download_credit_note_pdf", READ, VIEW),
    Route("GET", "/credit-notes/{id}/xml", "download_credit_note_xml", READ, VIEW),
    Route("GET", "/receivables/aging", "receivables_aging", READ, VIEW),
    Route("GET", "/receivables/aging.pdf", "receivables_aging_pdf", READ, VIEW),
    Route("POST", "/receivables/aging/email", "email_receivables_aging", WRITE, SEND),
    Route("GET", "/receivables/statement", "customer_statement", READ, VIEW),
    Route("GET", "/receivables/activity", "customer_activity", READ, VIEW),
    Route("POST", "/receivables/bank-statement/matches", "match_bank_statement", READ, PAYMENTS),
    Route("POST", "/receivables/bank-statement/payments", "record_bank_statement", WRITE, PAYMENTS),
    Route("GET", "/receivables/activity.pdf", "customer_activity_pdf", READ, VIEW),
    Route("GET", "/receivables/statement.pdf", "customer_statement_pdf", READ, VIEW),
    Route("POST", "/receivables/statement/email", "email_customer_statement", WRITE, SEND),
    Route("POST", "/receivables/payments", "record_remittance", WRITE, PAYMENTS),
    Route("GET", "/receivables/credit", "customer_credit", READ, VIEW),
    Route("POST", "/receivables/credit/pay-outs", "pay_out_credit", WRITE, PAYMENTS),
    Route("GET", "/events", "list_events", READ, CONFIGURE),
    Route("GET", "/events/{id}", "get_event", READ, CONFIGURE),
    Route("POST", "/events/{id}/redeliver", "redeliver_event", WRITE, CONFIGURE),
)
_PATTERNS = [(route, route.pattern) for route in ROUTES]
#: The handlers that read query parameters (each refuses those it does not know); every other
#: endpoint takes none, so that a parameter it would ignore (``?dry_run=true``) is refused.
QUERY_HANDLERS = frozenset({
    "list_invoices", "list_credit_notes", "list_invoice_credit_notes", "download_pdfs",
    "customer_credit", "pay_out_credit", "receivables_aging", "receivables_aging_pdf",
    "email_receivables_aging", "customer_statement", "customer_statement_pdf",
    "email_customer_statement", "customer_activity", "customer_activity_pdf", "record_bank_statement",
    "list_events",
})

#: The filters of the invoice list (and of the credit notes' and the PDF archive's): given empty, refused.
LIST_FILTERS = ("status", "payment_status", "customer_id", "order_id", "external_id", "invoice_number",
                "date_from", "date_to", "overdue", "document_type", "customer_user_id", "website_id", "currency",
                "total_min", "total_max", "customer_name")
#: Those and the ones that order and page it (given empty: the default).
LIST_PARAMS = frozenset({*LIST_FILTERS, "sort", "limit", "cursor"})
#: The query of the aging (``sort`` given empty: by customer) and of a customer's statement.
AGING_FILTERS = ("customer_id", "currency", "as_of")
STATEMENT_FILTERS = ("currency", "as_of")
#: What leaving ``as_of`` out does, as the refusal of an empty one says it.
AS_OF_LEFT_OUT = {"as_of": "for today"}


#: What a PDF or XML download says where no PDF storage is configured (naming none, a client may see it).
NO_STORAGE = "No PDF storage is configured."


def error_body(errors: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {"errors": errors}


def error_response(exc: InvoiceError) -> Response:
    """The JSON error response for one of the add-on's errors (status from ``web.errors``)."""
    if isinstance(exc, ValidationError):
        items = exc.as_list() or [{"field": "", "message": exc.message}]
    elif fields := getattr(exc, "fields", ()):    # a conflict of several fields: each named, as fields are
        items = [{"field": field, "message": exc.message} for field in fields]
    elif isinstance(exc, StorageError) and not isinstance(exc, NoPdfStorage):
        items = [{"field": "", "message": exc.shown}]   # its message may name the storage: for the log only
    else:
        field = exc.field if isinstance(exc, RequestError) else getattr(exc, "field", "")
        items = [{"field": field, "message": exc.message}]
        if (code := code_for(exc)) is not None:
            items[0]["code"] = code
    return Response.json(error_body(items), status=status_for(exc), headers=headers_for(exc))


class InvoiceApi:
    """Routes ``Request`` objects to the invoice service.

    :param service: the ``InvoiceService``.
    :param authenticate: token → ``ApiClient`` (or None for an unknown token).
    :param settings: ``oro_invoices.integration.config.Settings``; None: the service's own
        (``service.settings``), so that switching invoices off closes the API too; a service
        without settings treats invoices as enabled.
    :param base_path: where the API is mounted; request paths start with it.
    :param idempotency_ttl: how long an ``Idempotency-Key`` and its response are kept (24 h).
    :param idempotency_wait: seconds a request waits for another one holding its key before 409.
    :param mail: the ``MailService`` that sends invoices, statements and the aging by email; None:
        found on first use by ``composition.mail_for``: the add-on's own for a service
        ``build_addon`` built (``addon.mail``), else one over the service's database; a service
        without a database sends none (404).
    """

    def __init__(self, service: InvoiceService, *, authenticate: Callable[[str], ApiClient | None],
                 settings: Settings | None = None, base_path: str = "/api",
                 idempotency_ttl: dt.timedelta = idempotency.DEFAULT_TTL,
                 idempotency_wait: float = idempotency.DEFAULT_WAIT, mail: MailService | None = None):
        self.service = service
        self._mail = mail
        self._mail_found = mail is not None
        self._idempotency = (idempotency_ttl, idempotency_wait)
        self._idempotent: idempotency.IdempotentWrites | None = None
        self.authenticate = authenticate
        self.settings = settings if settings is not None else getattr(service, "settings", None)
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self._spec: bytes | None = None

    # ---- dispatch -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        try:
            return self._dispatch(request)
        except InvoiceError as exc:
            if status_for(exc) >= 500:   # the database out of reach: with its driver's error and traceback
                log.error("API %s %s failed: %s", request.method, request.path, exc.message,
                          exc_info=exc if unreachable(exc) else None)
            return error_response(exc)
        except Exception as exc:
            if (out_of_reach := unreachable(exc)) is not None:
                log.error("API %s %s failed: the database cannot be reached", request.method, request.path,
                          exc_info=exc)
                return error_response(out_of_reach)
            log.exception("API %s %s failed", request.method, request.path)
            return Response.json(error_body([{"field": "", "message": "Internal error; it has been logged."}]),
                                 status=500)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if not (path == self.base_path or path.startswith(self.base_path + "/")):
            raise NotFound(f"{path} is not part of the invoice API.")
        if "\ufffd" in path:
            # the framework's decoding put U+FFFD for percent-encoded bytes that are not UTF-8
            # (%FF): two different external ids would become the same one
            raise BadRequest("The path is not UTF-8 after percent-decoding (a byte such as %FF stands "
                             "alone, or U+FFFD was sent); percent-encode the UTF-8 bytes of each character.",
                             field="path")
        whole = path[len(self.base_path):]
        rel = whole.rstrip("/") or "/"
        method = "GET" if request.method.upper() == "HEAD" else request.method.upper()
        # an external id is the rest of the path as sent: one may end in "/" ("ERP/2026/7/")
        matched = [(route, m) for route, pat in _PATTERNS
                   if (m := pat.match(whole if route.takes_rest else rel))]
        if method == "OPTIONS":
            # answered without a token, as a CORS preflight asks, whatever the query (the request
            # it precedes is judged on its own): the methods are in the OpenAPI document too
            if not matched:
                raise NotFound(f"There is no API endpoint at {path}.")
            return Response(status=204, headers={"Allow": ", ".join(_allowed(matched))})
        if unreadable := api_query.unreadable_errors(request):
            raise ValidationError(unreadable)
        if matched and matched[0][0].scope is None and method == "GET":
            return self.openapi(request)
        client = self._client(request)
        if self.settings is not None:
            features.require(self.settings, features.INVOICES,
                             ScopeContext(organization_id=client.organization_id))
        if not matched:
            raise NotFound(f"There is no API endpoint at {path}.")
        for route, m in matched:
            if route.method == method:
                if route.scope not in client.scopes:
                    raise PermissionDenied(f"The API client {client.name!r} lacks the {route.scope!r} scope.")
                if route.permission is not None and client.permissions is not None \
                        and route.permission not in client.permissions:
                    raise PermissionDenied(f"The API client {client.name!r} acts for a user without the "
                                           f"{route.permission!r} permission, which this needs.")
                handler: Callable[..., Response] = getattr(self, route.handler)
                handler = functools.partial(_checked, handler, route.handler in QUERY_HANDLERS)
                args = m.groupdict()
                key = idempotency.parse_key(request) if method in idempotency.METHODS else None
                if key is None:
                    return handler(request, client, **args)
                return self.idempotent.run(ClientKey(client.organization_id, client.name, key), request,
                                           functools.partial(handler, request, client, **args),
                                           error_response)
        allowed = _allowed(matched)
        raise MethodNotAllowed(f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                               allowed=allowed)

    def _client(self, request: Request) -> ApiClient:
        header = (request.header("authorization") or "").strip()
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationRequired("Authenticate with the header 'Authorization: Bearer <token>'.")
        client = self.authenticate(token)
        if client is None:
            raise AuthenticationRequired("The bearer token is unknown or has been revoked.", invalid_token=True)
        return client

    # ---- helpers ------------------------------------------------------------------

    @property
    def mail(self) -> MailService | None:
        """The mail service given, else the one ``composition.mail_for`` finds (looked up once)."""
        if not self._mail_found:
            self._mail, self._mail_found = mail_for(self.service, settings=self.settings), True
        return self._mail

    @mail.setter
    def mail(self, mail: MailService | None) -> None:
        self._mail, self._mail_found = mail, True

    @property
    def idempotent(self) -> idempotency.IdempotentWrites:
        """The key store of ``Idempotency-Key`` requests (made on first use)."""
        if self._idempotent is None:
            ttl, wait = self._idempotency
            self._idempotent = idempotency.IdempotentWrites(self.service.db, self.service.clock,
                                                            ttl=ttl, wait=wait)
        return self._idempotent

    def _url(self, invoice_id: int, suffix: str = "") -> str:
        return f"{self.base_path}/invoices/{invoice_id}{suffix}"

    def _invoice_json(self, doc: InvoiceDocument) -> dict[str, Any]:
        data = dump_invoice(doc, today=self.service.books_today(doc))
        data["links"] = {"self": self._url(doc.id), "pdf": self._url(doc.id, "/pdf") if doc.is_posted else None}
        return data

    def _load(self, client: ApiClient, raw_id: str) -> InvoiceDocument:
        """The invoice with this id, if the client's organization owns it. Another organization's
        is answered as one that does not exist, so a client cannot learn which ids others use."""
        invoice_id = parse_id(raw_id)
        if invoice_id is None:
            raise NotFound(f"Invoice {quoted(raw_id)} does not exist: invoice ids are positive integers.")
        doc = self.service.get(invoice_id)
        if doc.organization_id != client.organization_id:
            raise no_invoice(doc.id)
        return doc

    def _actor(self, client: ApiClient) -> str:
        return f"api:{client.name}"[:255]

    def _check_organization(self, client: ApiClient, payload: dict[str, Any]) -> None:
        org = payload.get("organization_id")
        if isinstance(org, int) and not isinstance(org, bool) and is_int64(org) and org != client.organization_id:
            raise PermissionDenied(f"The API client may only write invoices of organization "
                                   f"{client.organization_id}, not {org}.", field="organization_id")

    # ---- handlers -----------------------------------------------------------------

    def openapi(self, request: Request) -> Response:
        if self._spec is None:
            self._spec = json.dumps(openapi.build_spec(self.base_path or "/"), ensure_ascii=False).encode()
        return Response(status=200, body=self._spec, content_type="application/json")

    def list_invoices(self, request: Request, client: ApiClient, **fixed: Any) -> Response:
        filters, sort, limit, cursor = _list_query(request)
        filters.update(fixed)
        # the rows and the overdue filter judge on the day of the client's organization's books
        today = self.service.books_today(ScopeContext(organization_id=client.organization_id))
        page = self.service.list_invoices(InvoiceFilter(organization_id=client.organization_id, today=today,
                                                        **filters), sort=sort, limit=limit, cursor=cursor)
        rows = []
        for item in page.items:
            row = openapi.InvoiceSummaryOut().dump(item)
            row.update(overdue_fields(item, today))
            row["links"] = {"self": self._url(item.id),
                            "pdf": self._url(item.id, "/pdf") if item.status.value == "posted" else None}
            rows.append(row)
        return Response.json({"data": rows, "next_cursor": page.next_cursor})

    def create_invoice(self, request: Request, client: ApiClient) -> Response:
        payload = json_object(request, storable=False)    # the schema names them with the rest
        self._check_organization(client, payload)
        payload.setdefault("organization_id", client.organization_id)
        with follow_ups.noted() as failed:  # committed, but what followed failed: created all the same
            doc = self.service.create(payload, actor=self._actor(client))
        return Response.json(self._invoice_json(doc), status=201, headers={
            "Location": self._url(doc.id),
            **_write_warning(failed, _written(doc))})

    def create_from_order(self, request: Request, client: ApiClient, id: str) -> Response:
        """A draft invoice of the host's order ``id`` (``InvoiceService.create_from_order``): 201;
        an order of another organization is one that does not exist (404)."""
        order_id = parse_id(id)
        if order_id is None:
            raise NotFound(f"Order {quoted(id)} does not exist: order ids are positive integers.")
        args = load_order_request(json_object(request) if request.body else {})
        with follow_ups.noted() as failed:  # committed, but what followed failed: created all the same
            doc = self.service.create_from_order(order_id, actor=self._actor(client),
                                                 organization_id=client.organization_id, **args)
        return Response.json(self._invoice_json(doc), status=201, headers={
            "Location": self._url(doc.id), **_write_warning(failed, _written(doc))})

    def get_by_external_id(self, request: Request, client: ApiClient, external_id: str) -> Response:
        if is_storable_text(external_id) and len(external_id) <= 128:
            page = self.service.list_invoices(InvoiceFilter(organization_id=client.organization_id,
                                                            external_id=external_id), limit=1)
            if page.items:
                return Response.json(self._invoice_json(self.service.get(page.items[0].id)))
        raise NotFound(f"No invoice of this organization has the external id {external_id[:128]!r}.")

    def put_by_external_id(self, request: Request, client: ApiClient, external_id: str) -> Response:
        """Create the invoice with this external id (201), or bring the stored one up to date."""
        payload = json_object(request, storable=False)
        self._check_organization(client, payload)
        if payload.get("external_id", external_id) != external_id:
            raise ValidationError([("external_id", "Must be the external id of the URL, or left out.")])
        payload["external_id"] = external_id
        payload.setdefault("organization_id", client.organization_id)
        data = load_input(payload)
        found = self.service.id_of_external_id(client.organization_id, external_id)
        if found is None:
            try:
                with follow_ups.noted() as failed:  # committed, but what followed failed: created all the same
                    doc = self.service.create(payload, actor=self._actor(client))
            except Conflict:  # created by a concurrent request meanwhile: update that one
                found = self.service.id_of_external_id(client.organization_id, external_id)
                if found is None:
                    raise
            else:
                return Response.json(self._invoice_json(doc), status=201, headers={
                    "Location": self._url(doc.id), WRITE_RESULT_HEADER: "created",
                    **_write_warning(failed, _written(doc))})
        return self._bring_up_to_date(client, self.service.get(found), payload, data)

    def import_einvoice(self, request: Request, client: ApiClient) -> Response:
        """A Factur-X / ZUGFeRD PDF or CII or UBL XML as a posted invoice or credit note: created (201),
        or, sent again, the one its number (its external id) already made (200). A plugin's hook or
        the PDF job failing after the commit is said in ``Invoice-Write-Warning``, never as an error."""
        media = _media_type(request)
        if media not in EINVOICE_MEDIA_TYPES:
            raise BadRequest("Send the e-invoice's bytes with 'Content-Type: application/pdf' (Factur-X, "
                             "ZUGFeRD) or 'Content-Type: application/xml' (CII or UBL).", field="content-type")
        if len(request.body) > MAX_PDF_BYTES:
            raise PayloadTooLarge(f"The e-invoice is larger than {MAX_PDF_BYTES // (1024 * 1024)} MiB.")
        data = bytes(request.body)
        if (media == "application/pdf") != is_pdf(data):
            raise BadRequest(f"The body is {'not ' if media == 'application/pdf' else ''}a PDF, but the "
                             f"Content-Type says {media}.", field="content-type")
        with follow_ups.noted() as failed:  # committed, but what followed failed: created all the same
            doc, outcome = take_einvoice(self.service, data, organization_id=client.organization_id,
                                         actor=self._actor(client))
        headers = {WRITE_RESULT_HEADER: outcome, **_write_warning(failed, follow_ups.IMPORTED)}
        if outcome == "created":
            return Response.json(self._invoice_json(doc), status=201, headers={"Location": self._url(doc.id), **headers})
        return Response.json(self._invoice_json(doc), headers=headers)

    def _bring_up_to_date(self, client: ApiClient, doc: InvoiceDocument, payload: dict[str, Any],
                          data: dict[str, Any]) -> Response:
        with follow_ups.noted() as failed:  # committed, but what followed failed: written all the same
            doc, outcome = bring_up_to_date(self.service, doc, payload, data, actor=self._actor(client))
        return Response.json(self._invoice_json(doc),
                             headers={WRITE_RESULT_HEADER: outcome, **_write_warning(failed, _written(doc))})

    def get_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        return Response.json(self._invoice_json(self._load(client, id)))

    def update_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        payload = json_object(request, storable=False)
        doc = self._load(client, id)
        self._check_organization(client, payload)
        doc = self.service.update(doc.id, payload, actor=self._actor(client))
        return Response.json(self._invoice_json(doc))

    def delete_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        _no_body(request)
        doc = self._load(client, id)
        self.service.delete(doc.id, actor=self._actor(client))
        return Response(status=204, body=b"", content_type="application/json")

    def post_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        """Post the draft as it is: the body, if any, is ``{}`` (change the draft first with PATCH)."""
        _no_body(request)
        doc = self._load(client, id)
        with follow_ups.noted() as failed:  # committed, but what followed failed: posted all the same
            doc = self.service.post(doc.id, actor=self._actor(client))
        return Response.json(self._invoice_json(doc), headers=_write_warning(failed, follow_ups.POSTED))

    def send_invoices(self, request: Request, client: ApiClient) -> Response:
        """Send to Customer for several invoices (``web.api_sending``): 200 with what became of
        each; 404 where email is not configured."""
        body = json_object(request)
        if self.mail is None:
            raise NotFound("Email is not configured here: invoices cannot be sent.")
        results = api_sending.send(self.service, self.mail, client.organization_id, body, actor=self._actor(client),
                                   key=request.header("idempotency-key"))
        return Response.json(openapi.InvoicesSentOut().dump(api_sending.as_json(results)),
                             headers=_write_warning((), follow_ups.QUEUED, [
                                 f"Invoice {r.invoice_id}: {warning}" for r in results for warning in r.warnings]))

    def send_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        """Send to Customer: queue the invoice's email from its template (the credit note one for a
        credit note), in the customer's language, its PDF attached, to its customer user, unless the
        optional body gives ``to``, ``cc``, ``bcc``, ``subject``, ``text`` or ``template``. A draft
        is posted first when the body says ``"post": true`` (else 409); an email that cannot be
        sent (no recipient) is refused before the draft is posted."""
        body = _optional_body(request, ("to", "cc", "bcc", "subject", "text", "template", "post"), _message_problems)
        if self.mail is None:
            raise NotFound("Email is not configured here: invoices cannot be sent.")
        doc = self._load(client, id)
        template = body.get("template") or self.mail.template_for(doc)
        check_template(self.mail, template, doc)
        failed: list[follow_ups.FollowUpFailed] = []
        if not doc.is_posted:
            if body.get("post") is not True:
                raise Conflict(f"Invoice {doc.id} is a draft: send {{\"post\": true}} to post it and send it "
                               "(once posted it can no longer be changed).")
            preview = self.mail.prepare(doc.id, template)
            if not body.get("to", preview.to):
                raise ValidationError([("to", "The invoice names no customer user with an email address: give the "
                                              "recipients.")])
            # the message is checked before the draft is posted: a refused request writes nothing
            check_message(to=body.get("to", preview.to), cc=body.get("cc", ()), bcc=body.get("bcc", ()),
                          subject=body.get("subject", preview.subject), text=body.get("text", preview.text),
                          html=preview.html if "text" not in body else None, template=template)
            with follow_ups.noted() as failed:  # committed, but what followed failed: posted all the same
                doc = self.service.post(doc.id, actor=self._actor(client))
        attach = self.service.pdf_attachable(doc)
        draft = self.mail.prepare(doc.id, template, attach_pdf=attach)   # the PDF read once, sent as read
        with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
            sent = self.mail.send(
                doc.id, to=body.get("to", draft.to), cc=body.get("cc", ()), bcc=body.get("bcc", ()),
                subject=body.get("subject", draft.subject), text=body.get("text", draft.text),
                html=draft.html if "text" not in body else None, template=template, actor=self._actor(client),
                attach_pdf=attach, attachments=draft.attachments)
        return Response.json(openapi.InvoiceEmailOut().dump(
            _queued(sent, invoice_id=doc.id, invoice_number=doc.invoice_number)), status=201,
            headers=_write_warning(unsent, follow_ups.QUEUED, follow_ups.warnings(failed, follow_ups.POSTED)))

    def download_pdf(self, request: Request, client: ApiClient, id: str,
                     doc: InvoiceDocument | None = None) -> Response:
        doc = doc or self._load(client, id)
        if doc.pdf is not None and (cached := not_modified(request, doc.pdf)) is not None:
            return cached
        if doc.is_posted and self.service.storage is None:
            raise StorageError.shown_as_is(NO_STORAGE)
        if doc.pdf is not None:
            redirect = presigned_download(self.service.storage, self.settings or self.service.settings,
                                          doc.pdf, document_name(doc))
            if redirect is not None:
                return redirect
        if is_head(request):   # the headers are recorded (once made, a PDF still to make): no byte is read
            return pdf_head(doc.pdf or self.service.pdf_for_download(doc.id), document_name(doc))
        if doc.pdf is None:    # made first, once; or its background job queued again (409 pdf_pending)
            self.service.pdf_for_download(doc.id)
        info, stream = self.service.open_pdf(doc.id)
        return pdf_download(info, stream, document_name(doc), invoice_id=doc.id, storage=self.service.storage)

    def download_pdfs(self, request: Request, client: ApiClient) -> Response:
        """The stored PDFs of the posted invoices and credit notes the list's filters select, as
        one streamed ZIP archive (``web.downloads.archive_download``)."""
        unused = sorted(name for name in ("sort", "limit", "cursor") if name in request.query)
        if unused:
            raise ValidationError([(name, "Not used here: the archive holds every posted invoice and credit "
                                          "note the filters select.") for name in unused])
        filters, _, _, _ = _list_query(request)
        if self.service.storage is None:
            raise StorageError.shown_as_is(NO_STORAGE)
        return archive_download(self.service, InvoiceFilter(organization_id=client.organization_id, **filters),
                                "invoice-pdfs")

    def download_xml(self, request: Request, client: ApiClient, id: str) -> Response:
        """The e-invoice XML: the CII or UBL XML it was imported from or the UBL it was issued as,
        else the one (factur-x.xml) attached to the stored PDF; 404 when there is none."""
        doc, xml = self.service.open_xml(self._load(client, id).id)
        return xml_download(xml, document_name(doc, "xml"))

    def upload_pdf(self, request: Request, client: ApiClient, id: str) -> Response:
        if _media_type(request) != "application/pdf":
            raise BadRequest("Send the PDF's bytes with 'Content-Type: application/pdf'.", field="content-type")
        if len(request.body) > MAX_PDF_BYTES:
            raise PayloadTooLarge(f"The PDF is larger than {MAX_PDF_BYTES // (1024 * 1024)} MiB.")
        doc = self._load(client, id)
        doc = self.service.attach_pdf(doc.id, bytes(request.body), actor=self._actor(client))
        return Response.json(self._invoice_json(doc), status=201, headers={"Location": self._url(doc.id, "/pdf")})

    def list_payments(self, request: Request, client: ApiClient, id: str) -> Response:
        doc = self._load(client, id)
        transactions = self.service.transactions(doc.id)
        rows = openapi.TransactionOut(many=True).dump(transactions)
        actions = self.service.transaction_actions(doc.id)
        undone = reversed_payments(transactions)     # recorded in error and reversed: no money moved
        receipted_ids = {t.id for t in transactions if t.moved_money and t.id not in undone}
        for row in rows:
            found = actions.get(row["id"])
            none = from_minor(0, row["currency"])
            for name in ("refundable", "capturable", "cancelable", "reauthorizable"):
                row[name] = format(getattr(found, name) if found is not None else none, "f")
            row["captures_part"] = found is not None and found.captures_part
            held_until = found.capture_before if found is not None else None
            row["capture_before"] = held_until.isoformat() if held_until is not None else None
            row["unanswered"] = [{
                "attempt_id": u.attempt_id, "kind": u.kind, "amount": format(u.amount, "f"), "currency": u.currency,
                "asked_at": u.asked_at.isoformat(), "resendable": u.resendable, "confirmable": u.confirmable}
                for u in (found.unanswered if found is not None else ())]
            receipted = doc.is_posted and row["id"] in receipted_ids
            row["receipt"] = self._url(doc.id, f"/payments/{row['id']}/receipt") if receipted else None
        return Response.json({"data": rows})

    def record_payment(self, request: Request, client: ApiClient, id: str) -> Response:
        payload = json_object(request, storable=False)    # the schema names them with the rest
        reference = payload.get("provider_reference")
        if isinstance(reference, str) and reference.startswith(BY_HAND_PREFIX):
            # the add-on's mark of a payment recorded by hand, whose day received the ledger trusts
            raise ValidationError([("provider_reference", f"A provider reference starting with {BY_HAND_PREFIX!r} "
                                                          "marks a payment recorded by hand; record one with "
                                                          "POST /api/receivables/payments.")])
        doc = self._load(client, id)
        with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
            recorded = self.service.record_payment_once(doc.id, payload, actor=self._actor(client),
                                                        same_amount=True)
        data = openapi.TransactionOut().dump(recorded.transaction)
        data["invoice"] = self._invoice_json(self.service.get(doc.id))
        return Response.json(data, status=201 if recorded.created else 200,
                             headers=_write_warning(failed, follow_ups.SAVED))

    def record_remittance(self, request: Request, client: ApiClient) -> Response:
        """One payment received outside the payment methods for several invoices, each one's
        share recorded as a payment on it, all or nothing (``web.api_remittances``). 201 with
        each payment and its invoice after it."""
        body = json_object(request)
        with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
            done = api_remittances.record(self.service, client.organization_id, body, actor=self._actor(client))
        payments, refused = [], []
        for share in done.shares:
            if share.transaction is not None:
                row = openapi.TransactionOut().dump(share.transaction)
                row["invoice"] = self._invoice_json(self.service.get(share.invoice_id))
                payments.append(row)
            elif share.error is not None:     # paid by someone else between the check and its turn
                refused.append({"invoice_id": share.invoice_id, "message": share.error.message})
        recorded = [share.transaction for share in done.shares if share.transaction is not None]
        # what was received: the shares and what one of them kept as the customer's credit
        total = sum((t.amount for t in recorded), Decimal(0))
        kept = sum((t.surplus or Decimal(0) for t in recorded), Decimal(0))
        return Response.json({"currency": done.currency, "total": format(total, "f"), "kept_as_credit": format(kept, "f"),
                              "payments": payments, "not_recorded": refused}, status=201,
                             headers=_write_warning(failed, follow_ups.SAVED))

    def reverse_payment(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        """Reverse a payment recorded outside the payment methods in error (``{"reason": …}``): the
        invoice is due as if it had never been recorded. 201 with the reversal; 200 with it when
        the payment was reversed before; 404 for a payment through a payment method."""
        body = _optional_body(request, ("reason",), lambda body: [] if isinstance(body.get("reason"), str)
                              and body["reason"].strip() else [("reason", "Required: why the payment is reversed (a text).")])
        doc, tx = self._transaction(client, id, transaction_id)
        with follow_ups.noted() as failed:  # committed, but what followed failed: reversed all the same
            reversal = self.service.reverse_received_payment(doc.id, tx, reason=body["reason"],
                                                             actor=self._actor(client))
        data = openapi.TransactionOut().dump(reversal.transaction)
        data["invoice"] = self._invoice_json(self.service.get(doc.id))
        return Response.json(data, status=201 if reversal.created else 200,
                             headers=_write_warning(failed, follow_ups.SAVED))

    # ---- customers' credit (web.api_customer_credit) ----------------------------------

    def customer_credit(self, request: Request, client: ApiClient) -> Response:
        """A customer's credit: the balance per currency and the ledger, newest first;
        ``?customer_id=`` (required) names the customer, ``?currency=`` keeps one currency's
        entries, ``?before=`` pages on (``next``)."""
        return Response.json(openapi.CustomerCreditOut().dump(api_customer_credit.credit(
            self.service, client.organization_id, dict(request.query_lists), base_path=self.base_path)))

    def apply_credit(self, request: Request, client: ApiClient, id: str) -> Response:
        """Pay the invoice from its customer's credit (``{"amount": …}``, or as much as it covers):
        201 with the payment and the invoice after it, as ``record_payment`` answers; 200 with the
        payment this Idempotency-Key applied before."""
        body = _optional_body(request, api_customer_credit.APPLY_FIELDS)
        doc = self._load(client, id)
        key = api_customer_credit.request_key(client.organization_id, client.name, idempotency.parse_key(request),
                                              "apply-credit", doc.id)
        with follow_ups.noted() as failed:  # committed, but what followed failed: applied all the same
            recorded = api_customer_credit.apply(self.service, doc.id, body, actor=self._actor(client),
                                                 request_key=key)
        data = openapi.TransactionOut().dump(recorded.transaction)
        data["invoice"] = self._invoice_json(self.service.get(doc.id))
        return Response.json(data, status=201 if recorded.created else 200,
                             headers=_write_warning(failed, follow_ups.SAVED))

    def pay_out_credit(self, request: Request, client: ApiClient) -> Response:
        """Give (part of) a customer's credit back outside the add-on: 201 with the ledger entry;
        200 with the one this Idempotency-Key wrote before."""
        customer_id = api_customer_credit.pay_out_query(dict(request.query_lists))
        data = api_customer_credit.pay_out_body(json_object(request))
        key = api_customer_credit.request_key(client.organization_id, client.name, idempotency.parse_key(request),
                                              "pay-out", customer_id, data["currency"])
        with follow_ups.noted() as failed:  # committed, but what followed failed: paid out all the same
            paid = api_customer_credit.pay_out(self.service, client.organization_id, customer_id, data,
                                               actor=self._actor(client), request_key=key)
        return Response.json(openapi.CreditEntryOut().dump(api_customer_credit.entry_json(paid.entry)),
                             status=201 if paid.created else 200, headers=_write_warning(failed, follow_ups.SAVED))

    # ---- outgoing webhook events (web.api_events) --------------------------------------

    def list_events(self, request: Request, client: ApiClient) -> Response:
        """The organization's outgoing events, one row per event and endpoint, newest first."""
        found, limit, cursor = api_events.query(client.organization_id, dict(request.query_lists))
        page = event_log.list_events(self.service.context, found, limit=limit, cursor=cursor)
        rows = [openapi.EventOut().dump(api_events.row_json(row, self.base_path)) for row in page.items]
        return Response.json({"data": rows, "next_cursor": page.next_cursor})

    def get_event(self, request: Request, client: ApiClient, id: str) -> Response:
        """One event row with the exact body it is sent with."""
        found = event_log.get_event(self.service.context, client.organization_id, api_events.event_row_id(id))
        return Response.json(openapi.EventDetailOut().dump(api_events.row_json(found, self.base_path, detail=True)))

    def redeliver_event(self, request: Request, client: ApiClient, id: str) -> Response:
        """Put a delivered or failed event back to be sent again, same event id and body (200)."""
        _no_body(request)
        with follow_ups.noted() as failed:  # committed, but what followed failed: put back all the same
            found = event_log.redeliver(self.service.context, client.organization_id, api_events.event_row_id(id),
                                        by=self._actor(client))
        return Response.json(openapi.EventDetailOut().dump(api_events.row_json(found, self.base_path, detail=True)),
                             headers=_write_warning(failed, follow_ups.SAVED))

    # ---- refund, capture, cancel, re-authorize: through the provider that took the payment

    def payment_receipt(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        """The receipt PDF of a successful payment, capture or refund of the invoice (404 for any
        other transaction)."""
        doc, tx = self._transaction(client, id, transaction_id)
        return receipt_download(self.service, doc.id, tx)

    def refund_payment(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        body = _action_body(request, ("amount", "notes"))
        doc, tx = self._transaction(client, id, transaction_id)
        amount = _action_amount(body, "refund")
        return self._payment_action(doc, lambda: self.service.refund_payment(
            tx, amount, notes=body.get("notes", ""), actor=self._actor(client)))

    def capture_payment(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        body = _action_body(request, ("amount", "notes"))
        doc, tx = self._transaction(client, id, transaction_id)
        amount = _action_amount(body, "capture")
        return self._payment_action(doc, lambda: self.service.capture_authorization(
            tx, amount, notes=body.get("notes", ""), actor=self._actor(client)))

    def cancel_payment(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        body = _action_body(request, ("notes",))
        doc, tx = self._transaction(client, id, transaction_id)
        return self._payment_action(doc, lambda: self.service.cancel_authorization(
            tx, notes=body.get("notes", ""), actor=self._actor(client)))

    def reauthorize_payment(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        body = _action_body(request, ("notes",))
        doc, tx = self._transaction(client, id, transaction_id)
        return self._payment_action(doc, lambda: self.service.reauthorize_authorization(
            tx, notes=body.get("notes", ""), actor=self._actor(client)))

    def confirm_unanswered(self, request: Request, client: ApiClient, id: str, transaction_id: str) -> Response:
        body = json_object(request)
        unknown = sorted(set(body) - {"attempt_id", "made", "reference"})
        problems = [(name, "Unknown field; only attempt_id, made and reference may be given.") for name in unknown]
        if not isinstance(body.get("attempt_id"), str) or not body["attempt_id"]:
            problems.append(("attempt_id", "Required: the attempt_id of one of the transaction's unanswered requests."))
        if not isinstance(body.get("made"), bool):
            problems.append(("made", "Required: true (the provider made it) or false (it did not)."))
        if not isinstance(body.get("reference", ""), str):
            problems.append(("reference", "A text of at most 255 characters."))
        if problems:
            raise ValidationError(problems)
        doc, tx = self._transaction(client, id, transaction_id)
        return self._payment_action(doc, lambda: self.service.confirm_unanswered_request(
            tx, body["attempt_id"], made=body["made"], reference=body.get("reference", ""),
            actor=self._actor(client)))

    def _transaction(self, client: ApiClient, raw_id: str, raw_transaction_id: str) -> tuple[InvoiceDocument, int]:
        """The invoice and the id of one of its payment transactions."""
        doc = self._load(client, raw_id)
        wanted = parse_id(raw_transaction_id)
        if wanted is None or not any(t.id == wanted for t in self.service.transactions(doc.id)):
            raise NotFound(f"Invoice {doc.id} has no payment transaction {quoted(raw_transaction_id)}; "
                           f"see {self._url(doc.id, '/payments')}.")
        return doc, wanted

    def _payment_action(self, doc: InvoiceDocument, act: Callable[[], ProviderOutcome]) -> Response:
        """200 with how the provider answered; 502 when it refused the request or could not be reached."""
        try:
            with follow_ups.noted() as failed:  # committed, but what followed failed: done all the same
                outcome = act()
        except ProviderError as exc:
            return Response.json(error_body([{"field": "", "message": exc.message}]), status=502)
        return Response.json({
            "successful": outcome.successful, "amount": format(outcome.amount, "f"), "currency": outcome.currency,
            "transaction_id": outcome.transaction_id, "message": "" if outcome.successful else outcome.message,
            "invoice": self._invoice_json(self.service.get(doc.id))}, headers=_write_warning(failed, follow_ups.SAVED))

    # ---- corrections: credit notes, void, re-issue ------------------------------------

    def _load_credit_note(self, client: ApiClient, raw_id: str) -> InvoiceDocument:
        doc = self._load(client, raw_id)
        if not doc.is_credit_note:
            raise NotFound(f"{doc.display_number} (id {doc.id}) is an invoice, not a credit note; "
                           f"see {self._url(doc.id)}.")
        return doc

    def _credit_json(self, result: CreditResult) -> dict[str, Any]:
        data = self._invoice_json(result.credit_note)
        data["links"]["pdf"] = f"{self.base_path}/credit-notes/{result.credit_note.id}/pdf"
        data["invoice"] = self._invoice_json(result.invoice)
        data["settlement"] = result.settlement
        refund = result.refund
        data["refund"] = None if result.settlement != "refund" else {
            "successful": bool(refund and refund.successful),
            "amount": format(refund.amount, "f") if refund else None,
            "transaction_id": refund.transaction_id if refund else None,
            "message": result.refund_error or (refund.message if refund else "")}
        return data

    def create_credit_note(self, request: Request, client: ApiClient, id: str) -> Response:
        payload = json_object(request, storable=False)
        doc = self._load(client, id)
        return self._credit_created(self.service.create_credit_note(doc.id, payload, actor=self._actor(client)))

    def void_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        reason = _reason(request)
        doc = self._load(client, id)
        return self._credit_created(self.service.void(doc.id, reason=reason, actor=self._actor(client)))

    def _credit_created(self, result: CreditResult) -> Response:
        """201 with the credit note and its invoice, located at the credit note."""
        return Response.json(self._credit_json(result), status=201,
                             headers={"Location": f"{self.base_path}/credit-notes/{result.credit_note.id}"})

    def reissue_invoice(self, request: Request, client: ApiClient, id: str) -> Response:
        reason = _reason(request)
        doc = self._load(client, id)
        result = self.service.reissue(doc.id, reason=reason, actor=self._actor(client))
        data = self._credit_json(CreditResult(result.credit_note, result.invoice))
        data["draft"] = self._invoice_json(result.draft)
        return Response.json(data, status=201, headers={"Location": self._url(result.draft.id)})

    def list_invoice_credit_notes(self, request: Request, client: ApiClient, id: str) -> Response:
        doc = self._load(client, id)
        return self.list_invoices(request, client, document_type="credit_note", credited_invoice_id=doc.id)

    def list_credit_notes(self, request: Request, client: ApiClient) -> Response:
        return self.list_invoices(request, client, document_type="credit_note")

    def get_credit_note(self, request: Request, client: ApiClient, id: str) -> Response:
        return Response.json(self._invoice_json(self._load_credit_note(client, id)))

    def download_credit_note_pdf(self, request: Request, client: ApiClient, id: str) -> Response:
        return self.download_pdf(request, client, id, doc=self._load_credit_note(client, id))

    def download_credit_note_xml(self, request: Request, client: ApiClient, id: str) -> Response:
        """A credit note's e-invoice XML (type 381), as ``download_xml`` gives an invoice's."""
        doc, xml = self.service.open_xml(self._load_credit_note(client, id).id)
        return xml_download(xml, document_name(doc, "xml"))

    def receivables_aging(self, request: Request, client: ApiClient) -> Response:
        """What each customer of the client's organization owes on posted invoices, by days past
        due (``services.aging``); ``?customer_id=`` keeps one customer, ``?currency=`` one currency,
        ``?sort=`` orders the customers, ``?as_of=`` judges another day (a past one: what was owed
        at its end)."""
        report = self._aging(request, client)
        return Response.json(openapi.AgingReportOut().dump({
            "as_of": report.as_of, "customers": [_aging_line(line) for line in report.lines],
            "totals": [_aging_line(line) for line in report.totals]}))

    def receivables_aging_pdf(self, request: Request, client: ApiClient) -> Response:
        """The same report as PDF (``aging-<date>.pdf``), headed by the organization's seller."""
        return aging_download(self.service, self._aging(request, client), client.organization_id)

    def email_receivables_aging(self, request: Request, client: ApiClient) -> Response:
        """Queue the aging the query asks for by email to the seller's staff, its PDF and CSV
        attached (``services.mail.aging_reports``): to Aging Report Recipients, from the aging
        template, unless the optional body gives ``to``, ``cc``, ``bcc``, ``subject`` or ``text``."""
        body = _email_body(request)
        if self.mail is None or self.service.storage is None:
            raise NotFound("Email with a PDF storage is not configured here: the aging cannot be sent.")
        report = self._aging(request, client)
        draft = self.mail.aging.prepare(report, client.organization_id)
        text = body.get("text", draft.text)
        with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
            sent = self.mail.aging.send(
                report, client.organization_id, to=body.get("to", draft.to), cc=body.get("cc", ()),
                bcc=body.get("bcc", ()), subject=body.get("subject", draft.subject), text=text,
                html=text_to_html(text) if "text" in body else draft.html, actor=self._actor(client),
                template=draft.template)
        return Response.json(openapi.AgingEmailOut().dump(_queued(sent)), status=201,
                             headers=_write_warning(unsent, follow_ups.QUEUED))

    def _aging(self, request: Request, client: ApiClient) -> AgingReport:
        """The aging the query asks for, of the client's organization; 422 naming a bad parameter."""
        errors = [(name, "Unknown query parameter; use customer_id, currency, sort or as_of.") for name in request.query
                  if name not in ("customer_id", "currency", "sort", "as_of")]
        errors += [(name, "Give this parameter once.") for name, values in request.query_lists.items() if len(values) > 1]
        given = api_query.given(request)
        errors += api_query.empty_errors(given, AGING_FILTERS, left_out=AS_OF_LEFT_OUT)
        q = api_query.first_values(given)
        sort = q.get("sort", "customer")
        if sort not in AGING_SORTS:
            errors.append(("sort", f"Must be one of {', '.join(AGING_SORTS)}."))
        customer_id = parse_id(q["customer_id"]) if "customer_id" in q else None
        if "customer_id" in q and customer_id is None:
            errors.append(("customer_id", "The id of one of the organization's customers."))
        as_of = parse_day(q["as_of"]) if "as_of" in q else None
        if "as_of" in q and as_of is None:
            errors.append(("as_of", "A day written YYYY-MM-DD, such as 2026-10-31."))
        if errors:
            raise ValidationError(errors)
        report = self.service.receivables_aging(InvoiceFilter(organization_id=client.organization_id,
                                                              customer_id=customer_id, currency=q.get("currency")),
                                                today=as_of)
        return report.sorted_by(sort)

    def customer_statement(self, request: Request, client: ApiClient) -> Response:
        """A customer's statement (``services.statement``): their open invoices with what each still
        owes and how late it is, per currency with the aging of them all; ``?customer_id=`` (required)
        names the customer, ``?currency=`` keeps one currency, ``?as_of=`` gives a past day's."""
        found = self._statement(request, client)
        return Response.json(openapi.StatementOut().dump({
            "as_of": found.as_of, "customer_id": found.customer_id, "customer_name": found.customer_name,
            "invoices": found.invoices, "left_out": found.left_out,
            "sections": [{"currency": section.currency, "amounts": section.aging.amounts, "total_due": section.total,
                          **_credit_and_net(section.total, found.credit(section.currency), section.currency),
                          "overdue": section.overdue, "to_pay": found.payable(section.currency).to_pay,
                          "overdue_to_pay": found.payable(section.currency).overdue,
                          "items": [_statement_item(item) for item in section.items]}
                         for section in found.sections],
            "credits": [{"currency": c.currency, "amount": c.amount} for c in found.credits]}))

    def customer_activity(self, request: Request, client: ApiClient) -> Response:
        """A customer's activity statement of a period (``web.api_activity``): per currency the
        opening balance, each entry with the balance after it, and the closing balance."""
        found = api_activity.activity(self.service, client.organization_id, dict(request.query_lists))
        return Response.json(openapi.ActivityOut().dump(api_activity.as_json(found)))

    def match_bank_statement(self, request: Request, client: ApiClient) -> Response:
        """A bank statement's payments matched to the organization's invoices; nothing is written
        (``web.api_bank_statements``)."""
        return Response.json(openapi.BankStatementOut().dump(
            api_bank_statements.matches(self.service, client.organization_id, request)))

    def record_bank_statement(self, request: Request, client: ApiClient) -> Response:
        """A bank statement's payments matched, and those that pay exactly what their invoices owe
        recorded, once however often the statement is sent."""
        with follow_ups.noted() as failed:  # committed, but what followed failed: recorded all the same
            done = api_bank_statements.record(self.service, client.organization_id, request, actor=self._actor(client))
        return Response.json(openapi.BankStatementOut().dump(done), headers=_write_warning(failed, follow_ups.SAVED))

    def customer_activity_pdf(self, request: Request, client: ApiClient) -> Response:
        """The activity statement as PDF (``activity-<customer id>-<from>-<to>.pdf``), made for this request."""
        return activity_download(self.service, api_activity.activity(self.service, client.organization_id,
                                                                     dict(request.query_lists)))

    def customer_statement_pdf(self, request: Request, client: ApiClient) -> Response:
        """The statement as PDF (``statement-<customer id>-YYYY-MM-DD.pdf``), made for this request."""
        return statement_download(self.service, self._statement(request, client))

    def email_customer_statement(self, request: Request, client: ApiClient) -> Response:
        """Queue a customer's statement by email, its PDF attached (``services.mail.statements``):
        to a customer user who may see the whole account, from the statement template, unless the
        optional body gives ``to``, ``cc``, ``bcc``, ``subject`` or ``text``."""
        body = _email_body(request)
        if self.mail is None or self.service.storage is None:
            raise NotFound("Email with a PDF storage is not configured here: statements cannot be sent.")
        found = self._statement(request, client)
        draft = self.mail.statements.prepare(found)
        text = body.get("text", draft.text)
        with follow_ups.noted() as unsent:  # queued, but its delivery job was not: the mail sweep sends it
            sent = self.mail.statements.send(
                found, to=body.get("to", draft.to), cc=body.get("cc", ()), bcc=body.get("bcc", ()),
                subject=body.get("subject", draft.subject), text=text,
                html=text_to_html(text) if "text" in body else draft.html, actor=self._actor(client),
                template=draft.template)
        return Response.json(openapi.StatementEmailOut().dump(_queued(sent, customer_id=sent.customer_id)), status=201,
                             headers=_write_warning(unsent, follow_ups.QUEUED))

    def _statement(self, request: Request, client: ApiClient) -> Statement:
        """The statement the query asks for, of a customer of the client's organization; 422 naming
        a bad or unknown parameter, 404 for a customer that is not the organization's."""
        errors = [(name, "Unknown query parameter; use customer_id, currency or as_of.") for name in request.query
                  if name not in ("customer_id", "currency", "as_of")]
        errors += [(name, "Give this parameter once.") for name, values in request.query_lists.items() if len(values) > 1]
        given = api_query.given(request)
        errors += api_query.empty_errors(given, STATEMENT_FILTERS, required=("customer_id",), left_out=AS_OF_LEFT_OUT)
        q = api_query.first_values(given)
        customer_id = parse_id(q.get("customer_id"))
        if customer_id is None and "customer_id" not in dict(errors):
            errors.append(("customer_id", "Required: the id of one of the organization's customers."))
        as_of = parse_day(q["as_of"]) if "as_of" in q else None
        if "as_of" in q and as_of is None:
            errors.append(("as_of", "A day written YYYY-MM-DD, such as 2026-10-31."))
        if errors:
            raise ValidationError(errors)
        assert customer_id is not None
        return self.service.statement_of(customer_id, organization_id=client.organization_id,
                                         currency=q.get("currency"), today=as_of)

    def list_notes(self, request: Request, client: ApiClient, id: str) -> Response:
        doc = self._load(client, id)
        return Response.json({"data": openapi.NoteOut(many=True).dump(self.service.notes(doc.id))})

    def add_note(self, request: Request, client: ApiClient, id: str) -> Response:
        payload = json_object(request)
        try:
            body = NoteInputSchema().load(payload)["body"]
        except MmValidationError as exc:
            raise validation_error(exc) from None
        doc = self._load(client, id)
        note = self.service.add_note(doc.id, body, actor=self._actor(client))
        return Response.json(openapi.NoteOut().dump(note), status=201)


# ---- request parsing ----------------------------------------------------------------

def _aging_line(line: AgingLine) -> dict[str, Any]:
    return {"customer_id": line.customer_id, "customer_name": line.customer_name, "currency": line.currency,
            "invoices": line.invoices, "amounts": line.amounts, "total_due": line.total, "credit": line.offset,
            "net": line.net}


def _credit_and_net(total: Decimal, credit: Decimal, currency: str) -> dict[str, Decimal]:
    """A statement section's ``credit`` (negative: it offsets ``total``) and ``net``, as its
    customer's line of the aging says them (``AgingLine.offset`` and ``net``)."""
    return {"credit": -credit if credit else from_minor(0, currency), "net": total - credit}


def _statement_item(item: StatementItem) -> dict[str, Any]:
    return {"id": item.invoice_id, "invoice_number": item.number, "invoice_date": item.invoice_date,
            "due_date": item.due_date, "days_overdue": item.days_overdue, "bucket": item.bucket,
            "payment_authorized": item.payment_authorized, "total_amount": item.total, "amount_paid": item.paid, "amount_credited": item.credited,
            "amount_due": item.due, "customer_name": item.customer_name}


def _reason(request: Request) -> str:
    """The optional ``reason`` of a void or re-issue (an empty body gives none)."""
    def problems(body: dict[str, Any]) -> list[tuple[str, str]]:
        given = body.get("reason", "")
        if not isinstance(given, str):
            return [("reason", f"A text of at most {REASON_MAX} characters.")]
        return [("reason", f"At most {REASON_MAX} characters.")] if len(given) > REASON_MAX else []

    reason: str = _optional_body(request, ("reason",), problems).get("reason", "")
    return reason


def _write_warning(failed: Sequence[follow_ups.FollowUpFailed], done: str,
                   more: Sequence[str] = ()) -> dict[str, str]:
    """The ``Invoice-Write-Warning`` header saying what followed the write ``done`` and failed, if
    anything did (and the ``more`` warnings said already, of another write of the request)."""
    said = list(dict.fromkeys([*more, *map(str, follow_ups.warnings(failed, done))]))
    return {WRITE_WARNING_HEADER: " ".join(said)} if said else {}


def _written(doc: InvoiceDocument) -> str:
    """What writing ``doc`` did, as ``follow_ups.said`` words it: posted it, or saved it."""
    return follow_ups.POSTED if doc.is_posted else follow_ups.SAVED


def _queued(sent: OutboxView, **about: Any) -> dict[str, Any]:
    """A message queued in the outbox as the API answers it (``openapi.QueuedEmailOut``), with
    what it is ``about`` (its invoice, its customer)."""
    return {"id": sent.id, "status": sent.status, "to": sent.to, "cc": sent.cc, "subject": sent.subject,
            "created_at": sent.created_at, **about,
            "attachments": [{"filename": a.filename, "size": a.size, "sha256": a.sha256} for a in sent.attachments]}


def _email_body(request: Request) -> dict[str, Any]:
    """The optional body of a message about no one invoice: ``to``, ``cc``, ``bcc`` (lists of
    addresses), ``subject`` and ``text``; 422 naming a field of another shape."""
    return _optional_body(request, ("to", "cc", "bcc", "subject", "text"), _message_problems)


def _message_problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with the parts of a message ``body`` gives: addresses not a list of texts,
    a subject, text or template not a text, ``post`` not a boolean."""
    errors: list[tuple[str, str]] = [(name, "A list of addresses.") for name in ("to", "cc", "bcc")
              if name in body and not (isinstance(body[name], list) and all(isinstance(a, str) for a in body[name]))]
    errors += [(name, "A text.") for name in ("subject", "text", "template")
               if name in body and not isinstance(body[name], str)]
    if "post" in body and not isinstance(body["post"], bool):
        errors.append(("post", "true or false."))
    return errors


def _checked(handler: Callable[..., Response], takes_query: bool, request: Request,
             *args: Any, **kwargs: Any) -> Response:
    """``handler``'s answer, after the checks every endpoint shares (run inside the
    Idempotency-Key's run, so their 4xx answers are replayed as others are): a body with a
    ``Content-Encoding`` is 400, and query parameters where the endpoint takes none 422 naming each."""
    encoding = (request.header("content-encoding") or "").strip().lower()
    if request.body and encoding not in ("", "identity"):
        raise BadRequest(f"The body is sent with 'Content-Encoding: {encoding[:40]}', which the API does not "
                         "take: send it uncompressed.", field="content-encoding")
    given = {**request.query, **request.query_lists}
    if given and not takes_query:
        raise ValidationError([(name, "Unknown query parameter; this endpoint takes none.") for name in given])
    return handler(request, *args, **kwargs)


def _allowed(matched: list[tuple[Route, re.Match[str]]]) -> list[str]:
    """The methods of the routes ``matched``: HEAD wherever GET is, and OPTIONS everywhere."""
    methods = {route.method for route, _ in matched} | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


#: what ``_optional_body``'s ``check`` says of the fields it was given: ``(field, message)`` each
BodyCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]


def _optional_body(request: Request, allowed: tuple[str, ...], check: BodyCheck | None = None) -> dict[str, Any]:
    """An optional JSON object body of only ``allowed`` fields (an empty body: ``{}``), which
    ``check`` finds nothing wrong with; every problem at once (unknown fields, values no column
    holds, ``check``'s), 422."""
    payload = json_object(request, storable=False) if request.body else {}
    problems: list[tuple[str, str]] = [(name, f"Unknown field; only {', '.join(allowed)} may be given.")
                                       for name in sorted(set(payload) - set(allowed))]
    refused = unstorable(payload)
    problems += refused
    if check is not None:
        paths = {where for where, _ in refused}
        problems += [(f, m) for f, m in check({k: v for k, v in payload.items() if k in allowed}) if f not in paths]
    if problems:
        raise ValidationError(problems)
    return payload


def _no_body(request: Request) -> None:
    """Refuse a body of an endpoint that takes none: anything but nothing or ``{}`` (400 for
    what is not a JSON object, 422 naming each field given)."""
    if not request.body:
        return
    payload = json_object(request)
    if payload:
        raise ValidationError([(name, "Unknown field; this takes no body (send none, or {}).")
                               for name in sorted(payload)])


def _action_body(request: Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The optional body of a refund, capture, cancel or re-authorization: only ``allowed`` fields,
    notes a text."""
    return _optional_body(request, allowed, lambda body: [("notes", "A text of at most 10000 characters.")]
                          if not isinstance(body.get("notes", ""), str) else [])


def _action_amount(body: dict[str, Any], verb: str) -> str | None:
    """The ``amount`` of a refund or capture body: a decimal string, or None (all that remains). A
    blank string is refused: an empty field of the client's is no order to move all the money."""
    amount = body.get("amount")
    if amount is not None and (not isinstance(amount, str) or not amount.strip()):
        raise ValidationError([("amount", f'A decimal string such as "50.00"; leave it out to {verb} all '
                                          "that remains.")])
    return amount


def _media_type(request: Request) -> str:
    return (request.header("content-type") or "").split(";", 1)[0].strip().lower()


def _charset(request: Request) -> str:
    """The ``charset`` parameter of the request's Content-Type, lowercase ("" without one)."""
    for param in (request.header("content-type") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def json_object(request: Request, *, storable: bool = True) -> dict[str, Any]:
    """The body as a JSON object, or ``BadRequest`` (on ``content-type``, or ``body`` when the
    body cannot be read as one), ``PayloadTooLarge`` or ``ValidationError`` (a key given twice
    in one object, each named by its path). ``storable`` False: values no
    column holds are left for the caller's schema, which names them beside its other problems."""
    media = _media_type(request)
    if media != "application/json":     # a JSON Patch or another +json document is no such object
        raise BadRequest("Send a JSON object with 'Content-Type: application/json'.", field="content-type")
    charset = _charset(request)
    if charset not in ("", "utf-8", "utf8"):
        raise BadRequest(f"The body is read as UTF-8, as JSON is: send it so, not as {charset[:40]}.",
                         field="content-type")
    if len(request.body) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"The body is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB.")
    keys = KeyCheck()
    try:
        # a byte order mark is not JSON, but some clients' UTF-8 writers start with one (RFC 8259 lets it be ignored)
        text = bytes(request.body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(_not_utf8(bytes(request.body), exc.start), field="body") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=json_integer, object_pairs_hook=keys)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.", field="body") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON ({str(exc)[:200]}{trailing_comma_hint(text, exc.pos)}).",
                         field="body") from None
    except ValueError as exc:
        raise BadRequest(f"The body is not valid JSON ({str(exc)[:200]}).", field="body") from None
    if not isinstance(data, dict):
        raise BadRequest(f"Expected a JSON object, got a JSON {_json_type(data)}.", field="body")
    _check_depth(data)
    if keys.found:
        raise ValidationError([(path, REPEATED_KEY) for path in repeated_keys(data)])
    if storable:
        check_storable(data)
    return data


def _not_utf8(body: bytes, at: int) -> str:
    """Why a body that does not decode as UTF-8 is refused: where, and the encoding it seems to be in."""
    utf16 = body[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(body) > 1 and 0 in body[:2])
    seems = " (it looks like UTF-16)" if utf16 else ""
    return f"The body is not UTF-8{seems}: byte {at} cannot be read. Send JSON as UTF-8."


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _check_depth(data: dict[str, Any]) -> None:
    """Refuse bodies nested too deeply."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"The JSON body is nested more than {MAX_DEPTH} levels deep.", field=path)
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))


def _int_param(name: str, raw: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise ValidationError([(name, "Must be a positive integer.")])
    return value


def _currency_and_totals(q: Mapping[str, str]) -> dict[str, Any]:
    """``currency`` and the ``total_min``/``total_max`` bounds (in that currency's minor units:
    totals only compare within one currency, so a bound needs ``currency``)."""
    found: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    if "currency" in q:
        try:
            found["currency"] = check_currency(q["currency"])
        except ValidationError as exc:
            errors.extend(exc.errors)
    for name in ("total_min", "total_max"):
        if name not in q:
            continue
        if not is_decimal_text(q[name]):
            errors.append((name, f"Must be a decimal amount: {DECIMAL_SYNTAX_HINT}"))
        elif (large := total_bound_problem(Decimal(q[name]))) is not None:
            errors.append((name, large))
        elif "currency" not in q:
            errors.append((name, "Give currency too: totals only compare within one currency."))
        elif "currency" in found:
            amount = Decimal(q[name])
            if amount != round_money(amount, found["currency"]):
                errors.append((name, str(too_many_decimals(found["currency"]))))
            else:
                found[name] = to_minor(amount, found["currency"])
    if errors:
        raise ValidationError(errors)
    return found


def _list_query(request: Request) -> tuple[dict[str, Any], str, int, str | None]:
    """Filters, sort, limit and cursor from the query string."""
    errors = [(name, f"Unknown query parameter; use one of {', '.join(sorted(LIST_PARAMS))}.")
              for name in request.query if name not in LIST_PARAMS]
    errors += [(name, "Give this parameter once.")
               for name, values in request.query_lists.items() if len(values) > 1]
    errors += [(name, "Must not contain NUL or unpaired surrogate characters.")
               for name, value in request.query.items() if not is_storable_text(value)]
    given = api_query.given(request)
    errors += api_query.empty_errors(given, LIST_FILTERS)
    if errors:
        raise ValidationError(errors)
    q = api_query.first_values(given)
    filters: dict[str, Any] = {}
    for name in ("status", "payment_status", "external_id", "invoice_number", "document_type"):
        if name in q:
            filters[name] = q[name]
    for name in ("customer_id", "order_id", "customer_user_id", "website_id"):
        if name in q:
            filters[name] = _int_param(name, q[name])
    if "customer_name" in q:
        if len(q["customer_name"]) > NAME_PREFIX_MAX:
            raise ValidationError([("customer_name", f"At most {NAME_PREFIX_MAX} characters.")])
        filters["customer_name_prefix"] = q["customer_name"]
    filters.update(_currency_and_totals(q))
    if "overdue" in q:
        if q["overdue"] not in ("true", "false"):
            raise ValidationError([("overdue", "Must be true or false.")])
        filters["overdue"] = q["overdue"] == "true"
    for name in ("date_from", "date_to"):
        if name in q:
            filters[name] = parse_day(q[name])
            if filters[name] is None:
                raise ValidationError([(name, "Must be a date such as 2026-11-02.")])
    sort = q.get("sort", "-invoice_date")
    parse_sort(sort)
    limit = openapi.DEFAULT_LIMIT
    if "limit" in q:
        if not re.fullmatch(r"[0-9]{1,4}", q["limit"], re.ASCII) or not 1 <= int(q["limit"]) <= MAX_LIMIT:
            raise ValidationError([("limit", f"Must be an integer from 1 to {MAX_LIMIT}.")])
        limit = int(q["limit"])
    cursor = q.get("cursor")
    if cursor is not None:
        decode_cursor(cursor, sort)
    return filters, sort, limit, cursor
