"""The Flask adapter's URLs of the add-on's pages are exactly the ones ``flask.url_for`` builds."""
from __future__ import annotations

import flask
import pytest

from oro_invoices.web.pages import ROUTES

PARAMS = {"invoice_id": 42, "email_id": 7, "transaction_id": 9000000000, "order_id": 3, "note_id": 5, "index": 1,
          "token": "a b/c", "attempt": "x", "method": "stripe"}


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://localhost/shop"])
def test_every_page_url_is_the_one_flask_builds(shop, base_url):
    app = shop[0]
    invoices = app.extensions["oro_invoices"]
    with app.test_request_context("/", base_url=base_url):
        for route in invoices.mount.routes:
            params = {name: PARAMS[name] for _conv, name in route.params}
            assert invoices.url_for(route.endpoint, **params) \
                == flask.url_for(route.endpoint, **params), route.endpoint
            extra = {**params, "dialog": "email"}  # a query string: always Flask's own
            assert invoices.url_for(route.endpoint, **extra) == flask.url_for(route.endpoint, **extra)
    assert {r.endpoint for r in ROUTES} == {r.endpoint for r in invoices.mount.routes}


def test_a_url_default_of_the_host_is_applied_to_page_urls(shop):
    app = shop[0]

    @app.url_defaults
    def add_language(endpoint, values):
        if endpoint == "oro_invoices.admin.view":
            values.setdefault("lang", "de")

    with app.test_request_context("/"):
        assert app.extensions["oro_invoices"].url_for("oro_invoices.admin.view", invoice_id=5) \
            == "/admin/invoices/5?lang=de"


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://localhost/shop"])
def test_a_url_maker_writes_the_url_flask_builds_for_each_row(shop, base_url):
    app = shop[0]
    ctx = app.extensions["oro_invoices"].ctx
    with app.test_request_context("/", base_url=base_url):
        view = ctx.url_maker("oro_invoices.admin.view", "invoice_id")
        delete = ctx.url_maker("oro_invoices.admin.view", "invoice_id", dialog="delete")
        note = ctx.url_maker("oro_invoices.admin.delete_note", "note_id", invoice_id=42)
        for row_id in (1, 7, 90, 123456789012):
            assert view(row_id) == flask.url_for("oro_invoices.admin.view", invoice_id=row_id)
            assert delete(row_id) == flask.url_for("oro_invoices.admin.view", invoice_id=row_id, dialog="delete")
            assert note(row_id) == flask.url_for("oro_invoices.admin.delete_note", invoice_id=42, note_id=row_id)


def test_a_url_maker_asks_for_each_url_where_the_value_is_not_in_it_alone(shop):
    """A host whose URLs carry the value encoded or twice gets its own URL for every row."""
    ctx = shop[0].extensions["oro_invoices"].ctx
    saved = ctx.url_builder
    ctx.url_builder = lambda endpoint, **params: f"/rows/{params['invoice_id']}/again/{params['invoice_id']}"
    try:
        assert ctx.url_maker("oro_invoices.admin.view", "invoice_id")(5) == "/rows/5/again/5"
    finally:
        ctx.url_builder = saved


@pytest.mark.parametrize(("debug", "setting", "reloads"), [
    (False, None, False), (True, None, True), (False, True, True), (True, False, False)])
def test_the_pages_templates_are_read_again_when_flask_says_so(debug, setting, reloads):
    from oro_invoices.adapters.flask import templates_reload
    app = flask.Flask(__name__)
    app.debug = debug
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    assert templates_reload(app) is reloads
    assert app.create_jinja_environment().auto_reload is reloads  # Flask's own templates alike


def test_the_reference_shops_layouts_are_read_again_when_its_pages_are(shop):
    from oro_invoices.adapters.flask import templates_reload
    app = shop[0]
    layouts = app.extensions["oro_reference_host"].layout.env
    assert layouts.auto_reload is templates_reload(app) is app.extensions["oro_invoices"].ctx.env.auto_reload


def test_the_static_url_is_the_one_flask_builds_under_each_root_and_with_url_defaults(shop):
    app = shop[0]
    invoices = app.extensions["oro_invoices"]
    for base_url in ("http://localhost/", "http://localhost/shop", "http://localhost/"):
        with app.test_request_context("/", base_url=base_url):
            assert invoices.static_url("oro_invoices.css") \
                == flask.url_for("oro_invoices.static", filename="oro_invoices.css")

    @app.url_defaults
    def bust_caches(endpoint, values):
        if endpoint == "oro_invoices.static":
            values.setdefault("v", "2")

    with app.test_request_context("/"):
        assert invoices.static_url("oro_invoices.css") == "/oro-invoices/static/oro_invoices.css?v=2" \
            == flask.url_for("oro_invoices.static", filename="oro_invoices.css")
