"""Logins of the reference host: admins under /admin, customer users in the storefront.

Both logins may live in one browser session side by side; which one is the
current user depends on the area of the request (``/admin…`` or not). A login is
a server-side session (``login_sessions``) whose token the session cookie carries:
logging out ends it for every copy of the cookie. Failed logins are throttled per
account and per client address (``login_throttle``).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import flask
from flask.typing import ResponseReturnValue
from sqlalchemy import bindparam, select

from oro_invoices.adapters.flask.pages import SessionCsrf
from oro_invoices.domain.messages import PluralMessage
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.language import _
from oro_invoices.hosts.reference.login_sessions import LIVE
from oro_invoices.hosts.reference.login_throttle import account_key, address_key
from oro_invoices.persistence.engine import reading
from oro_invoices.web.http import Request

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.hosts.reference.adapter import Login
    from oro_invoices.hosts.reference.reference import ReferenceHost

View = Callable[..., ResponseReturnValue]

ADMIN_KEY = "host_admin_id"
CUSTOMER_KEY = "host_customer_user_id"
ADMIN_AREA = "/admin"


@dataclass(frozen=True)
class Area:
    """One of the two logins: its name and the session keys of its user id and session token."""

    name: str
    user_key: str
    token_key: str


ADMIN = Area("admin", ADMIN_KEY, "host_admin_session")
CUSTOMER = Area("customer", CUSTOMER_KEY, "host_customer_session")
AREAS = {ADMIN_KEY: ADMIN, CUSTOMER_KEY: CUSTOMER}


def session_user(host: ReferenceHost, path: str, session: Any) -> Login | None:
    """(CurrentUser, permissions) of the logged-in user of this area, or None.

    The session cookie counts only while its login session is live on the server.
    """
    area = ADMIN if path == ADMIN_AREA or path.startswith(ADMIN_AREA + "/") else CUSTOMER
    user_id = session.get(area.user_key)
    params = host.logins.live_params(area.name, user_id, session.get(area.token_key))
    if params is None:
        return None
    if area is ADMIN:  # the user's row and the session check in one query
        with reading(host.engine) as c:
            row = c.execute(_ADMIN_LOGIN, params).first()
        return host.admin_user(row) if row is not None else None
    found = host.customers.with_customer(user_id, LIVE, params=params)
    return host.customer_user(found[0]) if found is not None else None


#: The columns of an admin that ``ReferenceHost.admin_user`` reads, in its order.
ADMIN_LOGIN_COLUMNS = ("id", "name", "username", "email", "organization_id", "permissions")
#: The admin of a live login session (``LoginSessions.live_params``), built once.
_ADMIN_LOGIN = select(*(m.admin_users.c[name] for name in ADMIN_LOGIN_COLUMNS)).where(
    m.admin_users.c.id == bindparam("live_user_id"), LIVE)


def host_of() -> ReferenceHost:
    host: ReferenceHost = flask.current_app.extensions["oro_reference_host"]
    return host


def safe_next(target: str | None, default: str) -> str:
    """Only local paths are followed after a login (no open redirects).

    A target holding a control character (CR, LF, tab, NUL…) goes to ``default`` too: it is
    never a path of ours, and a ``Location`` header may not hold a line break.
    """
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
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
        flask.abort(400, _("The form has expired or did not come from this site. Reload the page "
                           "and try again."))


def admin_required(view: View) -> View:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if host_of().users.current().kind != "admin":
            flask.flash(_("Please log in to continue."), "info")
            return flask.redirect(flask.url_for("host_admin.login", next=flask.request.full_path))
        require_csrf()
        return view(*args, **kwargs)
    return wrapper


def customer_required(view: View) -> View:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if host_of().users.current().kind != "customer_user":
            flask.flash(_("Please log in to continue."), "info")
            return flask.redirect(flask.url_for("host_store.login", next=flask.request.full_path))
        require_csrf()
        return view(*args, **kwargs)
    return wrapper


def log_in(key: str, user_id: int) -> None:
    """Start a fresh session for the user (a new login session and CSRF token; the other
    area's login is kept)."""
    area, logins = AREAS[key], host_of().logins
    logins.end(flask.session.get(area.token_key))  # a login replaces this browser's earlier one
    others = [a for a in AREAS.values() if a is not area]
    keep = {k: v for k, v in flask.session.items()
            if any(k in (a.user_key, a.token_key) for a in others)}
    flask.session.clear()
    flask.session.update(keep)
    flask.session[area.user_key] = user_id
    flask.session[area.token_key] = logins.start(area.name, user_id)
    flask.g.pop("oro_host_user", None)


def log_out(key: str) -> None:
    """End the login session on the server, so that no copy of the cookie works any more."""
    area = AREAS[key]
    host_of().logins.end(flask.session.pop(area.token_key, None))
    flask.session.pop(area.user_key, None)
    flask.g.pop("oro_host_user", None)


def login_form(key: str, *, field: str, check: Callable[[str, str], Any], template: str, title: str,
               area: str, wrong: str, landing: str) -> ResponseReturnValue:
    """The login page of one area: checks the form, logs the user in, shows the form again on error.

    Too many failures for the account or the client address answer 429 with how long to wait.
    """
    host = host_of()
    error, status, headers = "", 200, {}
    form = flask.request.form
    if flask.request.method == "POST":
        login = form.get(field, "")
        account = account_key(AREAS[key].name, login)
        keys = (account, address_key(flask.request.remote_addr))
        wait = host.throttle.wait(keys)
        if not wait and not csrf_ok():
            error, status = _("The form has expired. Please try again."), 401
        elif not wait:
            row = check(login, form.get("password", ""))
            if row is not None:
                host.throttle.succeeded(account)
                log_in(key, row.id)
                return flask.redirect(safe_next(flask.request.args.get("next"), flask.url_for(landing)))
            host.throttle.failed(keys)
            wait = host.throttle.wait(keys)
            error, status = _(wrong), 401
        if wait:
            error, status = _(PluralMessage("Too many attempts; try again in %(num)d second.",
                                            "Too many attempts; try again in %(num)d seconds.", wait)), 429
            headers = {"Retry-After": str(wait)}
    fragment = flask.render_template(template, error=error, csrf_token=csrf_token(),
                                     **{field: form.get(field, "")})
    return host.layout.wrap(fragment, title=title, area=area), status, headers
