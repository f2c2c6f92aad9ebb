"""The one-file example hosts of docs/web.md run: log in, see invoices, the order tab, the API."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> ModuleType:
    path = ROOT / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Browser:
    """The same steps for both frameworks' test clients."""

    def __init__(self, kind: str, app):
        self.kind = kind
        if kind == "flask":
            self.client = app.test_client()
        else:
            from starlette.testclient import TestClient
            self.client = TestClient(app, follow_redirects=False)

    def get(self, url: str, **headers: str) -> tuple[int, str, dict]:
        resp = self.client.get(url, headers=headers)
        text = resp.get_data(as_text=True) if self.kind == "flask" else resp.text
        return resp.status_code, text, {k.lower(): v for k, v in resp.headers.items()}

    def post(self, url: str, data: dict) -> tuple[int, dict]:
        resp = self.client.post(url, data=data)
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}

    def log_in(self, path: str, field: str, name: str, password: str, next_: str) -> str:
        status, page, _ = self.get(f"{path}?next={next_}")
        token = re.search(r"name='csrf_token' value='([^']+)'", page).group(1)
        status, headers = self.post(f"{path}?next={next_}",
                                    {field: name, "password": password, "csrf_token": token})
        assert status == 303, status
        return headers["location"]


@pytest.fixture(params=["flask", "starlette"])
def shop(request, tmp_path):
    module = load(f"{request.param}_host")
    app = module.create_app(database_url=f"sqlite:///{tmp_path / 'invoices.db'}",
                            storage_url=(tmp_path / "pdf").as_uri(), secret_key="s3cret")
    state = app.extensions["oro_invoices"] if request.param == "flask" else app.state.oro_invoices
    state.settings.set("oro_invoices.enabled", True)
    state.settings.set("oro_invoices.storefront_enabled", True)
    host = state.host
    acme = next(iter(host.customers.customers.values()))
    buyer = next(iter(host.customers.users.values()))
    order = next(iter(host.orders.items.values()))
    invoice = state.service.create({
        "invoice_date": "2026-11-02", "due_date": "2026-12-02", "currency": "USD",
        "organization_id": 1, "customer_id": acme.id, "customer_user_id": buyer.id,
        "order_id": order.id, "bill_to": {"name": "ACME", "street": "1 Main St",
                                          "city": "Springfield", "country": "US"},
        "lines": [{"description": "Widget", "quantity": "2", "unit_price": "19.99"}]})
    posted = state.service.post(invoice.id, pdf=b"%PDF-1.4 example")
    yield Browser(request.param, app), posted, order
    state.addon.close()


def test_admin_logs_in_and_sees_the_invoice_and_the_order_tab(shop):
    browser, posted, order = shop
    status, _, headers = browser.get("/admin/invoices")
    assert status == 302 and headers["location"] == "/admin/login?next=/admin/invoices"
    status, login_page, _ = browser.get("/admin/login")
    assert "Please log in to continue." in login_page
    assert browser.log_in("/admin/login", "username", "admin", "admin",
                          "/admin/invoices") == "/admin/invoices"
    status, grid, _ = browser.get("/admin/invoices")
    assert status == 200 and posted.display_number in grid
    assert 'data-key="oro_invoices.invoices" href="/admin/invoices"' in grid  # Sales > Invoices
    status, page, _ = browser.get(f"/admin/orders/{order.id}")
    assert status == 200 and "data-tab='oro_invoices.order_invoices'" in page
    assert posted.display_number in page
    status, css, _ = browser.get("/oro-invoices/static/oro_invoices.css")
    assert status == 200 and ".oi" in css


def test_buyer_sees_account_invoices_and_downloads(shop):
    browser, posted, _ = shop
    browser.log_in("/login", "email", "buyer@acme.test", "buyer", "/customer/invoices")
    status, listing, _ = browser.get("/customer/invoices")
    assert status == 200 and posted.display_number in listing
    assert 'data-key="oro_invoices.account_invoices" href="/customer/invoices"' in listing
    status, pdf, headers = browser.get(f"/customer/invoices/{posted.id}/download")
    assert status == 200 and headers["content-type"] == "application/pdf"


def test_api_answers_with_the_token(shop):
    browser, posted, _ = shop
    assert browser.get("/api/invoices")[0] == 401
    status, body, _ = browser.get(f"/api/invoices/{posted.id}", Authorization="Bearer erp-token")
    assert status == 200 and posted.invoice_number in body
