"""Django requests in, the framework-neutral ``web.http.Request``; decided ``Outcome`` out,
Django responses; CSRF through Django's middleware, flash messages through Django's messages."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token

from oro_invoices.web.http import Request
from oro_invoices.web.mounting import Outcome

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Django's message level of each flash category the add-on uses.
LEVELS = {"success": messages.SUCCESS, "error": messages.ERROR, "danger": messages.ERROR,
          "warning": messages.WARNING, "info": messages.INFO}


def base_request(request: HttpRequest, path_params: dict[str, str] | None = None) -> Request:
    """The neutral request for a Django request: query, headers, session; no form or body."""
    query_lists = {key: request.GET.getlist(key) for key in request.GET}
    return Request(method=request.method or "GET", path=request.path_info,
                   query={k: v[0] for k, v in query_lists.items() if v}, query_lists=query_lists,
                   headers={k.lower(): v for k, v in request.headers.items()},
                   path_params=dict(path_params or {}), session=request.session, native=request,
                   root_path=request.META.get("SCRIPT_NAME", "").rstrip("/"),
                   query_string=_query_string(request))


def _query_string(request: HttpRequest) -> bytes:
    """The query as sent: WSGI (and Django's ASGI handler) give its bytes as Latin-1 text."""
    try:
        return str(request.META.get("QUERY_STRING", "")).encode("latin-1")
    except UnicodeEncodeError:  # not bytes as sent: its decoded values are checked instead
        return b""


def page_request(request: HttpRequest, path_params: dict[str, str]) -> Request:
    """The neutral request for one of the add-on's pages: form fields, files and, except for
    multipart uploads, the raw body (a payment provider signs the exact bytes it sent)."""
    base = base_request(request, path_params)
    if base.method.upper() in SAFE_METHODS:
        return base
    multipart = (request.content_type or "").lower() == "multipart/form-data"
    body = b"" if multipart else request.body
    form_lists = {key: request.POST.getlist(key) for key in request.POST}
    file_lists = {name: [(upload.name or "", upload.read()) for upload in request.FILES.getlist(name)]
                  for name in request.FILES}
    return Request(method=base.method, path=base.path, query=base.query,
                   query_lists=base.query_lists, headers=base.headers, body=body,
                   form={k: v[0] for k, v in form_lists.items() if v}, form_lists=form_lists,
                   files={name: sent[0] for name, sent in file_lists.items() if sent}, file_lists=file_lists,
                   path_params=base.path_params, session=base.session,
                   native=request, root_path=base.root_path, query_string=base.query_string)


def to_response(out: Outcome) -> HttpResponse | StreamingHttpResponse:
    """The Django response for a decided ``Outcome``; an iterable body is streamed (and closed)."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(out.body, (bytes, bytearray)):
        response = HttpResponse(bytes(out.body), status=out.status, content_type=out.content_type)
    else:
        response = StreamingHttpResponse(out.body, status=out.status, content_type=out.content_type)
    for name, value in out.headers.items():
        if name.lower() != "content-type":
            response[name] = value
    return response


class DjangoMessages:
    """The add-on's flash messages as Django messages, shown by Oscar's layouts."""

    def __init__(self, request: HttpRequest):
        self.request = request

    def add(self, category: str, message: str) -> None:
        messages.add_message(self.request, LEVELS.get(category, messages.INFO), message)

    def pop(self) -> list[tuple[str, str]]:
        return [(m.level_tag or "info", str(m)) for m in messages.get_messages(self.request)]


def _protected(request: HttpRequest) -> None:  # what Django's CSRF check is asked about
    return None


class DjangoCsrf:
    """CSRF tokens of Django's ``CsrfViewMiddleware``: the add-on's forms carry Django's token
    as ``csrf_token``, and a POST is accepted only when Django's middleware accepts it."""

    def token(self, request: Request | None = None) -> str:
        native = request.native if request is not None else None
        return get_token(native) if isinstance(native, HttpRequest) else ""

    def check(self, request: Request) -> bool:
        native = request.native
        if not isinstance(native, HttpRequest):
            return False
        sent = request.form.get("csrf_token") or request.header("x-csrftoken") or ""
        if not sent:
            return False
        native.META["HTTP_X_CSRFTOKEN"] = sent
        # the view is exempt from the middleware's own check: ask it here, about this token
        native.csrf_processing_done = False
        refused: Any = CsrfViewMiddleware(_protected).process_view(native, _protected, (), {})
        return refused is None
