"""One catch-all Django view per area: the add-on's pages and its JSON API."""
from __future__ import annotations

from dataclasses import replace

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from oro_invoices import i18n
from oro_invoices.adapters.oscar.runtime import Runtime, runtime
from oro_invoices.adapters.oscar.tables import AppNotMigrated
from oro_invoices.adapters.oscar.web import DjangoMessages, base_request, page_request, to_response
from oro_invoices.domain.limits import MAX_PDF_BYTES
from oro_invoices.web import mounting
from oro_invoices.web.api import MAX_JSON_BYTES, error_response
from oro_invoices.web.errors import PayloadTooLarge

TOO_LARGE = "The request body is too large."


def not_migrated(exc: AppNotMigrated) -> HttpResponse:
    """The 503 of a page while the app's tables are missing, saying which command makes them."""
    said = i18n.translate(get_language() or i18n.DEFAULT_LANGUAGE, exc.message)
    return HttpResponse(said, status=503, content_type="text/plain; charset=utf-8")


def _runtime() -> Runtime | HttpResponse:
    try:
        return runtime()
    except AppNotMigrated as exc:
        return not_migrated(exc)


def _length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isdigit() else 0


@csrf_exempt  # the add-on's forms are checked by DjangoCsrf, through Django's CSRF middleware
def page(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Any of the add-on's pages: matched by the mount, answered by ``PageMount.respond``."""
    found = _runtime()
    if isinstance(found, HttpResponse):
        return found
    mount = found.mount
    matched = mount.match(request.method or "GET", request.path_info)
    if matched is None:
        allowed = mount.method_allowed(request.path_info)
        if allowed:
            return HttpResponseNotAllowed(allowed)
        raise Http404("No invoice page here.")
    # the raw body a page keeps is capped; uploaded files are not (each file's size is checked
    # by what takes it, as the other hosts do)
    if request.content_type != "multipart/form-data" and _length(request) > mounting.MAX_PAGE_BODY:
        return HttpResponse(TOO_LARGE, status=413, content_type="text/plain; charset=utf-8")
    route, params = matched
    try:
        neutral = page_request(request, params)
    except MultiPartParserError as exc:  # a broken upload is the sender's fault, not a 500
        return HttpResponse(f"The form could not be read: {exc}", status=400,
                            content_type="text/plain; charset=utf-8")
    out = mount.respond(route.endpoint, neutral, DjangoMessages(request))
    return to_response(out)


@csrf_exempt  # API clients authenticate with a bearer token, not a session
def api(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The JSON API (mounted when ``ORO_INVOICES["API_TOKENS"]`` names its clients)."""
    found = _runtime()
    if isinstance(found, HttpResponse):
        return found
    if found.api is None:
        raise Http404("The invoice API is not configured.")
    limit = max(MAX_JSON_BYTES, MAX_PDF_BYTES)
    neutral = replace(base_request(request), session=None)
    if _length(request) > limit:   # said as the API says its errors, without reading the body
        return to_response(mounting.raw_outcome(error_response(PayloadTooLarge()), neutral))
    # read from the stream, not ``request.body``: Django refuses a body above its
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), where the API takes PDFs up to MAX_PDF_BYTES and
    # answers a longer body (cut one byte past the limit) with its own 413
    neutral = replace(neutral, body=request.read(limit + 1))
    return to_response(mounting.answer_api(found.api, neutral))
