"""The website a storefront visitor is on.

The reference shop serves every website from one address, so the visitor picks the
website in the storefront's header; the choice is kept in a cookie (a preference, not a
login: it grants nothing). Until one is picked the request has no website, and settings
set per website do not apply to the Account menu and the invoice list (an invoice's own
pages always use the invoice's website).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flask
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from oro_invoices.domain.limits import parse_id
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.auth import host_of, require_csrf, safe_next
from oro_invoices.hosts.reference.language import _
from oro_invoices.hosts.reference.request_cache import remembered
from oro_invoices.persistence.engine import reading

if TYPE_CHECKING:  # pragma: no cover
    from oro_invoices.adapters.config_store import ScopeContext
    from oro_invoices.hosts.reference.reference import ReferenceHost

COOKIE = "host_website"
COOKIE_MAX_AGE = 365 * 24 * 3600

bp = flask.Blueprint("host_website", __name__)


def current_website(host: ReferenceHost) -> int | None:
    """The id of the website the visitor picked, or None (none picked, or it no longer exists)."""
    if not flask.has_request_context():
        return None
    website_id = parse_id(flask.request.cookies.get(COOKIE))
    if website_id is None or website_id not in dict(website_choices(host)):
        return None
    return website_id


def website_choices(host: ReferenceHost) -> list[tuple[int, str]]:
    """The websites the visitor may pick, as (id, name), by name: a signed-in customer user's
    organization's (another organization's website and its settings are not theirs to use),
    every website for anyone else."""
    user = host.users.current() if flask.has_request_context() else None
    return _websites(host, user.organization_id if user is not None and user.kind == "customer_user" else None)


def _websites(host: ReferenceHost, organization_id: int | None) -> list[tuple[int, str]]:
    """The websites of ``organization_id`` (None: all), as (id, name), by name; every website
    is read once per request, whichever organizations the page asks for."""
    def read() -> list[tuple[int, int, str]]:
        with reading(host.engine) as conn:
            return [(id_, org, name) for id_, org, name in conn.execute(_WEBSITES)]
    return [(id_, name) for id_, org, name in remembered("websites", None, read)
            if organization_id is None or org == organization_id]


_WEBSITES = select(m.websites.c.id, m.websites.c.organization_id, m.websites.c.name).order_by(
    m.websites.c.name, m.websites.c.id)


def admin_websites(host: ReferenceHost, scope: ScopeContext) -> list[tuple[int, str]]:
    """The back-office grid's Website filter: the websites of the admin's organization (every
    website for an admin of none)."""
    return _websites(host, scope.organization_id)


def website_name(host: ReferenceHost, website_id: int) -> str:
    """A website's name for the grid (``Website #id`` when it no longer exists)."""
    return dict(_websites(host, None)).get(website_id) or _("Website #%(id)s", id=website_id)


@bp.route("/website", methods=["POST"])
def choose() -> ResponseReturnValue:
    """Remember the website picked in the header (an empty choice forgets it)."""
    require_csrf()
    host = host_of()
    raw = flask.request.form.get("website_id", "")
    website_id = parse_id(raw)
    if raw and website_id not in dict(website_choices(host)):
        flask.abort(400, _("There is no such website. Pick one from the list."))
    response = flask.redirect(safe_next(flask.request.form.get("next"),
                                        flask.url_for("host_store.home")))
    if website_id is None:
        response.delete_cookie(COOKIE)
    else:
        response.set_cookie(COOKIE, str(website_id), max_age=COOKIE_MAX_AGE, httponly=True,
                            samesite="Lax", secure=bool(flask.current_app.config.get(
                                "SESSION_COOKIE_SECURE")))
    return response


def request_website(_request: Any) -> int | None:
    """``WebContext.storefront_website`` for the add-on's pages."""
    return current_website(host_of())
