"""Starlette requests in, framework-neutral ``web.http.Request``; decided ``Outcome`` out, Starlette responses."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from oro_invoices.web.http import Request
from oro_invoices.web.mounting import MAX_PAGE_BODY, Outcome

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_SESSION = ("oro-invoices' pages keep CSRF tokens and flash messages in the session: add "
              "starlette.middleware.sessions.SessionMiddleware to the application "
              "(Starlette(middleware=[Middleware(SessionMiddleware, secret_key=...)])).")


#: The scope key under which ``KeepRootPath`` keeps the application's root path.
ROOT_KEY = "oro_invoices.root_path"


class KeepRootPath:
    """ASGI middleware keeping where the application is mounted: its ``root_path`` as a request
    enters it. A ``Mount`` around the application (``Mount("/shop", app=shop)``) is part of it;
    one inside the application (around some of its routes) is not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[ROOT_KEY] = scope.get("root_path", "")
        await self.app(scope, receive, send)


def app_root_path(request: StarletteRequest) -> str:
    """Where the application is mounted: as ``KeepRootPath`` saw it, else the server's root path
    (``app_root_path``, else ``root_path``)."""
    scope = request.scope
    return str(scope.get(ROOT_KEY, scope.get("app_root_path", scope.get("root_path", ""))))


def app_path(request: StarletteRequest) -> str:
    """The request's path inside the application (without its root path)."""
    path, root = str(request.scope["path"]), app_root_path(request)
    return (path[len(root):] or "/") if root and path.startswith(root) else path


def host_request(request: StarletteRequest) -> Request:
    """The neutral request for a host's own view: query, headers, session; no form or body.

    Hosts bind it (``oro_invoices.web.bind_request``) around their own code that reads the
    current user, and pass it to ``OroInvoices.fragment``.
    """
    query_lists: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query_lists.setdefault(key, []).append(value)
    return Request(method=request.method, path=app_path(request),
                   query={k: v[0] for k, v in query_lists.items()}, query_lists=query_lists,
                   headers=dict(request.headers.items()),
                   path_params={k: str(v) for k, v in request.path_params.items()},
                   session=request.scope.get("session"), native=request,
                   root_path=app_root_path(request), query_string=bytes(request.scope.get("query_string", b"")))


async def page_request(request: StarletteRequest) -> Request:
    """The neutral request for one of the add-on's pages; the host's session is required.

    The raw body is kept (a payment provider's signature covers the exact bytes it sent),
    up to ``MAX_PAGE_BODY`` bytes (413 beyond); url-encoded forms are parsed from it, and
    multipart forms (fields and files) by Starlette.
    """
    if "session" not in request.scope:
        raise RuntimeError(NO_SESSION)
    base = host_request(request)
    if request.method.upper() in SAFE_METHODS:
        return base
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    form_lists: dict[str, list[str]] = {}
    file_lists: dict[str, list[tuple[str, bytes]]] = {}
    body = b""
    if media == "multipart/form-data":
        async with request.form() as data:
            for key, value in data.multi_items():
                if isinstance(value, UploadFile):
                    file_lists.setdefault(key, []).append((value.filename or "", await value.read()))
                else:
                    form_lists.setdefault(key, []).append(value)
    else:
        body = await read_body(request, MAX_PAGE_BODY)
        if len(body) > MAX_PAGE_BODY:
            raise HTTPException(413, "The request body is too large.")
        if media == "application/x-www-form-urlencoded":
            for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True,
                                        encoding="utf-8", errors="replace"):
                form_lists.setdefault(key, []).append(value)
    return replace(base, body=body, form={k: v[0] for k, v in form_lists.items()},
                   form_lists=form_lists, files={k: v[0] for k, v in file_lists.items()}, file_lists=file_lists)


async def api_request(request: StarletteRequest, limit: int) -> Request:
    """The neutral request for the JSON API: the body read up to one byte past ``limit``.

    A longer body is cut there, which the API answers with 413 without the rest being read.
    """
    return replace(host_request(request), body=await read_body(request, limit), session=None)


async def read_body(request: StarletteRequest, limit: int) -> bytes:
    """The body, read no further than the chunk that passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def to_response(out: Outcome) -> StarletteResponse:
    """The Starlette response for a decided ``Outcome``; an iterable body is streamed and closed."""
    if not isinstance(out.body, (bytes, bytearray)):
        close = getattr(out.body, "close", None)
        return StreamingResponse(out.body, status_code=out.status, headers=out.headers,
                                 media_type=out.content_type,
                                 background=BackgroundTask(close) if callable(close) else None)
    return StarletteResponse(bytes(out.body), status_code=out.status, headers=out.headers,
                             media_type=out.content_type)
