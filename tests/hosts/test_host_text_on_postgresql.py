"""The reference shop on PostgreSQL, which refuses any statement holding a NUL: text a visitor
or an admin sends with one is answered as bad input, never with a 500. (SQLite stores a NUL, so
only this database shows the difference.)"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask
import pytest
from support.variant import pg_database

from oro_invoices.hosts.reference.testing import ShopClient, text_of

pytestmark = pytest.mark.slow

NUL = "pasted\x00text"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flask.Flask]:
    from oro_invoices.hosts.reference.app import create_app
    from oro_invoices.hosts.reference.seed import seed
    with pg_database() as url:
        app = create_app(tmp_path_factory.mktemp("pg-shop"), database_url=url, testing=True)
        seed(app)
        yield app
        app.extensions["oro_reference_host"].engine.dispose()
        app.extensions["oro_invoices"].service.db.dispose()


@pytest.fixture
def admin(shop: flask.Flask) -> ShopClient:
    client = ShopClient(shop)
    client.login_admin()
    return client


def said(client: ShopClient, resp: Any) -> str:
    """The page an answer shows, following its redirect."""
    if resp.status_code in (302, 303):
        resp = client.get(resp.headers["Location"])
    return text_of(resp.get_data(as_text=True))


def invoice(client: ShopClient, external_id: str) -> int:
    found = client.service.find_id(external_id=external_id)
    assert found is not None
    return int(found)


@pytest.mark.parametrize(("login", "field", "values"), [
    ("/admin/login", "username", {"username": NUL, "password": "admin1234"}),
    ("/customer/login", "email", {"email": "ben.ortiz@acme.example\x00", "password": "demo1234"}),
])
def test_a_login_with_a_nul_is_a_wrong_login(shop, login, field, values):
    client = ShopClient(shop)
    resp = client.submit(login, login, values)
    assert resp.status_code == 401
    assert "Invalid" in text_of(resp.get_data(as_text=True))


def test_the_grid_and_the_storefront_name_a_nul_in_a_filter(shop, admin):
    resp = admin.get("/admin/invoices?number=INV%00")
    assert resp.status_code == 422 and "Must not contain NUL" in text_of(resp.get_data(as_text=True))
    buyer = ShopClient(shop)
    buyer.login_customer("ben.ortiz@acme.example")
    resp = buyer.get("/customer/invoices?number=INV%00")
    assert resp.status_code == 422 and "Must not contain NUL" in text_of(resp.get_data(as_text=True))


def test_a_note_with_a_nul_is_refused_and_nothing_is_written(admin):
    inv = invoice(admin, "ERP-SO-1003-3")
    page = f"/admin/invoices/{inv}"
    before = admin.service.notes(inv)
    shown = said(admin, admin.submit(page, f"{page}/notes", {"body": NUL}))
    assert "Must not contain NUL or unpaired surrogate characters." in shown
    assert admin.service.notes(inv) == before


def test_a_void_reason_with_a_nul_is_refused(admin):
    inv = invoice(admin, "ERP-SO-1003-3")
    resp = admin.submit(f"/admin/invoices/{inv}/void", f"/admin/invoices/{inv}/void", {"reason": NUL})
    assert resp.status_code == 422
    assert "Reason: Must not contain NUL" in text_of(resp.get_data(as_text=True))
    assert not admin.service.get(inv).amount_credited


def test_an_email_with_a_nul_is_refused_in_its_dialog(admin):
    inv = invoice(admin, "ERP-SO-1002-2")
    page = f"/admin/invoices/{inv}"
    before = len(admin.service.activities(inv))
    resp = admin.submit(page, f"{page}/email", {"to": "ben.ortiz@acme.example", "subject": "Your invoice",
                                                 "body": NUL})
    assert resp.status_code == 422
    assert "Body: Must not contain NUL" in text_of(resp.get_data(as_text=True))
    assert len(admin.service.activities(inv)) == before
