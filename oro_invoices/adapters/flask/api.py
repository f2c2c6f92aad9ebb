"""Mount the JSON API (``oro_invoices.web.api.InvoiceApi``) in a Flask app.

    app.register_blueprint(make_api_blueprint(api))

The blueprint forwards every request under its prefix to ``api.handle``: it
turns ``flask.request`` into a ``web.http.Request`` (lower-case headers, the
raw body, the query string) and the ``Response`` back, streaming iterable
bodies (PDF downloads) without reading them into memory.
"""
from __future__ import annotations

import flask

from oro_invoices.web.api import InvoiceApi
from oro_invoices.web.http import Request, Response
from oro_invoices.web.mounting import Outcome, answer_api

#: Every method of HTTP but CONNECT: the API answers each itself (OPTIONS with the path's
#: ``Allow``, the others it does not serve with its JSON 405), not the framework.
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def to_request(req: flask.Request) -> Request:
    """The framework-neutral request for a Flask request."""
    return Request(
        method=req.method,
        path=req.path,
        query=req.args.to_dict(flat=True),
        query_lists=req.args.to_dict(flat=False),
        headers={name.lower(): value for name, value in req.headers.items()},
        body=req.get_data(cache=False),
        native=req, root_path=req.script_root, query_string=req.query_string,
    )


def to_flask_response(resp: Response | Outcome) -> flask.Response:
    """The Flask response for a handler's ``Response`` or a decided ``Outcome``; iterable bodies stream."""
    streamed = not isinstance(resp.body, (bytes, bytearray))
    out = flask.Response(resp.body, status=resp.status, content_type=resp.content_type,
                         direct_passthrough=streamed)
    for name, value in resp.headers.items():
        out.headers[name] = value
    return out


def make_api_blueprint(api: InvoiceApi, url_prefix: str = "/api",
                       name: str = "oro_invoices_api") -> flask.Blueprint:
    """A blueprint serving ``api`` under ``url_prefix`` (which must be ``api.base_path``)."""
    prefix = "/" + url_prefix.strip("/") if url_prefix.strip("/") else ""
    if prefix != api.base_path:
        raise ValueError(f"url_prefix {url_prefix!r} differs from the API's base_path "
                         f"{api.base_path!r}; build InvoiceApi(base_path={url_prefix!r}).")
    bp = flask.Blueprint(name, __name__, url_prefix=prefix or None)

    def dispatch(rest: str = "") -> flask.Response:
        return to_flask_response(answer_api(api, to_request(flask.request)))

    bp.add_url_rule("/", "root", dispatch, methods=METHODS, strict_slashes=False,
                    provide_automatic_options=False)
    bp.add_url_rule("/<path:rest>", "dispatch", dispatch, methods=METHODS, provide_automatic_options=False)
    return bp
