"""The reference host's storefront: home, customer login, My Profile, order history."""
from __future__ import annotations

from typing import Any

import flask
from flask.typing import ResponseReturnValue

from oro_invoices.adapters.commerce import CustomerUserRef, InvoiceRole, OrderSnapshot
from oro_invoices.domain.messages import N_
from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.auth import (
    CUSTOMER_KEY,
    csrf_token,
    customer_required,
    host_of,
    log_out,
    login_form,
)
from oro_invoices.hosts.reference.language import _

bp = flask.Blueprint("host_store", __name__)


def page(template: str, title: str, **values: Any) -> str:
    fragment = flask.render_template(template, csrf_token=csrf_token(), **values)
    return host_of().layout.wrap(fragment, title=title, area="storefront")


def logged_in_customer_user() -> CustomerUserRef:
    """The customer user of the request (behind ``customer_required``); 404 if it is gone."""
    host = host_of()
    user_id = host.users.current().customer_user_id
    ref = host.customers.get_customer_user(user_id) if user_id is not None else None
    if ref is None:
        flask.abort(404)
    return ref


@bp.route("/")
def home() -> ResponseReturnValue:
    return page("store_home.html", _("Welcome"), user=host_of().users.current())


@bp.route("/customer/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    return login_form(CUSTOMER_KEY, field="email", check=host_of().records.check_customer_user,
                      template="store_login.html", title=_("Sign in"), area="storefront",
                      wrong=N_("Invalid email or password."), landing="host_store.account")


@bp.route("/customer/logout", methods=["POST"])
@customer_required
def logout() -> ResponseReturnValue:
    log_out(CUSTOMER_KEY)
    flask.flash(_("You have been signed out."), "info")
    return flask.redirect(flask.url_for("host_store.home"))


@bp.route("/customer/account")
@customer_required
def account() -> ResponseReturnValue:
    from dataclasses import replace

    from oro_invoices.hosts.reference.storefront_website import current_website
    from oro_invoices.integration.config import Settings
    from oro_invoices.integration.features import STOREFRONT, is_enabled
    host = host_of()
    ref = logged_in_customer_user()
    customer = host.customers.get_customer(ref.customer_id)
    ctx = replace(host.scope_for(host.users.current()), website_id=current_website(host))
    return page("store_account.html", _("My Profile"), ref=ref, customer=customer,
                invoices_shown=is_enabled(Settings(host.config), STOREFRONT, ctx))


@bp.route("/customer/orders")
@customer_required
def orders() -> ResponseReturnValue:
    host = host_of()
    ref = logged_in_customer_user()
    rows = host.records.rows(m.orders, m.orders.c.customer_user_id == ref.id,
                             order_by=m.orders.c.id.desc())
    return page("store_orders.html", _("Order History"), orders=rows)


@bp.route("/customer/orders/<int:order_id>")
@customer_required
def order(order_id: int) -> ResponseReturnValue:
    host = host_of()
    ref = logged_in_customer_user()
    snapshot = host.orders.get(order_id)
    if snapshot is None or not may_open(ref, snapshot):
        flask.abort(404)
    return page("store_order.html", _("Order %(number)s", number=snapshot.identifier), order=snapshot)


def may_open(ref: CustomerUserRef, order: OrderSnapshot) -> bool:
    """Whether ``ref`` may open ``order``: one they placed (their Order History lists it); with
    the department or corporate role any order of a customer whose invoices they see; with the
    own role also the order of an invoice of theirs, so that an invoice's order link opens for
    whoever sees the invoice, and a colleague's order stays closed."""
    if order.customer_user_id == ref.id and order.customer_id == ref.customer_id:
        return True
    if ref.invoice_role in (InvoiceRole.DEPARTMENT, InvoiceRole.CORPORATE):
        return order.customer_id in customers_seen_by(ref)
    if ref.invoice_role is InvoiceRole.OWN and order.customer_id == ref.customer_id:
        extension = flask.current_app.extensions.get("oro_invoices")
        theirs = {"status": "posted", "order_id": order.id, "customer_id": ref.customer_id,
                  "customer_user_id": ref.id}
        return extension is not None and bool(extension.service.list_invoices(theirs, limit=1).items)
    return False


def customers_seen_by(ref: CustomerUserRef) -> set[int]:
    """The customers whose orders ``ref`` may open with the department or corporate role: their
    own, and with the corporate role every sub-customer's too (as their invoices, so an invoice's
    order link always opens)."""
    seen = {ref.customer_id}
    if ref.invoice_role is InvoiceRole.CORPORATE:
        seen.update(c.id for c in host_of().customers.descendants(ref.customer_id))
    return seen
