"""The reference host's storefront: home, customer login, My Profile, order history."""
from __future__ import annotations

import flask

from oro_invoices.hosts.reference import models as m
from oro_invoices.hosts.reference.auth import (
    CUSTOMER_KEY,
    csrf_token,
    customer_required,
    host_of,
    log_out,
    login_form,
)

bp = flask.Blueprint("host_store", __name__)


def page(template: str, title: str, **values) -> str:
    fragment = flask.render_template(template, csrf_token=csrf_token(), **values)
    return host_of().layout.wrap(fragment, title=title, area="storefront")


@bp.route("/")
def home():
    return page("store_home.html", "Welcome", user=host_of().users.current())


@bp.route("/customer/login", methods=["GET", "POST"])
def login():
    return login_form(CUSTOMER_KEY, field="email", check=host_of().records.check_customer_user,
                      template="store_login.html", title="Sign in", area="storefront",
                      wrong="Invalid email or password.", landing="host_store.account")


@bp.route("/customer/logout", methods=["POST"])
@customer_required
def logout():
    log_out(CUSTOMER_KEY)
    flask.flash("You have been signed out.", "info")
    return flask.redirect(flask.url_for("host_store.home"))


@bp.route("/customer/account")
@customer_required
def account():
    host = host_of()
    user = host.users.current()
    ref = host.customers.get_customer_user(user.customer_user_id)
    customer = host.customers.get_customer(ref.customer_id)
    return page("store_account.html", "My Profile", ref=ref, customer=customer)


@bp.route("/customer/orders")
@customer_required
def orders():
    host = host_of()
    ref = host.customers.get_customer_user(host.users.current().customer_user_id)
    rows = host.records.rows(m.orders, m.orders.c.customer_user_id == ref.id,
                             order_by=m.orders.c.id.desc())
    return page("store_orders.html", "Order History", orders=rows)


@bp.route("/customer/orders/<int:order_id>")
@customer_required
def order(order_id: int):
    host = host_of()
    ref = host.customers.get_customer_user(host.users.current().customer_user_id)
    snapshot = host.orders.get(order_id)
    if snapshot is None or snapshot.customer_id != ref.customer_id:
        flask.abort(404)
    return page("store_order.html", f"Order {snapshot.identifier}", order=snapshot)
