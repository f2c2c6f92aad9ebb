"""The reference host's back-office: login, dashboard, orders (with tabs), customers."""
from __future__ import annotations

from typing import Any

import flask
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import ColumnElement, Table, func, select

from oro_invoices.adapters.config_store import ScopeContext
from oro_invoices.domain.messages import N_
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.auth import (
    ADMIN_KEY,
    admin_required,
    csrf_token,
    host_of,
    log_out,
    login_form,
)
from oro_invoices.hosts.reference.language import _
from oro_invoices.persistence.engine import reading

bp = flask.Blueprint("host_admin", __name__, url_prefix="/admin")


def page(template: str, title: str, **values: Any) -> str:
    fragment = flask.render_template(template, csrf_token=csrf_token(), **values)
    return host_of().layout.wrap(fragment, title=title, area="backoffice")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    return login_form(ADMIN_KEY, field="username", check=host_of().records.check_admin,
                      template="admin_login.html", title=_("Log in"), area="backoffice",
                      wrong=N_("Invalid user name or password."), landing="host_admin.dashboard")


@bp.route("/logout", methods=["POST"])
@admin_required
def logout() -> ResponseReturnValue:
    log_out(ADMIN_KEY)
    flask.flash(_("You have been logged out."), "info")
    return flask.redirect(flask.url_for("host_admin.login"))


def of_organization(table: Table, organization_id: int | None) -> list[ColumnElement[bool]]:
    """What keeps ``table``'s rows to an admin's organization: nothing for an admin of no
    organization, who sees every organization's, as they see every invoice."""
    return [] if organization_id is None else [table.c.organization_id == organization_id]


@bp.route("/")
@admin_required
def dashboard() -> ResponseReturnValue:
    host = host_of()
    user = host.users.current()
    org = user.organization_id
    with reading(host.engine) as c:
        orders = c.execute(select(func.count()).select_from(m.orders)
                           .where(*of_organization(m.orders, org))).scalar_one()
        customers = c.execute(select(func.count()).select_from(m.customers)
                              .where(*of_organization(m.customers, org))).scalar_one()
    org_name = host.records.name_of(m.organizations, org, "")
    shortcuts = host.menu.visible(host.scope_for(user))
    return page("admin_dashboard.html", _("Dashboard"), orders=orders, customers=customers,
                organization=org_name, shortcuts=shortcuts, user=user)


@bp.route("/orders")
@admin_required
def orders() -> ResponseReturnValue:
    host = host_of()
    org = host.users.current().organization_id
    rows = host.records.rows(m.orders, *of_organization(m.orders, org), order_by=m.orders.c.id.desc())
    customers = {r.id: r.name for r in host.records.rows(m.customers)}
    return page("admin_orders.html", _("Orders"), orders=rows, customers=customers)


@bp.route("/orders/<int:order_id>")
@admin_required
def order(order_id: int) -> ResponseReturnValue:
    host = host_of()
    user = host.users.current()
    snapshot = host.orders.get(order_id)
    if snapshot is None or user.organization_id not in (None, snapshot.organization_id):
        flask.abort(404)
    tabs = host.order_view.visible_tabs(ScopeContext(organization_id=snapshot.organization_id,
                                                     website_id=snapshot.website_id))
    active = flask.request.args.get("tab", "general")
    tab_html = None
    if active != "general":
        tab = next((t for t in tabs if t.key == active), None)
        if tab is None:
            flask.abort(404)
        tab_html = _tab_content(tab.endpoint, order_id)
    customer = host.customers.get_customer(snapshot.customer_id) if snapshot.customer_id else None
    buyer = host.customers.get_customer_user(snapshot.customer_user_id) \
        if snapshot.customer_user_id else None
    return page("admin_order.html", _("Order %(number)s", number=snapshot.identifier), order=snapshot, tabs=tabs,
                active=active, tab_html=tab_html, customer=customer, buyer=buyer,
                website=host.records.name_of(m.websites, snapshot.website_id, ""))


def _tab_content(endpoint: str, order_id: int) -> Markup:
    """A registered tab's content: the add-on's page handler, unwrapped."""
    ext = flask.current_app.extensions.get("oro_invoices")
    if ext is None or endpoint not in ext.pages.routes:
        return Markup("<p>This tab is not available.</p>")
    resp = ext.fragment(endpoint, order_id=order_id)
    if resp.status != 200:
        return Markup("<p>This tab is not available.</p>")
    return Markup(resp.text())


@bp.route("/customers")
@admin_required
def customers() -> ResponseReturnValue:
    host = host_of()
    org = host.users.current().organization_id
    rows = host.records.rows(m.customers, *of_organization(m.customers, org), order_by=m.customers.c.name)
    names = {r.id: r.name for r in rows}
    groups = {r.id: r.name for r in host.records.rows(m.customer_groups)}
    users = host.records.rows(m.customer_users,
                              m.customer_users.c.customer_id.in_(list(names) or [0]))
    return page("admin_customers.html", _("Customers"), customers=rows, names=names, groups=groups,
                users=users)
