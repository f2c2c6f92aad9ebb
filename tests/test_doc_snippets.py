"""The Python examples a host developer copies from docs/ run as written.

Each snippet is taken from its page by its first line and run with the names it leaves to the
reader (``my_host``, ``service`` …) given, and its placeholders (a PostgreSQL URL, a folder under
/var/lib, ``[...your routes...]``) swapped for a throwaway SQLite file and folder; then what it
built is checked. (README.md's example: test_readme.py; events.md's: test_event_delivery.py;
adapters.md's worked adapter: kit/test_conformance_kit.py.)
"""
from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from oro_invoices.adapters import OrderLine
from oro_invoices.composition import AddonConfig, build_addon
from oro_invoices.domain.invoice import Address
from oro_invoices.hosts.memory import MemoryHost
from oro_invoices.integration import profile

DOCS = Path(__file__).resolve().parents[1] / "docs"


def snippet(page: str, first_line: str, swaps: Mapping[str, str] = {}) -> str:
    """The one ```python block of ``page`` that starts with ``first_line``, each swap made."""
    blocks = [b for b in re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)
              if b.startswith(first_line)]
    assert len(blocks) == 1, f"{page}: {len(blocks)} python blocks start with {first_line!r}"
    code = blocks[0]
    for old, new in swaps.items():
        assert old in code, f"{page}: the snippet no longer has {old!r}"
        code = code.replace(old, new)
    return code


def run(page: str, first_line: str, namespace: dict[str, Any], swaps: Mapping[str, str] = {}) -> dict[str, Any]:
    exec(compile(snippet(page, first_line, swaps), f"docs/{page}", "exec"), namespace)
    return namespace


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    """The snippets' database and PDF folder, swapped for throwaway ones."""
    return {"postgresql://shop@db/shop": f"sqlite:///{tmp_path / 'shop.db'}",
            "file:///var/lib/shop/invoice-pdf": (tmp_path / "pdf").as_uri()}


def shop_with_order() -> tuple[MemoryHost, int]:
    host = MemoryHost()
    customer = host.add_customer("Cogs Ltd")
    order = host.add_order(currency="EUR", customer_id=customer.id, lines=[OrderLine(
        description="Hammer", quantity=Decimal("3"), unit_price=Decimal("12.50"), tax_rate=Decimal("0.2"),
        sku="H-1")], bill_to=Address(name="Cogs Ltd", street="1 Gear St", city="Leeds", country="GB"))
    return host, order.id


def test_the_numbering_plugin_of_hooks_md_numbers_a_posted_invoice(places: dict[str, str]) -> None:
    plugin = types.ModuleType("my_numbers")
    run("hooks.md", "from oro_invoices.integration.plugins import hookimpl", plugin.__dict__)
    host, order_id = shop_with_order()
    addon = build_addon(AddonConfig(database_url=places["postgresql://shop@db/shop"], storage_url=None,
                                    migrate=True, plugins=(plugin,)), host=host)
    try:
        today = addon.invoices.clock().date()
        draft = addon.invoices.create_from_order(order_id, actor="admin", invoice_date=today,
                                                 due_date=today + dt.timedelta(days=30))
        posted = addon.invoices.post(draft.id, actor="admin")
        assert posted.invoice_number == f"INV-{posted.posted_at:%y}000001"
    finally:
        addon.close()


def test_the_service_md_examples_invoice_an_order_in_parts_and_batch_a_posting(places: dict[str, str]) -> None:
    host, order_id = shop_with_order()
    addon = build_addon(AddonConfig(database_url=places["postgresql://shop@db/shop"], storage_url=None,
                                    migrate=True), host=host)
    try:
        ns = run("service.md", "from oro_invoices.services.order_invoicing import order_payload",
                 {"dt": dt, "host": host, "service": addon.invoices, "order_id": order_id})
        assert [str(line.quantity) for line in ns["invoice"].lines] == ["2"]
        assert ns["invoice"].external_id.startswith("ERP-")
        run("service.md", "for line in service.order_invoicing.invoiced_lines(order):", ns)
        assert ns["rest"] == {1: Decimal("1")}
        assert [line.remaining for line in addon.invoices.order_invoicing.invoiced_lines(ns["order"])] == [0]
        ns["payload"].pop("external_id")     # a second invoice of the same order
        run("service.md", "with service.atomic() as batch:", ns)
        assert addon.invoices.get(ns["draft"].id).invoice_number
    finally:
        addon.close()


