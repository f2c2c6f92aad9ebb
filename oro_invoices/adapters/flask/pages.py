"""The page blueprint: Flask requests in, ``web.mounting.PageMount`` decides, Flask responses out.

Also the Flask flavours of the session helpers: ``SessionCsrf`` (the token in
``flask.session``, usable by the host's own forms) and ``FlaskFlashes`` (``flask.flash``,
so a host layout that shows Flask's flashed messages shows the add-on's too).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

import flask
from werkzeug.wrappers import Response as WerkzeugResponse

from oro_invoices.adapters.flask.api import to_flask_response
from oro_invoices.web import sessions
from oro_invoices.web.http import Request
from oro_invoices.web.mounting import STATIC_DIR, STATIC_PATH, PageMount

log = logging.getLogger("oro_invoices.flask")
CSRF_SESSION_KEY = sessions.CSRF_SESSION_KEY


class SessionCsrf(sessions.SessionCsrf):
    """The CSRF token in ``flask.session``; ``token()`` works without a request inside Flask."""

    def session(self, request: Request | None) -> MutableMapping[str, Any]:
        if request is not None and request.session is not None:
            return request.session
        return flask.session


class FlaskFlashes:
    """Flash messages through ``flask.flash`` / ``flask.get_flashed_messages``."""

    def add(self, category: str, message: str) -> None:
        flask.flash(message, category)

    def pop(self) -> list[tuple[str, str]]:
        waiting: list[tuple[str, str]] = flask.get_flashed_messages(with_categories=True)  # type: ignore[assignment]
        return [(str(category), str(message)) for category, message in waiting]


def to_request(req: flask.Request, path_params: dict[str, Any]) -> Request:
    """The framework-neutral request for a Flask request (form fields, files, the session).

    The raw body is kept (read before the form, which is then parsed from it) except for
    multipart uploads: a payment provider's signature covers the exact bytes it sent.
    """
    body = b"" if req.mimetype == "multipart/form-data" else req.get_data(cache=True)
    file_lists = {name: [(storage.filename or "", storage.read()) for storage in req.files.getlist(name)]
                  for name in req.files}
    return Request(
        method=req.method, path=req.path, query=req.args.to_dict(flat=True),
        query_lists=req.args.to_dict(flat=False), form=req.form.to_dict(flat=True),
        form_lists=req.form.to_dict(flat=False),
        headers={k.lower(): v for k, v in req.headers.items()}, body=body,
        path_params={k: str(v) for k, v in path_params.items()},
        files={name: sent[0] for name, sent in file_lists.items() if sent}, file_lists=file_lists,
        session=flask.session, native=req, root_path=req.script_root, query_string=req.query_string)


def make_pages_blueprint(mount: PageMount) -> flask.Blueprint:
    """The ``oro_invoices`` blueprint with ``admin`` and ``storefront`` children and the static files."""
    root = flask.Blueprint("oro_invoices", __name__, static_folder=STATIC_DIR,
                           static_url_path=STATIC_PATH)
    children = {"admin": flask.Blueprint("admin", __name__),
                "storefront": flask.Blueprint("storefront", __name__)}
    for route in mount.routes:
        bp = children[route.endpoint.split(".")[1]]
        bp.add_url_rule(route.rule, route.endpoint.rsplit(".", 1)[-1],
                        _view(mount, route.endpoint), methods=list(route.methods))
    for child in children.values():
        root.register_blueprint(child)

    @root.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:  # reading the request failed: never a stack trace
        from werkzeug.exceptions import HTTPException
        if isinstance(exc, HTTPException):
            return exc
        log.exception("unhandled error in an oro-invoices page")
        return to_flask_response(mount.failure("backoffice", exc))

    return root


def _view(mount: PageMount, endpoint: str) -> Callable[..., WerkzeugResponse]:
    def view(**path_params: Any) -> WerkzeugResponse:
        out = mount.respond(endpoint, to_request(flask.request, path_params), FlaskFlashes())
        return to_flask_response(out)
    view.__name__ = endpoint.replace(".", "_")
    return view
