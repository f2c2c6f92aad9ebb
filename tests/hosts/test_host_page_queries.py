"""SQL statements per page: bounded, and the same for 5 rows as for 25.

Counted on both engines (the add-on's and the reference host's) with SQLAlchemy's
``before_cursor_execute``; transaction control (``BEGIN`` …) is not a statement
read or written, and only SQLite's driver sends it through this event.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from sqlalchemy import event

from oro_invoices.hosts.reference.testing import ShopClient
from oro_invoices.integration.config import Settings

MAX_STATEMENTS = 8
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
ACME_USERS = ("amanda.cole@acme.example", "ben.ortiz@acme.example", "carla.nguyen@acme.example",
              "no.access@acme.example")


@contextlib.contextmanager
def counted(app):
    """The SQL statements sent on both engines while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    engines = (app.extensions["oro_reference_host"].engine,
               app.extensions["oro_invoices"].service.db.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def statements(client: ShopClient, url: str) -> tuple[int, str]:
    """How many statements one GET of ``url`` sends (after a first GET), and its page."""
    assert client.get(url).status_code == 200
    with counted(client.app) as seen:
        resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return len(seen), resp.get_data(as_text=True)


def rows(html: str) -> int:
    return len(re.findall(r'<tr data-invoice-id="\d+">', html))


def add_acme_invoices(shop, count: int) -> None:
    """``count`` posted invoices of Acme, their buyers taken in turn from Acme's four users."""
    app, info = shop
    service = app.extensions["oro_invoices"].service
    users = {u["email"]: u["id"] for u in info["customer_users"]}
    acme = next(c for c in info["customers"] if c["name"] == "Acme Industries AG")
    bill_to = {"name": "Accounts Payable", "street": "Industriestraße 5", "city": "Stuttgart",
               "postal_code": "70565", "country": "DE"}
    for n in range(count):
        day = dt.date.today() - dt.timedelta(days=n)
        doc = service.create({
            "external_id": f"QRY-{n}", "invoice_date": day.isoformat(),
            "due_date": (day + dt.timedelta(days=30)).isoformat(), "bill_to": bill_to,
            "currency": "EUR", "organization_id": acme["organization_id"], "customer_id": acme["id"],
            "customer_user_id": users[ACME_USERS[n % len(ACME_USERS)]],
            "lines": [{"description": "Bolts", "quantity": "1", "unit_price": "10.00", "tax_rate": "0.19"}],
        }, actor="test")
        service.post(doc.id, actor="test")


@pytest.fixture
def buyer(shop):
    client = ShopClient(shop[0])
    client.login_customer("ben.ortiz@acme.example")  # department: Acme's invoices
    return client


@pytest.mark.parametrize("page", ["grid", "storefront"])
def test_statements_per_page_are_bounded_and_do_not_grow_with_rows(shop, admin, buyer, page):
    client, url = (admin, "/admin/invoices") if page == "grid" else (buyer, "/customer/invoices")
    few, html = statements(client, url)
    shown_before = rows(html)
    add_acme_invoices(shop, 25)
    many, html = statements(client, url)
    assert shown_before < 25 and rows(html) == 25
    assert many <= MAX_STATEMENTS, f"{page}: {many} statements for 25 rows"
    assert many == few, f"{page}: {few} statements for {shown_before} rows, {many} for 25"


def test_customer_user_names_of_every_row_are_shown(shop, admin):
    add_acme_invoices(shop, 8)
    html = admin.get("/admin/invoices").get_data(as_text=True)
    for name in ("Amanda Cole", "Ben Ortiz", "Carla Nguyen", "Nate Noaccess"):
        assert html.count(f"<td>{name}</td>") >= 2


def test_a_setting_changed_between_requests_is_seen_by_the_next_one(shop, admin):
    assert admin.get("/admin/invoices").status_code == 200
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.enabled", False)
    assert admin.get("/admin/invoices").status_code == 404  # switched off: no such page
    Settings(shop[0].extensions["oro_reference_host"].config).set("oro_invoices.enabled", True)
    assert admin.get("/admin/invoices").status_code == 200
