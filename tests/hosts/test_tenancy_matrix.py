"""Two organizations in the reference shop: nobody acts on the other organization's data.

For each direction (Northwind acting on Sakura's data, Sakura on Northwind's)
the organization's admin, API client and customer user try every back-office
route, storefront route and API operation on the other organization's
invoices, orders, customers and websites: each is refused, and not one row of
the add-on's tables changes. The organizations come from ``demo.json``'s
``organizations`` (the seed's return value).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from support.days import after_seeded_invoices, days_ago, today
from support.pdfs import pdf_words

from oro_invoices.hosts.reference.testing import ShopClient, form_token, text_of
from oro_invoices.persistence.metadata import TABLE_PREFIX, VERSION_TABLE, metadata
from oro_invoices.services.facade import InvoiceService

DIRECTIONS = [pytest.param(0, 1, id="northwind-on-sakura"), pytest.param(1, 0, id="sakura-on-northwind")]
ORDER_TAB = "oro_invoices.order_invoices"


@dataclass
class Org:
    """One seeded organization, as ``demo.json`` lists it, with invoices picked from its data."""

    info: dict[str, Any]
    posted: int            # a posted invoice (with its PDF)
    draft: int             # a draft
    buyer: dict[str, Any]  # a customer user who sees the organization's customer's invoices

    @property
    def id(self) -> int:
        return int(self.info["id"])


def org(shop, index: int) -> Org:
    app, seeded = shop
    info = seeded["organizations"][index]
    service: InvoiceService = app.extensions["oro_invoices"].service
    items = service.list_invoices({"organization_id": info["id"]}, limit=100).items
    posted = next(i.id for i in items if i.status.value == "posted")
    draft = next(i.id for i in items if i.status.value == "draft")
    buyer = next(u for u in seeded["customer_users"]
                 if u["customer_id"] in info["customers"] and u["role"] in ("department", "corporate"))
    return Org(info, posted, draft, buyer)


def fingerprint(app) -> dict[str, list[str]]:
    """Every row of every table of the add-on."""
    db = app.extensions["oro_invoices"].service.db
    with db.engine.connect() as conn:
        return {t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
                for t in metadata.sorted_tables
                if t.name.startswith(TABLE_PREFIX) and t.name != VERSION_TABLE}


def displayed_numbers(html: str) -> set[str]:
    return set(re.findall(r"(?:INV|SAK)-\d{4}-\d{2}-\d{5}|Draft #\d+", text_of(html)))


def numbers_of(app, org: Org) -> set[str]:
    service: InvoiceService = app.extensions["oro_invoices"].service
    return {i.display_number for i in
            service.list_invoices({"organization_id": org.id}, limit=100).items}


class Api:
    """The JSON API with one organization's bearer token."""

    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any):
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return self.client.open("/api" + path, method=method, headers=self.headers, **kwargs)


def own_payload(app, org: Org, **changes: Any) -> dict[str, Any]:
    """A consistent invoice of ``org``: its first order's customer, buyer, website and currency."""
    order = app.extensions["oro_reference_host"].orders.get(org.info["orders"][0])
    payload = {"organization_id": org.id, "invoice_date": "2026-11-02", "due_date": "2026-12-02",
               "currency": order.currency, "customer_name": "Buyer Ltd",
               "customer_id": order.customer_id, "customer_user_id": order.customer_user_id,
               "website_id": order.website_id, "order_id": order.id,
               "bill_to": {"name": "AP", "street": "1 Main St", "city": "Town", "country": "DE"},
               "lines": [{"description": "Widget", "quantity": "1", "unit_price": "10"}]}
    payload.update(changes)
    return payload


def cross_tenant_changes(other: Org) -> list[tuple[dict[str, Any], str]]:
    """Changes naming the other organization's customer, customer user, website, order."""
    foreign_user = other.buyer["id"]
    return [
        ({"customer_id": other.info["customers"][0], "customer_user_id": None, "order_id": None},
         "customer_id"),
        ({"customer_user_id": foreign_user}, "customer_user_id"),
        ({"website_id": other.info["websites"][0], "order_id": None}, "website_id"),
        ({"order_id": other.info["orders"][0]}, "order_id"),
        ({"order_id": 999999}, "order_id"),
    ]


