"""The page blueprint: Flask requests in, framework-neutral handlers, layout-wrapped pages out.

Also the Flask implementation of the pages' CSRF provider (a random token
kept in the session, compared in constant time).
"""
from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
from werkzeug.wrappers import Response as WerkzeugResponse

from oro_invoices.adapters.flask.api import to_flask_response as raw_response
from oro_invoices.web.http import Request, Response
from oro_invoices.web.pages import LAYOUT_AREA, ROUTES, InvoicePages

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.flask import OroInvoices

log = logging.getLogger("oro_invoices.flask")
CSRF_SESSION_KEY = "_oro_invoices_csrf"
STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "web", "static")


class SessionCsrf:
    """One random token per session; forms send it as ``csrf_token`` (or ``X-CSRF-Token``)."""

    def token(self, request: Request | None = None) -> str:
        token = flask.session.get(CSRF_SESSION_KEY)
        if not token:
            token = flask.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        return token

    def check(self, request: Request) -> bool:
        expected = flask.session.get(CSRF_SESSION_KEY)
        sent = request.form.get("csrf_token") or request.header("x-csrf-token") or ""
        return bool(expected) and hmac.compare_digest(str(expected), str(sent))


def to_request(req: flask.Request, user: Any, path_params: dict[str, Any]) -> Request:
    """The framework-neutral request for a Flask request (with form fields and files)."""
    files = {}
    for name, storage in req.files.items():
        files[name] = (storage.filename or "", storage.read())
    return Request(
        method=req.method, path=req.path, query=req.args.to_dict(flat=True),
        query_lists=req.args.to_dict(flat=False), form=req.form.to_dict(flat=True),
        form_lists=req.form.to_dict(flat=False),
        headers={k.lower(): v for k, v in req.headers.items()}, body=b"",
        path_params=dict(path_params), user=user, files=files)


def _flash_html(state: OroInvoices, extra: list[tuple[str, str]]) -> str:
    pending = list(flask.get_flashed_messages(with_categories=True)) + list(extra)
    if not pending:
        return ""
    return state.ctx.env.get_template("_flashes.html").render(flashes=pending)


def to_flask_response(state: OroInvoices, resp: Response, area: str) -> WerkzeugResponse:
    """Redirects carry flashes; page fragments are wrapped in the host's layout."""
    if resp.status == 401:
        login = state.login_url(area)
        if login:
            flask.flash("Please log in to continue.", "info")
            sep = "&" if "?" in login else "?"
            return flask.redirect(f"{login}{sep}next={flask.request.full_path.rstrip('?')}")
    if 300 <= resp.status < 400:
        for category, message in resp.flashes:
            flask.flash(message, category)
        out = flask.redirect(resp.headers.get("Location", "/"), code=resp.status)
        return out
    if resp.page_title is not None:
        if state.render_flashes:
            fragment = _flash_html(state, resp.flashes) + resp.text()
        else:  # the host's layout shows flashed messages itself
            for category, message in resp.flashes:
                flask.flash(message, category)
            fragment = resp.text()
        html = state.host.layout.wrap(fragment, title=resp.page_title, area=area)
        out = flask.Response(html, status=resp.status, content_type=resp.content_type)
        for name, value in resp.headers.items():
            out.headers[name] = value
        return out
    return raw_response(resp)


def make_pages_blueprint(state: OroInvoices, pages: InvoicePages,
                         prefixes: dict[str, str]) -> flask.Blueprint:
    """The ``oro_invoices`` blueprint with ``admin`` and ``storefront`` children."""
    root = flask.Blueprint("oro_invoices", __name__, static_folder=STATIC_DIR,
                           static_url_path="/oro-invoices/static")
    children = {"admin": flask.Blueprint("admin", __name__),
                "storefront": flask.Blueprint("storefront", __name__)}
    for route in ROUTES:
        area = LAYOUT_AREA[route.area]
        bp = children[route.endpoint.split(".")[1]]
        rule = prefixes[route.area].rstrip("/") + route.rule or "/"
        bp.add_url_rule(rule, route.name, _view(state, pages, route.endpoint, area),
                        methods=list(route.methods))
    for child in children.values():
        root.register_blueprint(child)

    @root.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:  # a last resort: never a stack trace
        from werkzeug.exceptions import HTTPException
        if isinstance(exc, HTTPException):
            return exc
        log.exception("unhandled error in an oro-invoices page")
        body = ("<div class='oi'><h1>Something went wrong</h1><p>An unexpected error occurred. "
                "It has been logged; please try again or contact support.</p></div>")
        try:
            body = state.host.layout.wrap(body, title="Something went wrong")
        except Exception:
            pass
        return flask.Response(body, status=500, content_type="text/html; charset=utf-8")

    return root


def _view(state: OroInvoices, pages: InvoicePages, endpoint: str,
          area: str) -> Callable[..., WerkzeugResponse]:
    def view(**path_params: Any) -> WerkzeugResponse:
        user = state.host.users.current()
        req = to_request(flask.request, user, path_params)
        return to_flask_response(state, pages.dispatch(endpoint, req), area)
    view.__name__ = endpoint.replace(".", "_")
    return view