def test_the_composition_root_and_install_examples_of_adapters_md(places: dict[str, str]) -> None:
    my_host = MemoryHost()
    ns = run("adapters.md", "from oro_invoices.composition import AddonConfig, build_addon",
             {"my_host": my_host}, {**places, "    migrate=True), host=my_host)": "    migrate=True), host=my_host)\n"
                                    "built = addon"})
    assert ns["built"].host is my_host and ns["built"].settings.store is my_host.config

    addon = build_addon(AddonConfig(database_url=places["postgresql://shop@db/shop"], storage_url=None,
                                    migrate=True), host=MemoryHost())
    ns = run("adapters.md", "from oro_invoices.adapters import load_host", {"addon": addon},
             {'load_host("myshop")': 'load_host("memory")'})
    assert ns["host"].menu.entries() == [] and list(ns["host"].config.stored("oro_invoices.")) == []
    addon.close()


def test_the_asgi_mounting_example_of_web_md_serves_the_pages(places: dict[str, str]) -> None:
    from starlette.testclient import TestClient

    from oro_invoices.web.api import ApiClient
    ns = run("web.md", "from starlette.applications import Starlette",
             {"MyShopHost": MemoryHost, "my_token_lookup": {"t": ApiClient("erp", 1)}.get},
             {**places, "[...your routes...]": "[]"})
    try:
        assert ns["invoices"].url_for("oro_invoices.admin.index") == "/admin/invoices"
        with TestClient(ns["app"]) as client:
            assert client.get("/api/invoices", headers={"Authorization": "Bearer t"}).status_code == 404  # invoices off
            assert client.get("/oro-invoices/static/oro_invoices.css").status_code == 200
    finally:
        ns["addon"].close()


def test_the_flask_mounting_example_of_web_md_builds_the_app(places: dict[str, str]) -> None:
    from oro_invoices.web.api import ApiClient
    ns = run("web.md", "from flask import Flask",
             {"__name__": "shop", "MyShopHost": lambda app: MemoryHost(), "my_token_lookup": {"t": ApiClient("erp", 1)}.get},
             {**places, 'SECRET_KEY="…"': 'SECRET_KEY="doc-snippet"'})
    app = ns["create_app"]()
    try:
        ext = app.extensions["oro_invoices"]
        client, token = app.test_client(), {"Authorization": "Bearer t"}
        assert client.get("/api/invoices", headers=token).status_code == 404  # off until enabled
        ext.settings.set("oro_invoices.enabled", True)
        resp = client.post("/api/invoices/999/send", headers=token, json={})
        # the API has the mail service: without it, "Email is not configured here" comes first
        assert (resp.status_code, resp.json) == (404, {"errors": [{"field": "", "message": "Invoice 999 does not exist."}]})
    finally:
        ext.service.db.dispose()


def test_the_mounting_example_of_web_md_builds_the_pages(places: dict[str, str]) -> None:
    from oro_invoices.web.mounting import PageMount, build_context, compose
    from oro_invoices.web.sessions import SessionCsrf
    host = MemoryHost()
    profile.install(host)
    addon = build_addon(AddonConfig(database_url=places["postgresql://shop@db/shop"], storage_url=None,
                                    migrate=True), host=host)
    try:
        ns = run("web.md", "mount: PageMount | None = None",
                 {"PageMount": PageMount, "build_context": build_context, "SessionCsrf": SessionCsrf,
                  "services": compose(host, addon=addon), "host": host,
                  "my_login_url": lambda area, request: "/login"})
        mount = ns["mount"]
        assert mount.url_for("oro_invoices.admin.view", invoice_id=5) == "/admin/invoices/5"
        assert mount.url_for("oro_invoices.storefront.index") == "/customer/invoices"
        assert ns["ctx"].url_builder("oro_invoices.admin.index") == "/admin/invoices"
    finally:
        addon.close()


def test_the_api_example_of_api_md_mounts_the_api_with_its_mail(places: dict[str, str]) -> None:
    from flask import Flask

    from oro_invoices.web.api import ApiClient
    addon = build_addon(AddonConfig(database_url=places["postgresql://shop@db/shop"], storage_url=None,
                                    migrate=True), host=MemoryHost())
    app = Flask("shop")
    try:
        ns = run("api.md", "from oro_invoices.adapters.flask.api import make_api_blueprint",
                 {"app": app, "addon": addon, "TOKENS": {"t": ApiClient("erp", 1)}})
        assert ns["api"].mail is addon.mail
        addon.settings.set("oro_invoices.enabled", True)
        resp = app.test_client().get("/api/invoices", headers={"Authorization": "Bearer t"})
        assert resp.status_code == 200 and resp.json["data"] == []
    finally:
        addon.close()