# ---- back-office ---------------------------------------------------------------------

@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_admin_is_refused_every_backoffice_route_on_the_other_organization(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    admin = ShopClient(app)
    admin.login_admin(me.info["admin"]["username"], me.info["admin"]["password"])
    token = form_token(admin.get(f"/admin/invoices/{me.draft}").get_data(as_text=True))
    before = fingerprint(app)

    grid = admin.get("/admin/invoices").get_data(as_text=True)
    assert displayed_numbers(grid) and not displayed_numbers(grid) & numbers_of(app, other)
    by_customer = admin.get(f"/admin/invoices?customer={other.info['customers'][0]}")
    assert not displayed_numbers(by_customer.get_data(as_text=True)) & numbers_of(app, other)

    other_order = other.info["orders"][0]
    gets = [f"/admin/invoices/{other.posted}", f"/admin/invoices/{other.draft}",
            f"/admin/invoices/{other.draft}?dialog=email",
            f"/admin/invoices/{other.draft}/delete", f"/admin/invoices/{other.posted}/download",
            f"/admin/invoices/orders/{other_order}", f"/admin/orders/{other_order}",
            f"/admin/orders/{other_order}?tab={ORDER_TAB}",
            *(f"/admin/invoices/statement{kind}?customer={customer}" for customer in other.info["customers"]
              for kind in ("", ".pdf", ".csv", "/activity", "/activity.pdf", "/activity.csv"))]
    for url in gets:
        resp = admin.get(url)
        assert resp.status_code == 404, url
        assert not displayed_numbers(resp.get_data(as_text=True)) & numbers_of(app, other), url
    posts = [(f"/admin/invoices/{other.posted}/notes", {"body": "cross-tenant note"}),
             (f"/admin/invoices/{other.draft}/delete", {}),
             (f"/admin/invoices/{other.draft}/send-to-customer", {"confirm": "1"}),
             (f"/admin/invoices/{other.posted}/email",
              {"to": "x@example.test", "subject": "s", "body": "b", "template": ""}),
             (f"/admin/invoices/{other.posted}/emails/1", {"decision": "send"}),
             (f"/admin/invoices/{other.posted}/payments",
              {"amount": "1", "method": "cash", "received_on": after_seeded_invoices().isoformat(),
               "request_key": "t" * 24}),
             (f"/admin/invoices/{other.posted}/transactions/1/reverse", {"reason": "cross-tenant"}),
             *((f"/admin/invoices/statement/email?customer={customer}",
                {"to": "x@example.test", "subject": "s", "body": "b"}) for customer in other.info["customers"])]
    for url, form in posts:
        resp = admin.client.post(url, data={**form, "csrf_token": token})
        assert resp.status_code == 404, url
    # the grid's actions on ticked invoices: the other's are "not found" and left alone
    theirs_ticked = "&".join(f"invoice={i}" for i in (other.posted, other.draft))
    for url in (f"/admin/invoices/selected/send?{theirs_ticked}", f"/admin/invoices/selected/delete?{theirs_ticked}",
                f"/admin/invoices/selected/payment?{theirs_ticked}"):
        page = admin.get(url).get_data(as_text=True)
        assert f"Invoice {other.posted} does not exist." in text_of(page), url
        assert not displayed_numbers(page) & numbers_of(app, other) and 'name="invoice"' not in page, url
    archive = admin.get(f"/admin/invoices/selected/pdfs.zip?{theirs_ticked}")
    assert archive.status_code == 200 and b".pdf" not in archive.get_data()
    for url in ("/admin/invoices/selected/send", "/admin/invoices/selected/delete"):
        resp = admin.client.post(url, data={"invoice": [other.posted, other.draft], "form_token": "t",
                                            "csrf_token": token})
        assert resp.status_code in (200, 303) and not displayed_numbers(resp.get_data(as_text=True)) \
            & numbers_of(app, other), url
    # Record Payment for their invoices, with a share typed for each: nothing to record, nothing shown
    resp = admin.client.post("/admin/invoices/selected/payment", data={
        "invoice": [other.posted, other.draft], f"amount-{other.posted}": "1", "method": "cash",
        "received_on": after_seeded_invoices().isoformat(), "request_key": "t" * 24, "csrf_token": token})
    assert resp.status_code == 422 and not displayed_numbers(resp.get_data(as_text=True)) & numbers_of(app, other)
    assert "None of the selected invoices can take a payment." in text_of(resp.get_data(as_text=True))
    assert fingerprint(app) == before


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_order_tab_of_an_own_order_lists_only_own_invoices(shop, mine, theirs):
    app = shop[0]
    me = org(shop, mine)
    admin = ShopClient(app)
    admin.login_admin(me.info["admin"]["username"], me.info["admin"]["password"])
    order_id = me.info["orders"][0]
    tab = admin.get(f"/admin/invoices/orders/{order_id}")
    assert tab.status_code == 200
    service: InvoiceService = app.extensions["oro_invoices"].service
    expected = {i.display_number for i in service.list_invoices({"order_id": order_id}).items}
    assert expected and displayed_numbers(tab.get_data(as_text=True)) == expected


# ---- storefront ----------------------------------------------------------------------

@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_customer_user_is_refused_every_storefront_route_on_the_other_organization(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    buyer = ShopClient(app)
    buyer.login_customer(me.buyer["email"], me.buyer["password"])
    before = fingerprint(app)
    listed = buyer.get("/customer/invoices").get_data(as_text=True)
    assert displayed_numbers(listed) and not displayed_numbers(listed) & numbers_of(app, other)
    for url in (f"/customer/invoices/{other.posted}", f"/customer/invoices/{other.posted}/download",
                f"/customer/invoices/{other.draft}", f"/customer/orders/{other.info['orders'][0]}"):
        assert buyer.get(url).status_code == 404, url
    # the back-office and the API are not open to a storefront login
    assert buyer.get(f"/admin/invoices/{other.posted}").status_code == 302
    assert buyer.get(f"/api/invoices/{other.posted}").status_code == 401
    assert fingerprint(app) == before


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_storefront_hides_an_invoice_another_organization_made_for_its_customer(shop, mine, theirs):
    """Even an invoice written past the host's checks: the buyer's organization decides."""
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    service: InvoiceService = app.extensions["oro_invoices"].service
    unchecked = InvoiceService(service.db, settings=service.settings)   # no host: no checks
    intruder = unchecked.create(own_payload(app, other, customer_id=me.buyer["customer_id"],
                                            customer_user_id=me.buyer["id"], order_id=None,
                                            website_id=None, organization_id=other.id,
                                            external_payment_url="https://evil.example/pay",
                                            invoice_number="FOREIGN-1", status="posted"))
    buyer = ShopClient(app)
    buyer.login_customer(me.buyer["email"], me.buyer["password"])
    assert "FOREIGN-1" not in text_of(buyer.get("/customer/invoices").get_data(as_text=True))
    assert buyer.get(f"/customer/invoices/{intruder.id}").status_code == 404
    assert buyer.get(f"/customer/invoices/{intruder.id}/download").status_code == 404
    for kind in ("", ".csv"):                              # nor is it an entry of their account activity
        activity = buyer.get(f"/customer/invoices/activity{kind}?from={days_ago(365)}&to={today()}")
        assert activity.status_code == 200 and "FOREIGN-1" not in activity.get_data(as_text=True), kind


def test_a_customer_without_an_organization_sees_no_invoices(shop):
    app = shop[0]
    records = app.extensions["oro_reference_host"].records
    nowhere = records.add_customer("Nowhere Ltd", organization_id=None)
    records.add_customer_user(nowhere, "nobody@nowhere.test", "No Body", password="demo1234",
                              invoice_role="department")
    buyer = ShopClient(app)
    buyer.login_customer("nobody@nowhere.test")
    resp = buyer.get("/customer/invoices")
    assert resp.status_code == 403
    assert "belongs to no organization" in text_of(resp.get_data(as_text=True))


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_order_tab_refuses_another_organizations_order_even_with_an_invoice_naming_it(
        shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    service: InvoiceService = app.extensions["oro_invoices"].service
    unchecked = InvoiceService(service.db, settings=service.settings)
    other_order = other.info["orders"][0]
    unchecked.create(own_payload(app, me, order_id=other_order, invoice_number="FOREIGN-2"))
    admin = ShopClient(app)
    admin.login_admin(me.info["admin"]["username"], me.info["admin"]["password"])
    resp = admin.get(f"/admin/invoices/orders/{other_order}")
    assert resp.status_code == 404
    assert "FOREIGN-2" not in resp.get_data(as_text=True)
    # and the other organization's admin does not see it on their own order's tab
    theirs_admin = ShopClient(app)
    theirs_admin.login_admin(other.info["admin"]["username"], other.info["admin"]["password"])
    tab = theirs_admin.get(f"/admin/orders/{other_order}?tab={ORDER_TAB}")
    assert tab.status_code == 200 and "FOREIGN-2" not in tab.get_data(as_text=True)


# ---- API -----------------------------------------------------------------------------

@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_api_client_never_reads_or_writes_the_other_organizations_invoices(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    api = Api(app, me.info["api_token"])
    before = fingerprint(app)

    listed = api.call("GET", "/invoices?limit=100").get_json()["data"]
    assert listed and {row["organization_id"] for row in listed} == {me.id}
    foreign = {row["id"] for row in api.call(
        "GET", f"/invoices?customer_id={other.info['customers'][0]}&limit=100").get_json()["data"]}
    assert foreign == set()
    external_id = app.extensions["oro_invoices"].service.get(other.posted).external_id
    assert api.call("GET", f"/invoices/by-external-id/{external_id}").status_code == 404
    operations = [("GET", f"/invoices/{other.posted}", None),
                  ("GET", f"/invoices/{other.posted}/pdf", None),
                  ("GET", f"/invoices/{other.posted}/payments", None),
                  ("GET", f"/invoices/{other.posted}/notes", None),
                  ("PATCH", f"/invoices/{other.draft}", {"due_date": "2027-01-31"}),
                  ("DELETE", f"/invoices/{other.draft}", None),
                  ("POST", f"/invoices/{other.draft}/post", None),
                  ("POST", f"/invoices/{other.posted}/send", None),
                  ("POST", f"/invoices/{other.posted}/payments/1/reverse", {"reason": "cross-tenant"}),
                  ("POST", f"/invoices/{other.draft}/send", {"post": True}),
                  ("POST", f"/invoices/{other.posted}/notes", {"body": "cross-tenant"}),
                  ("POST", f"/invoices/{other.posted}/payments",
                   {"method": "bank", "action": "charge", "amount": "1.00"})]
    for method, path, body in operations:       # answered as ids no invoice has: nothing said of theirs
        resp = api.call(method, path, body)
        assert resp.status_code == 404, (method, path)
        assert re.fullmatch(r"Invoice \d+ does not exist\.", resp.get_json()["errors"][0]["message"]), (method, path)
    for customer in other.info["customers"]:
        for path in (f"/receivables/statement?customer_id={customer}", f"/receivables/statement.pdf?customer_id={customer}",
                     f"/receivables/activity?customer_id={customer}&from={days_ago(300)}&to={today()}"):
            assert api.call("GET", path).status_code == 404, path
        assert api.call("POST", f"/receivables/statement/email?customer_id={customer}").status_code == 404
    upload = api.client.put(f"/api/invoices/{other.posted}/pdf", data=b"%PDF-1.4 forged",
                            headers={**api.headers, "Content-Type": "application/pdf"})
    assert upload.status_code == 404
    assert fingerprint(app) == before


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_api_create_naming_the_other_organization_or_its_data_is_refused(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    api = Api(app, me.info["api_token"])
    before = fingerprint(app)
    resp = api.call("POST", "/invoices", own_payload(app, me, organization_id=other.id))
    assert resp.status_code == 403
    assert f"organization {me.id}" in resp.get_json()["errors"][0]["message"]
    for changes, field in cross_tenant_changes(other):
        payload = own_payload(app, me, external_payment_url="https://evil.example/pay", **changes)
        resp = api.call("POST", "/invoices", payload)
        assert resp.status_code == 422, changes
        errors = resp.get_json()["errors"]
        assert [e["field"] for e in errors] == [field], errors
        assert f"does not exist in organization {me.id}" in errors[0]["message"]
        resp = api.call("POST", "/invoices", {**payload, "status": "posted"})
        assert resp.status_code == 422, changes
    assert fingerprint(app) == before


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_api_patch_naming_the_other_organization_or_its_data_is_refused(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    api = Api(app, me.info["api_token"])
    created = api.call("POST", "/invoices", own_payload(app, me))
    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    before = fingerprint(app)
    resp = api.call("PATCH", f"/invoices/{draft['id']}", {"organization_id": other.id})
    assert resp.status_code == 403
    for changes, field in cross_tenant_changes(other):
        resp = api.call("PATCH", f"/invoices/{draft['id']}", changes)
        assert resp.status_code == 422, changes
        assert [e["field"] for e in resp.get_json()["errors"]] == [field]
    assert api.call("GET", f"/invoices/{draft['id']}").get_json() == draft
    assert fingerprint(app) == before


def test_api_refuses_another_customers_order_and_another_currency(shop):
    """Within one organization: the order must be the customer's, the currency the order's."""
    app = shop[0]
    north = org(shop, 0)
    host = app.extensions["oro_reference_host"]
    orders = [host.orders.get(i) for i in north.info["orders"]]
    first = orders[0]
    stranger = next(o for o in orders if o.customer_id != first.customer_id)
    api = Api(app, north.info["api_token"])
    before = fingerprint(app)
    resp = api.call("POST", "/invoices", own_payload(app, north, order_id=stranger.id))
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "order_id", "message": (
        f"Order {stranger.identifier} ({stranger.id}) is an order of customer "
        f"{stranger.customer_id}, not of customer {first.customer_id}.")}]
    other_currency = "USD" if first.currency != "USD" else "EUR"
    resp = api.call("POST", "/invoices", own_payload(app, north, currency=other_currency))
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "currency", "message": (
        f"Must be the currency of order {first.identifier} ({first.id}): {first.currency}, "
        f"not {other_currency}.")}]
    assert fingerprint(app) == before


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_api_posting_refuses_a_draft_naming_the_other_organizations_customer(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    service: InvoiceService = app.extensions["oro_invoices"].service
    unchecked = InvoiceService(service.db, settings=service.settings)
    draft = unchecked.create(own_payload(app, me, order_id=None,
                                         customer_id=other.buyer["customer_id"],
                                         customer_user_id=other.buyer["id"]))
    before = fingerprint(app)
    resp = Api(app, me.info["api_token"]).call("POST", f"/invoices/{draft.id}/post")
    assert resp.status_code == 422
    assert [e["field"] for e in resp.get_json()["errors"]] == ["customer_id", "customer_user_id"]
    assert fingerprint(app) == before
    assert service.get(draft.id).invoice_number is None


def test_demo_json_lists_each_organization_with_its_logins_and_data(shop):
    app, seeded = shop
    host = app.extensions["oro_reference_host"]
    orgs = seeded["organizations"]
    assert [o["name"] for o in orgs] == ["Northwind Supply GmbH", "Sakura Trading K.K."]
    for entry in orgs:
        assert {"id", "name", "admin", "api_token", "customers", "websites", "orders"} <= set(entry)
        admin = ShopClient(app)
        admin.login_admin(entry["admin"]["username"], entry["admin"]["password"])
        assert admin.get("/admin/invoices").status_code == 200
        listed = Api(app, entry["api_token"]).call("GET", "/invoices?limit=100").get_json()["data"]
        assert listed and {row["organization_id"] for row in listed} == {entry["id"]}
        assert entry["customers"] and entry["websites"] and entry["orders"]
        assert {host.customers.get_customer(c).organization_id for c in entry["customers"]} == {entry["id"]}
        assert {host.websites.get_website(w).organization_id for w in entry["websites"]} == {entry["id"]}
        assert {host.orders.get(o).organization_id for o in entry["orders"]} == {entry["id"]}
    assert orgs[0]["api_token"] == seeded["api_token"]      # the existing token is kept


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_the_aging_in_every_form_names_none_of_the_other_organizations_customers(shop, mine, theirs):
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    service: InvoiceService = app.extensions["oro_invoices"].service
    ours = {i.customer_name for i in service.list_invoices({"organization_id": me.id, "status": "posted"},
                                                          limit=100).items if i.amount_due}
    names = {i.customer_name for i in service.list_invoices({"organization_id": other.id}, limit=100).items} - ours
    assert names
    admin = ShopClient(app)
    admin.login_admin(me.info["admin"]["username"], me.info["admin"]["password"])
    api = Api(app, me.info["api_token"])
    day = after_seeded_invoices()                                     # every seeded invoice was posted then
    texts = {"page": text_of(admin.get(f"/admin/invoices/aging?as_of={day}").get_data(as_text=True)),
             "csv": admin.get("/admin/invoices/aging.csv").get_data(as_text=True),
             "pdf": " ".join(pdf_words(admin.get("/admin/invoices/aging.pdf").get_data()).split()),
             "api": api.call("GET", "/receivables/aging").get_data(as_text=True),
             "api pdf": " ".join(pdf_words(api.call("GET", "/receivables/aging.pdf").get_data()).split())}
    for form, text in texts.items():
        assert any(name in text for name in ours), form                     # its own customers are there
        assert not [name for name in names if name in text], form


@pytest.mark.parametrize("mine, theirs", DIRECTIONS)
def test_an_email_of_the_other_organization_is_answered_as_one_that_does_not_exist(shop, mine, theirs):
    """An admin cannot tell another organization's email ids from ids no email has."""
    app = shop[0]
    me, other = org(shop, mine), org(shop, theirs)
    mail = app.extensions["oro_invoices"].mail
    theirs_sent = mail.send(other.posted, to="ap@example.test", subject="Theirs", text="Private", actor="test")
    admin = ShopClient(app)
    admin.login_admin(me.info["admin"]["username"], me.info["admin"]["password"])
    token = form_token(admin.get(f"/admin/invoices/{me.posted}").get_data(as_text=True))
    missing = theirs_sent.id + 1000
    for suffix in ("", "/attachments/0"):
        answers = [admin.get(f"/admin/invoices/{me.posted}/emails/{email_id}{suffix}") for email_id in (theirs_sent.id, missing)]
        assert [a.status_code for a in answers] == [404, 404]
        said = [text_of(a.get_data(as_text=True)) for a in answers]
        assert said[0] == said[1].replace(str(missing), str(theirs_sent.id)), suffix
        assert "Private" not in said[0] and "Theirs" not in said[0]
    decided = [admin.client.post(f"/admin/invoices/{me.posted}/emails/{email_id}",
                                 data={"decision": "send", "csrf_token": token}) for email_id in (theirs_sent.id, missing)]
    assert [d.status_code for d in decided] == [404, 404]
    said = [text_of(d.get_data(as_text=True)) for d in decided]
    assert said[0] == said[1].replace(str(missing), str(theirs_sent.id))
