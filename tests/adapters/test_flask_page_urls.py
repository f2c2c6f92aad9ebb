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
