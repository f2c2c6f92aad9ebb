"""Logins of the reference host: admins under /admin, customer users in the storefront.

Both logins may live in one browser session side by side; which one is the
current user depends on the area of the request (``/admin…`` or not).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import flask
from flask.typing import ResponseReturnValue

from oro_invoices.adapters.flask.pages import SessionCsrf
from oro_invoices.hosts.reference import models as m
from oro_invoices.web.http import Request

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.reference.adapter import Login
    from oro_invoices.hosts.reference.reference import ReferenceHost

View = Callable[..., ResponseReturnValue]

ADMIN_KEY = "host_admin_id"
CUSTOMER_KEY = "host_customer_user_id"
ADMIN_AREA = "/admin"


def session_user(host: ReferenceHost, path: str, session: Any) -> Login | None:
    """(CurrentUser, permissions) of the logged-in user of this area, or None."""
    if path == ADMIN_AREA or path.startswith(ADMIN_AREA + "/"):
        row = host.records.row(m.admin_users, session.get(ADMIN_KEY))
        return host.admin_user(row) if row is not None else None
    row = host.records.row(m.customer_users, session.get(CUSTOMER_KEY))
    return host.customer_user(row) if row is not None else None


def host_of() -> ReferenceHost:
    host: ReferenceHost = flask.current_app.extensions["oro_reference_host"]
    return host


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after a login (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def csrf_ok() -> bool:
    form = flask.request.form
    req = Request(method="POST", path=flask.request.path, form=form.to_dict(),
                  headers={k.lower(): v for k, v in flask.request.headers.items()})
    return SessionCsrf().check(req)


def csrf_token() -> str:
    return SessionCsrf().token()


def require_csrf() -> None:
    if flask.request.method == "POST" and not csrf_ok():
        flask.abort(400, "The form has expired or did not come from this site. Reload the page "
                         "and try again.")


def admin_required(view: View) -> View:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if host_of().users.current().kind != "admin":
            flask.flash("Please log in to continue.", "info")
            return flask.redirect(flask.url_for("host_admin.login", next=flask.request.full_path))
        require_csrf()
        return view(*args, **kwargs)
    return wrapper


def customer_required(view: View) -> View:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if host_of().users.current().kind != "customer_user":
            flask.flash("Please log in to continue.", "info")
            return flask.redirect(flask.url_for("host_store.login", next=flask.request.full_path))
        require_csrf()
        return view(*args, **kwargs)
    return wrapper


def log_in(key: str, user_id: int) -> None:
    """Start a fresh session for the user (a new CSRF token; other logins are kept)."""
    keep = {k: v for k, v in flask.session.items() if k in (ADMIN_KEY, CUSTOMER_KEY) and k != key}
    flask.session.clear()
    flask.session.update(keep)
    flask.session[key] = user_id
    flask.g.pop("oro_host_user", None)


def log_out(key: str) -> None:
    flask.session.pop(key, None)
    flask.g.pop("oro_host_user", None)


def login_form(key: str, *, field: str, check: Callable[[str, str], Any], template: str, title: str,
               area: str, wrong: str, landing: str) -> ResponseReturnValue:
    """The login page of one area: checks the form, logs the user in, shows the form again on error."""
    host = host_of()
    error = ""
    form = flask.request.form
    if flask.request.method == "POST":
        if not csrf_ok():
            error = "The form has expired. Please try again."
        else:
            row = check(form.get(field, ""), form.get("password", ""))
            if row is not None:
                log_in(key, row.id)
                return flask.redirect(safe_next(flask.request.args.get("next"), flask.url_for(landing)))
            error = wrong
    fragment = flask.render_template(template, error=error, csrf_token=csrf_token(),
                                     **{field: form.get(field, "")})
    return host.layout.wrap(fragment, title=title, area=area), 401 if error else 200
