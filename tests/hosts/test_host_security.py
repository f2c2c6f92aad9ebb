"""CSRF tokens on every form, login redirects, and the Flask extension's set-up rules."""
from __future__ import annotations

import flask
import pytest

from oro_invoices.adapters.flask import OroInvoices
from oro_invoices.hosts.reference.testing import ShopClient, text_of


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_add_note_without_the_sessions_token_is_rejected(admin, token):
    inv = admin.service.find_id(external_id="ERP-SO-1003-3")
    data = {"body": "sneaky"} if token is None else {"body": "sneaky", "csrf_token": token}
    resp = admin.client.post(f"/admin/invoices/{inv}/notes", data=data)
    assert resp.status_code == 400
    assert "The form has expired or did not come from this site" in text_of(resp.get_data(as_text=True))
    assert admin.service.notes(inv) == []


def test_token_of_another_session_is_rejected(shop, admin):
    other = ShopClient(shop[0])
    other.login_admin()
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")
    foreign = other.get(f"/admin/invoices/{inv}").get_data(as_text=True)
    from oro_invoices.hosts.reference.testing import form_token
    resp = admin.client.post(f"/admin/invoices/{inv}/send-to-customer",
                             data={"confirm": "1", "csrf_token": form_token(foreign)})
    assert resp.status_code == 400
    assert not admin.service.get(inv).is_posted


def test_every_state_changing_action_needs_the_token(shop, admin):
    inv = admin.service.find_id(external_id="ERP-SO-1004-4")
    for url, data in [(f"/admin/invoices/{inv}/delete", {}),
                      (f"/admin/invoices/{inv}/send-to-customer", {"confirm": "1"}),
                      (f"/admin/invoices/{inv}/email", {"to": "a@b.example", "subject": "x", "body": "y"}),
                      ("/admin/config/oro_invoices", {"scope": "global", "oro_invoices.enabled": "0"}),
                      ("/admin/logout", {})]:
        assert admin.client.post(url, data=data).status_code == 400, url
    doc = admin.service.get(inv)
    assert not doc.is_posted
    assert admin.get("/admin/invoices").status_code == 200   # still enabled, still logged in


def test_login_form_needs_the_token(shop):
    client = ShopClient(shop[0])
    resp = client.client.post("/admin/login", data={"username": "admin", "password": "admin1234"})
    assert resp.status_code == 401
    assert "The form has expired" in text_of(resp.get_data(as_text=True))


def test_wrong_password_and_open_redirects(shop):
    client = ShopClient(shop[0])
    bad = client.submit("/admin/login", "/admin/login", {"username": "admin", "password": "nope"})
    assert bad.status_code == 401 and "Invalid user name or password." in text_of(bad.get_data(as_text=True))
    resp = client.submit("/admin/login", "/admin/login?next=https://evil.example/",
                         {"username": "admin", "password": "admin1234"})
    assert resp.headers["Location"] == "/admin/"
    store = ShopClient(shop[0])
    resp = store.submit("/customer/login", "/customer/login?next=//evil.example/x",
                        {"email": "ben.ortiz@acme.example", "password": "demo1234"})
    assert resp.headers["Location"] == "/customer/account"


@pytest.mark.parametrize("target", ["/customer/invoices\r\nSet-Cookie: x=1", "/customer/invoices\nx",
                                    "/customer/invoices\x00", "/customer/\tinvoices"])
def test_a_next_holding_a_control_character_goes_to_the_landing_page(shop, target):
    """A crafted login or website-picker link with CR/LF in ``next`` lands on the default page
    (it was a 500 after the login had succeeded)."""
    store = ShopClient(shop[0])
    resp = store.submit("/customer/login", "/customer/login", {"email": "ben.ortiz@acme.example",
                                                               "password": "demo1234"},
                        query_string={"next": target})
    assert resp.status_code == 302 and resp.headers["Location"] == "/customer/account"
    resp = store.submit("/customer/account", "/website", {"website_id": "", "next": target})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    admin = ShopClient(shop[0])
    resp = admin.submit("/admin/login", "/admin/login", {"username": "admin", "password": "admin1234"},
                        query_string={"next": target.replace("/customer/", "/admin/")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/"


def test_customer_login_does_not_open_the_back_office(shop):
    client = ShopClient(shop[0])
    client.login_customer("amanda.cole@acme.example")
    resp = client.get("/admin/invoices")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/admin/login")


def test_extension_refuses_double_initialisation(shop):
    app = shop[0]
    with pytest.raises(RuntimeError, match="already initialised"):
        OroInvoices(app, host=app.extensions["oro_reference_host"])
    ext = app.extensions["oro_invoices"]
    with pytest.raises(RuntimeError, match="already bound to another app"):
        ext.init_app(flask.Flask("other"))


def test_extension_needs_a_secret_key(shop):
    app = flask.Flask("no_secret")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        OroInvoices().init_app(app, host=shop[0].extensions["oro_reference_host"])


def test_static_stylesheet_is_served(shop):
    resp = ShopClient(shop[0]).get("/oro-invoices/static/oro_invoices.css")
    assert resp.status_code == 200 and b".oi-table" in resp.data
    resp.close()


def test_a_user_set_outside_requests_never_leaks_into_requests(shop):
    host = shop[0].extensions["oro_reference_host"]
    host.login_admin()                      # the conformance kit's seeder, same thread
    assert host.users.current().kind == "admin"
    resp = ShopClient(shop[0]).get("/admin/invoices")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/admin/login")


def test_an_api_token_may_do_only_what_its_admin_may_do_in_the_back_office(shop, admin):
    records = shop[0].extensions["oro_reference_host"].records
    viewer = records.add_admin("apiviewer", "apiviewer1234", organization_id=1, permissions=["oro_invoices.view"])
    token = records.add_api_token(viewer, name="read-only ERP")
    api = shop[0].test_client()
    headers = {"Authorization": f"Bearer {token}"}
    posted = next(i for i in admin.service.list_invoices({"organization_id": 1, "status": "posted"}, limit=50).items
                  if i.document_type.value == "invoice" and i.amount_due > 0)
    assert api.get(f"/api/invoices/{posted.id}", headers=headers).status_code == 200
    credit = api.post(f"/api/invoices/{posted.id}/credit-notes", json={"full": True}, headers=headers)
    assert credit.status_code == 403 and "'oro_invoices.credit' permission" in credit.get_json()["errors"][0]["message"]
    assert api.post("/api/receivables/aging/email", headers=headers).status_code == 403
    assert admin.service.credit_notes_of(posted.id) == []
    full = records.add_api_token(records.admin_for_token(shop[1]["organizations"][0]["api_token"]).id)
    assert api.post(f"/api/invoices/{posted.id}/credit-notes", json={"full": True},
                    headers={"Authorization": f"Bearer {full}"}).status_code == 201          # an admin who may
